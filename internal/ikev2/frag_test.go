package ikev2

import (
	"crypto/rand"
	"net/netip"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
)

// RFC 7383: CREATE_CHILD_SA messages (child and IKE SA rekeys with a KE)
// are fragmented when larger than the configured size.
func TestRekeyFragmented_RFC7383(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		for _, c := range []*ike.Config{ca, cb} {
			c.Peers[0].NeedPFS = true
			c.Peers[0].Proposal.DH = []uint16{14} // MODP 2048: 256-octet KE
		}
	})
	p.establish(t)
	p.a.o.MaxPacket, p.b.o.MaxPacket = 200, 200
	mark := len(p.w.Log)
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	p.b.rekeyIKE(only(t, p.b))
	p.w.Run()
	p.mustBeUp(t)
	if childPairs(t, p) != 1 || p.a.ExtStats().ChildRekeys != 1 || p.b.ExtStats().IKERekeys != 1 {
		t.Fatal("rekeys failed")
	}
	frags := 0
	for _, q := range p.w.Log[mark:] {
		if len(q.Data) > 200 {
			t.Fatalf("datagram of %d octets", len(q.Data))
		}
		if h, _ := HeaderView(q.Data); h.NextPayload() == PayloadSKF {
			frags++
		}
	}
	if frags < 8 {
		t.Fatalf("%d fragments", frags)
	}
}

// sealFrom returns A's request id of the IKE SA, cut into fragments.
func sealFrom(t *testing.T, p *pair, pl []Payload, size int) []ike.Packet {
	t.Helper()
	sa := only(t, p.a)
	out, err := sa.keys.cipherOut()
	if err != nil {
		t.Fatal(err)
	}
	h := Header{SPIi: sa.spiI, SPIr: sa.spiR, Exchange: ExchangeInformational, MessageID: sa.mgr.nextID, Flags: FlagInitiator}
	frags, err := SealFragments(h, pl, size, out, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var pk []ike.Packet
	for _, f := range frags {
		pk = append(pk, ike.Packet{Local: netip.AddrPortFrom(addrA, 500), Remote: netip.AddrPortFrom(addrB, 500), Data: f})
	}
	return pk
}

// RFC 7383 2.6.1: reassembly is bounded in size and time, so that a peer
// (even one with only a half-open SA) cannot pin memory with fragments.
func TestReassemblyBounds_RFC7383_2_6_1(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	sb := only(t, p.b)
	// Size: 80 KB of notifies in 1200-octet fragments.
	big := []Payload{notify(NotifyType(40000), make([]byte, 40000)), notify(NotifyType(40001), make([]byte, 40000))}
	sent := p.b.Stats().Sent
	for _, q := range sealFrom(t, p, big, 1200) {
		p.w.Inject(q)
	}
	p.w.Run()
	if sb.reasm != nil && sb.reasm.size() > maxReasmBytes {
		t.Fatalf("reassembly holds %d octets", sb.reasm.size())
	}
	if p.b.Stats().DropMalformed == 0 || p.b.Stats().Sent != sent {
		t.Fatal("oversized message answered")
	}
	// Time: half a message, then nothing.
	frags := sealFrom(t, p, []Payload{notify(NotifyType(40000), make([]byte, 3000))}, 500)
	for _, q := range frags[:len(frags)/2] {
		p.w.Inject(q)
	}
	p.w.Run()
	if sb.reasm == nil {
		t.Fatal("partial message not kept")
	}
	p.w.Advance(reasmTimeout)
	if sb.reasm != nil {
		t.Fatal("partial message kept past the timeout")
	}
	// The SA still works.
	p.a.liveness(only(t, p.a))
	p.w.Run()
	if len(only(t, p.a).mgr.out) != 0 {
		t.Fatal("liveness check unanswered")
	}
}

// RFC 7383 2.5.1: the fragment size bounds the whole IP datagram, so the
// IP header (20 or 40 octets), the UDP header and, on port 4500, the
// non-ESP marker come out of ike_frag_size (PeerConfig.FragmentSize).
func TestFragmentSizeCountsHeaders_RFC7383_2_5_1(t *testing.T) {
	cases := []struct {
		name  string
		a, b  string
		nat   bool
		size  int
		extra int // IP + UDP headers (+ marker) around the IKE message
	}{
		{"ipv4", "192.0.2.1", "192.0.2.2", false, 576, 20 + 8},
		{"ipv6", "2001:db8::1", "2001:db8::2", false, 1280, 40 + 8},
		{"ipv4-nat-4500", "192.0.2.1", "192.0.2.2", true, 576, 20 + 8 + 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := netip.MustParseAddr(tc.a), netip.MustParseAddr(tc.b)
			pub := netip.MustParseAddr("198.51.100.1")
			p := newPairAt(t, a, b, func(ca, cb *ike.Config) {
				for _, c := range []*ike.Config{ca, cb} {
					c.Peers[0].NeedPFS = true
					c.Peers[0].Proposal.DH = []uint16{18} // MODP 8192: 1024-octet KE
					c.Peers[0].FragmentSize = tc.size
				}
				if tc.nat {
					cb.Peers[0].Addrs = []netip.Addr{pub}
				}
			})
			if tc.nat {
				n := &mappingNAT{pub: pub, out: map[uint16]uint16{500: 1024, 4500: 1025}}
				p.w.AddFilter(n.filter)
			}
			p.establish(t)
			mark := len(p.w.Log)
			p.a.rekeyChild(firstChild(t, p.a))
			p.w.Run()
			p.mustBeUp(t)
			if p.a.ExtStats().ChildRekeys != 1 {
				t.Fatal("child rekey failed")
			}
			limit := tc.size - tc.extra
			frags, biggest := 0, 0
			for _, q := range p.w.Log[mark:] {
				if tc.nat && q.Local.Port() != ike.PortNATT && q.Remote.Port() != ike.PortNATT {
					t.Fatalf("datagram %v -> %v off port 4500 after the float", q.Local, q.Remote)
				}
				if len(q.Data) > limit {
					t.Fatalf("%d-octet IKE message: %d-octet datagram, over %d", len(q.Data), len(q.Data)+tc.extra, tc.size)
				}
				biggest = max(biggest, len(q.Data))
				if h, _ := HeaderView(q.Data); h.NextPayload() == PayloadSKF {
					frags++
				}
			}
			// The request (1024-octet KE) is cut at least in two, and
			// fragments are filled to within a cipher block of the limit.
			if frags < 2 || biggest < limit-32 {
				t.Fatalf("%d fragments, biggest %d of %d", frags, biggest, limit)
			}
		})
	}
}
