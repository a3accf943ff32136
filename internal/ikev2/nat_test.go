package ikev2

import (
	"net/netip"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// natFilter puts A behind a NAT with public address pub: A's ports 500 and
// 4500 appear as 1024 and 1025.
func natFilter(pub netip.Addr) func(ike.Packet) []ike.Packet {
	out := map[uint16]uint16{500: 1024, 4500: 1025}
	in := map[uint16]uint16{1024: 500, 1025: 4500}
	return func(p ike.Packet) []ike.Packet {
		switch {
		case p.Local.Addr() == addrA:
			p.Local = netip.AddrPortFrom(pub, out[p.Local.Port()])
		case p.Remote.Addr() == pub:
			p.Remote = netip.AddrPortFrom(addrA, in[p.Remote.Port()])
		}
		return []ike.Packet{p}
	}
}

// RFC 7296 2.23: NAT detection; the initiator behind the NAT floats to
// port 4500 for IKE_AUTH, both install UDP-encapsulated ESP, and the
// responder follows the NAT's mapping.
func TestNATDetectionAndFloat_RFC7296_2_23(t *testing.T) {
	pub := netip.MustParseAddr("198.51.100.1")
	p := newPair(t, func(ca, cb *ike.Config) { cb.Peers[0].Addrs = []netip.Addr{pub} })
	p.w.AddFilter(natFilter(pub))
	p.establish(t)
	sa, sb := only(t, p.a), only(t, p.b)
	if !sa.natLocal || sa.natRemote || !sb.natRemote || sb.natLocal {
		t.Fatalf("NAT flags: A local %v remote %v; B local %v remote %v", sa.natLocal, sa.natRemote, sb.natLocal, sb.natRemote)
	}
	if sa.remote.Port() != 4500 || sb.remote != netip.AddrPortFrom(pub, 1025) {
		t.Fatalf("ports: A talks to %v, B to %v", sa.remote, sb.remote)
	}
	for _, k := range p.kb.SAs {
		if k.Encap == nil || (k.Dst == pub && k.Encap.DstPort != 1025) || (k.Src == pub && k.Encap.SrcPort != 1025) {
			t.Fatalf("responder SA %v->%v encap %+v", k.Src, k.Dst, k.Encap)
		}
	}
	for _, k := range p.ka.SAs {
		if k.Encap == nil || k.Encap.SrcPort != 4500 || k.Encap.DstPort != 4500 {
			t.Fatalf("initiator SA encap %+v", k.Encap)
		}
	}
	// Without nat_traversal nothing is detected (racoon2 3.3).
	q := newPair(t, func(ca, cb *ike.Config) {
		cb.Peers[0].Addrs = []netip.Addr{pub}
		ca.Peers[0].NATTraversal, cb.Peers[0].NATTraversal = false, false
	})
	q.w.AddFilter(natFilter(pub))
	q.establish(t)
	if only(t, q.a).natLocal || only(t, q.b).natRemote {
		t.Fatal("NAT detected with nat_traversal off")
	}
}

// ESP is not the only protocol: an AH-only child (RFC 7296 3.3.1).
func TestChildAH(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		for _, c := range []*ike.Config{ca, cb} {
			c.Children[0].Proposals = []ike.ChildProposal{{Proto: ike.ProtoAH, Integ: []uint16{12}}}
		}
	})
	p.establish(t)
	if p.ka.Count() != 2 {
		t.Fatalf("%d kernel SAs", p.ka.Count())
	}
	for _, k := range p.ka.SAs {
		if k.Proto != ike.ProtoAH || k.EncrID != 0 || k.IntegID != 12 || len(k.IntegKey) != 32 {
			t.Fatalf("AH SA %+v", k)
		}
	}
}

// -D 8: without spmd the ACQUIRE's policy id is the selector index.
func TestAcquireDebugSPMIF(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) { ca.Children[0].Selector = "17" })
	p.a.HandleKernelEvent(&ike.Acquire{Seq: 1, PolicyID: 17, Dst: addrB})
	p.w.Run()
	p.mustBeUp(t)
}

