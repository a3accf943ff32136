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
