package ikev2

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
)

// tsiOf returns the first TSi range of a CREATE_CHILD_SA request built by
// e for a rekey of c.
func tsiOf(t *testing.T, e *Engine, sa *IKESA, c *childSA) TrafficSelector {
	t.Helper()
	task := &createChildTask{old: c, cfg: c.cfg, mode: c.mode}
	pl, err := task.build(e, sa)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range pl {
		if ts, ok := x.(*TS); ok && !ts.Responder && len(ts.Selectors) > 0 {
			return ts.Selectors[0]
		}
	}
	t.Fatal("no TSi")
	return TrafficSelector{}
}

// RFC 7296 2.19 and 3.15, the initiator's side (racoon2 documents only the
// responder's; this follows what road-warrior clients such as strongSwan's
// do with a virtual IP): the address the responder assigned becomes the
// initiator's traffic selector and the source of the policy it announces
// to spmd with POLICY ADD (tunnel endpoints: the IKE SA's addresses).
// Rekeys keep it, on both sides; the end of the IKE SA withdraws it.
func TestConfigPayloadInitiatorPolicy_RFC7296_2_19(t *testing.T) {
	pool := ike.NewPool("rw", ike.AddrRange{First: netip.MustParseAddr("10.9.0.10"), Last: netip.MustParseAddr("10.9.0.20")})
	p, recB := cpPair(t, pool)
	p.ca.Children[0].ReverseSelector = "a-in"
	recA := &policyRec{}
	p.a.o.Policy = recA
	p.establish(t)
	leased := netip.MustParseAddr("10.9.0.10")
	want := ike.PolicyRequest{Selector: "a-out", Lifetime: 3600, Mode: ike.ModeTunnel,
		Src: netip.PrefixFrom(leased, 32), Dst: netip.MustParsePrefix("10.2.0.0/16"), SASrc: addrA, SADst: addrB}
	if len(recA.adds) != 1 || recA.adds[0] != want {
		t.Fatalf("initiator's POLICY ADD %+v, want %+v", recA.adds, want)
	}
	// The initiator's later requests name the assigned address as TSi.
	sa, c := firstChild(t, p.a)
	if ts := tsiOf(t, p.a, sa, c); ts.Start != leased || ts.End != leased {
		t.Fatalf("rekey TSi %v-%v, want %v", ts.Start, ts.End, leased)
	}
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	p.b.rekeyChild(firstChild(t, p.b))
	p.w.Run()
	p.a.rekeyIKE(only(t, p.a))
	p.w.Run()
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	if childPairs(t, p) != 1 || len(recA.adds) != 1 || len(recA.dels) != 0 || len(recB.adds) != 1 || len(recB.dels) != 0 {
		t.Fatalf("after rekeys: A adds %d dels %d, B adds %d dels %d", len(recA.adds), len(recA.dels), len(recB.adds), len(recB.dels))
	}
	if recA.refreshes != 3 || recB.refreshes != 3 { // one per child rekey
		t.Fatalf("POLICY ADD refreshes: A %d, B %d, want 3", recA.refreshes, recB.refreshes)
	}
	p.a.deleteIKE(only(t, p.a))
	p.w.Run()
	if del := withdrawn(want, "a-in"); !slices.Equal(recA.dels, del) || len(recB.dels) != 1 {
		t.Fatalf("POLICY DELETE: A %+v, B %+v", recA.dels, recB.dels)
	}
}

// RFC 7296 2.9.2: a client that rekeys (or adds a child) with a wider TSi
// than its lease, as a racoon2 initiator does from its selector, is
// narrowed to its leased address; a TSi that does not hold it is left
// alone.
func TestConfigPayloadNarrowsToLease_RFC7296_2_9_2(t *testing.T) {
	lease := &cpLease{pool: ike.NewPool("p"), addr4: netip.MustParseAddr("10.9.0.10")}
	sa := &IKESA{cp: lease}
	wide := tsFrom(netip.MustParsePrefix("10.9.0.0/24"), 6, 0)
	got := cpPeerTS(sa, wide)
	if got.start != lease.addr4 || got.end != lease.addr4 || got.proto != 6 || got.endPort != 0xffff {
		t.Fatalf("narrowed to %+v", got)
	}
	other := tsFrom(netip.MustParsePrefix("10.8.0.0/24"), 0, 0)
	if cpPeerTS(sa, other) != other {
		t.Fatal("a TSi without the lease changed")
	}
	// Only the side that holds the lease narrows: a responder's lease does
	// not narrow its own TS, an initiator's assignment not the peer's.
	if cpOwnTS(sa, wide) != wide {
		t.Fatal("responder narrowed its own side")
	}
	lease.pool = nil
	if cpPeerTS(sa, wide) != wide || cpOwnTS(sa, wide).start != lease.addr4 {
		t.Fatal("initiator side")
	}
}