// No IKE SA outlives kmp_sa_lifetime_time: it is rekeyed at 0.8-0.9 of
// it (task_rekey.go), and the replacement carries the child on.
func TestIKELifetime(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) { ca.Peers[0].Lifetime = 600 * 1e9 })
	p.establish(t)
	first := only(t, p.a).spiI
	p.w.Advance(599 * 1e9)
	p.mustBeUp(t)
	p.w.Advance(1e9)
	p.mustBeUp(t)
	if only(t, p.a).spiI == first || p.ka.Count() != 2 || p.kb.Count() != 2 {
		t.Fatal("IKE SA outlived its lifetime")
	}
}

// A kernel that refuses the SA: the child fails with TEMPORARY_FAILURE,
// nothing half-installed stays behind, the IKE SA lives on.
func TestChildKernelFailure(t *testing.T) {
	p := newPair(t, nil)
	p.kb.Fail["AddSA"] = true
	p.establish(t)
	if p.kb.Count() != 0 || len(p.kb.Larval) != 0 || p.ka.Count() != 0 || len(p.ka.Larval) != 0 {
		t.Fatalf("kernel state: B %v %v A %v %v", p.kb.SAs, p.kb.Larval, p.ka.SAs, p.ka.Larval)
	}
	if p.b.Stats().KernelErrors == 0 {
		t.Error("kernel error not counted")
	}
}

// A negotiation started by an ACQUIRE that fails is reported to the
// kernel (AcquireFailed), as racoon2 does.
func TestAcquireFailedReported(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Children[0].Selector = "3"
		cb.Peers[0].Proposal.DH = []uint16{2} // nothing in common
	})
	p.a.HandleKernelEvent(&ike.Acquire{Seq: 5, PolicyID: 3, Dst: addrB})
	p.w.Run()
	if len(p.ka.Failed) != 1 || p.ka.Failed[0].Seq != 5 || len(p.a.acquires) != 0 {
		t.Fatalf("AcquireFailed calls %v, pending %v", p.ka.Failed, p.a.acquires)
	}
}

// RFC 7296 2.11: a response goes back to where its request came from; a
// peer that moves to port 4500 without a NAT (strongSwan with MOBIKE) is
// followed.
func TestRespondToRequestSourcePort_RFC7296_2_11(t *testing.T) {
	p := newPair(t, nil)
	p.w.AddFilter(func(q ike.Packet) []ike.Packet {
		if q.Local.Addr() == addrA && msgIs(ExchangeIKEAuth, false)(q) {
			q.Local = netip.AddrPortFrom(addrA, 4500)
			q.Remote = netip.AddrPortFrom(addrB, 4500)
		}
		return []ike.Packet{q}
	})
	p.establish(t)
	last := p.w.Log[len(p.w.Log)-1]
	if last.Remote != netip.AddrPortFrom(addrA, 4500) || last.Local != netip.AddrPortFrom(addrB, 4500) {
		t.Fatalf("IKE_AUTH response went %v -> %v", last.Local, last.Remote)
	}
	if only(t, p.b).remote.Port() != 4500 {
		t.Fatalf("responder still talks to %v", only(t, p.b).remote)
	}
}

// Half-open SAs are bounded per peer (and in total): beyond the bound an
// IKE_SA_INIT is dropped and counted, never answered.
func TestHalfOpenBound(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		for i := range 3 {
			r := sameAddrRemote(ca, "b"+string(rune('0'+i))) // one IKE SA each
			ca.Children = append(ca.Children, testChild("x"+string(rune('0'+i)), r, "10.3."+string(rune('0'+i))+".0/24", "10.2.0.0/16"))
		}
	})
	p.b.o.HalfOpenPerPeer = 2
	p.b.o.HalfOpenLimit = 100 // no cookies in this test
	p.w.AddFilter(iketest.Drop(msgIs(ExchangeIKESAInit, true)))
	for i := range 3 {
		_ = p.a.InitiateSelector("x" + string(rune('0'+i)))
	}
	p.w.Run()
	if p.b.sas.halfOpen != 2 || p.b.Stats().DropHalfOpen != 1 {
		t.Fatalf("half-open %d, dropped %d", p.b.sas.halfOpen, p.b.Stats().DropHalfOpen)
	}
	// They expire with the negotiation time limit.
	p.w.Advance(p.cb.Peers[0].NegoLimit)
	if p.b.sas.halfOpen != 0 || p.b.Len() != 0 {
		t.Fatalf("half-open SAs left: %d", p.b.sas.halfOpen)
	}
}
