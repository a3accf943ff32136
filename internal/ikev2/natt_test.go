package ikev2

import (
	"net/netip"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// mappingNAT puts A behind a NAT with public address pub whose port
// mapping the test can change (a NAT rebinding).
type mappingNAT struct {
	pub       netip.Addr
	out       map[uint16]uint16 // A's port -> public port
	keepalive int               // keepalives that crossed it
}

func (n *mappingNAT) filter(q ike.Packet) []ike.Packet {
	switch {
	case q.Local.Addr() == addrA:
		if len(q.Data) == 1 && q.Data[0] == 0xff {
			// RFC 3948 2.3: the keepalive refreshes the mapping; the
			// peer's transport absorbs it.
			n.keepalive++
			return nil
		}
		q.Local = netip.AddrPortFrom(n.pub, n.out[q.Local.Port()])
	case q.Remote.Addr() == n.pub:
		for a, b := range n.out {
			if b == q.Remote.Port() {
				q.Remote = netip.AddrPortFrom(addrA, a)
				return []ike.Packet{q}
			}
		}
		return nil // no mapping: the NAT drops it
	}
	return []ike.Packet{q}
}

func natPair(t *testing.T, mod func(ca, cb *ike.Config)) (*pair, *mappingNAT) {
	pub := netip.MustParseAddr("198.51.100.1")
	p := newPair(t, func(ca, cb *ike.Config) {
		cb.Peers[0].Addrs = []netip.Addr{pub}
		if mod != nil {
			mod(ca, cb)
		}
	})
	n := &mappingNAT{pub: pub, out: map[uint16]uint16{500: 1024, 4500: 1025}}
	p.w.AddFilter(n.filter)
	p.establish(t)
	return p, n
}

// RFC 3948 2.3, racoon2 natk_interval: the peer behind the NAT sends a
// keepalive every interval through the one timer heap; the other does not.
func TestNATKeepalive_RFC3948_2_3(t *testing.T) {
	p, n := natPair(t, nil)
	p.a.SetNATKeepalive(10 * time.Second)
	p.w.Advance(25 * time.Second) // first one armed at 20 s (default), then 10 s
	if n.keepalive != 1 {
		t.Fatalf("%d keepalives after 25 s", n.keepalive)
	}
	p.w.Advance(20 * time.Second)
	if n.keepalive != 3 || p.a.ExtStats().Keepalives != 3 || p.b.ExtStats().Keepalives != 0 {
		t.Fatalf("%d keepalives, A %d B %d", n.keepalive, p.a.ExtStats().Keepalives, p.b.ExtStats().Keepalives)
	}
	// They go on after an IKE SA rekey, on the new SA only.
	p.a.rekeyIKE(only(t, p.a))
	p.w.Run()
	before := n.keepalive
	p.w.Advance(60 * time.Second)
	if got := n.keepalive - before; got < 5 || got > 7 {
		t.Fatalf("%d keepalives in 60 s after the rekey", got)
	}
	// No NAT, no keepalives.
	q := newPair(t, nil)
	q.establish(t)
	q.w.Advance(time.Minute)
	if q.a.ExtStats().Keepalives != 0 {
		t.Fatal("keepalives without a NAT")
	}
}

// RFC 7296 2.23: children made by CREATE_CHILD_SA behind a NAT are
// UDP-encapsulated with the NAT's ports.
func TestNATRekeyKeepsEncap_RFC7296_2_23(t *testing.T) {
	p, n := natPair(t, nil)
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	if childPairs(t, p) != 1 {
		t.Fatal("rekey behind NAT failed")
	}
	for _, k := range p.kb.SAs {
		if k.Encap == nil || (k.Dst == n.pub && k.Encap.DstPort != 1025) || (k.Src == n.pub && k.Encap.SrcPort != 1025) {
			t.Fatalf("B's SA %v->%v encap %+v", k.Src, k.Dst, k.Encap)
		}
	}
}

// RFC 7296 2.23: when the NAT's mapping changes, the peer follows the
// new address and port of authenticated messages, and the children are
// rekeyed so that ESP-in-UDP uses the new port.
func TestNATRebinding_RFC7296_2_23(t *testing.T) {
	p, n := natPair(t, nil)
	n.out[4500] = 2000
	p.a.liveness(only(t, p.a)) // any request from A crosses the NAT
	p.w.Run()
	sb := only(t, p.b)
	if sb.remote != netip.AddrPortFrom(n.pub, 2000) {
		t.Fatalf("B talks to %v", sb.remote)
	}
	if childPairs(t, p) != 1 {
		t.Fatal("children lost")
	}
	for _, k := range p.kb.SAs {
		if k.Encap == nil || (k.Dst == n.pub && k.Encap.DstPort != 2000) {
			t.Fatalf("B's SA %v->%v encap %+v after rebinding", k.Src, k.Dst, k.Encap)
		}
	}
}

// interop-notes: ESP is UDP-encapsulated only when a NAT was detected,
// not because IKE moved to port 4500 (racoon2's mistake with strongSwan).
func TestNoNATNoEncapOn4500(t *testing.T) {
	p := newPair(t, nil)
	p.w.AddFilter(func(q ike.Packet) []ike.Packet {
		if q.Local.Addr() == addrA && !msgIs(ExchangeIKESAInit, false)(q) {
			q.Local = netip.AddrPortFrom(addrA, 4500)
			q.Remote = netip.AddrPortFrom(addrB, 4500)
		}
		return []ike.Packet{q}
	})
	p.establish(t)
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	if only(t, p.b).remote.Port() != 4500 || childPairs(t, p) != 1 {
		t.Fatal("setup")
	}
	for _, k := range append(values(p.ka), values(p.kb)...) {
		if k.Encap != nil {
			t.Fatalf("SA %08x UDP-encapsulated without a NAT", k.SPI)
		}
	}
}

func values(k *iketest.Kernel) []*ike.SA {
	var out []*ike.SA
	for _, s := range k.SAs {
		out = append(out, s)
	}
	return out
}

// RFC 7296 3.16 INITIAL_CONTACT: a peer that restarted and sends it makes
// us drop its old IKE SA and children; without it both stay.
func TestInitialContact_RFC7296_3_16(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	old := only(t, p.b)
	// A restarts: a new engine with a new kernel at the same address.
	p.ka = iketest.NewKernel(0x5000)
	p.a = p.engine(t, p.na, p.ka, p.ca)
	if err := p.a.InitiateSelector("a-out"); err != nil {
		t.Fatal(err)
	}
	p.w.Run()
	nb := only(t, p.b)
	if nb == old || old.state != stateDead || p.b.ExtStats().InitialContacts != 1 {
		t.Fatalf("old IKE SA kept: %s", status(p.b))
	}
	if childPairs(t, p) != 1 {
		t.Fatal("children")
	}
	// A second IKE SA from the same (not restarted) peer carries no
	// INITIAL_CONTACT: both stay.
	if _, err := p.a.startIKE(p.ca.Peers[0], p.ca.Children[0], netip.AddrPortFrom(addrA, 500), netip.AddrPortFrom(addrB, 500)); err != nil {
		t.Fatal(err)
	}
	p.w.Run()
	if p.b.Len() != 2 || p.b.ExtStats().InitialContacts != 1 {
		t.Fatalf("B has %d IKE SAs", p.b.Len())
	}
}

// RFC 7296 3.16: INITIAL_CONTACT goes out whenever the new IKE SA is our
// only one with the remote, so a peer that missed our Delete (lost) drops
// its stale SA when we come back.
func TestInitialContactAfterLostDelete(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	stale := only(t, p.b)
	p.w.AddFilter(iketest.Drop(iketest.From(addrA)))
	p.a.deleteIKE(only(t, p.a))
	p.w.Advance(10 * time.Minute) // A gives up on the Delete
	p.w.ClearFilters()
	if p.a.Len() != 0 || p.b.Len() != 1 {
		t.Fatalf("setup: A %d B %d", p.a.Len(), p.b.Len())
	}
	if err := p.a.InitiateSelector("a-out"); err != nil {
		t.Fatal(err)
	}
	p.w.Run()
	if stale.state != stateDead || p.b.ExtStats().InitialContacts != 1 || childPairs(t, p) != 1 {
		t.Fatalf("stale SA kept: %s", status(p.b))
	}
}

// RFC 7296 2.23: "A host behind a NAT SHOULD NOT do this type of dynamic
// address update": A, behind the NAT, keeps talking to B's address when
// a validated request of B's (new, not a replay) arrives from elsewhere,
// as an attacker on the path can make happen by racing B's packet.
func TestNATBehindNATNoAddressUpdate_RFC7296_2_23(t *testing.T) {
	p, _ := natPair(t, nil)
	sa := only(t, p.a)
	if !sa.natLocal || sa.natRemote {
		t.Fatalf("setup: natLocal %v natRemote %v", sa.natLocal, sa.natRemote)
	}
	before := sa.remote
	var caught *ike.Packet
	p.w.AddFilter(func(q ike.Packet) []ike.Packet {
		if caught == nil && q.Local.Addr() == addrB && msgIs(ExchangeInformational, false)(q) {
			caught = &q
			return nil
		}
		return []ike.Packet{q}
	})
	p.b.liveness(only(t, p.b))
	p.w.Run()
	if caught == nil {
		t.Fatal("no request from B")
	}
	forged := *caught
	forged.Local = netip.AddrPortFrom(netip.MustParseAddr("203.0.113.9"), 4500)
	p.w.Inject(forged)
	p.w.Run()
	if sa.remote != before {
		t.Fatalf("A moved B to %v (was %v)", sa.remote, before)
	}
	if p.a.Stats().DropIntegrity != 0 {
		t.Fatal("the request did not validate: the test proves nothing")
	}
}
