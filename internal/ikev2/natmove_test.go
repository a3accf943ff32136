package ikev2

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// natMovePair is natPair with prep run before the IKE SA is made.
func natMovePair(t *testing.T, mod func(ca, cb *ike.Config), prep func(p *pair)) (*pair, *mappingNAT) {
	t.Helper()
	pub := netip.MustParseAddr("198.51.100.1")
	p := newPair(t, func(ca, cb *ike.Config) {
		cb.Peers[0].Addrs = []netip.Addr{pub}
		if mod != nil {
			mod(ca, cb)
		}
	})
	n := &mappingNAT{pub: pub, out: map[uint16]uint16{500: 1024, 4500: 1025}}
	p.w.AddFilter(n.filter)
	if prep != nil {
		prep(p)
	}
	p.establish(t)
	return p, n
}

// renumber gives the NAT a new public address; A's next request crosses
// it from there.
func (n *mappingNAT) renumber(t *testing.T, p *pair, to netip.Addr) {
	t.Helper()
	n.pub = to
	p.a.liveness(only(t, p.a))
	p.w.Run()
	if sb := only(t, p.b); sb.remote.Addr() != to {
		t.Fatalf("B talks to %v, want %v", sb.remote, to)
	}
}

// onlyAt checks that k's SAs all name addr on the peer's side and that
// none names an address in stale.
func onlyAt(t *testing.T, p *pair, addr netip.Addr, stale ...netip.Addr) {
	t.Helper()
	if childPairs(t, p) != 1 {
		t.Fatal("children lost")
	}
	for id, k := range p.kb.SAs {
		for _, s := range stale {
			if id.Src == s || id.Dst == s {
				t.Fatalf("stale SA %v->%v %08x left in B's kernel", id.Src, id.Dst, id.SPI)
			}
		}
		if k.Src != addr && k.Dst != addr || k.Encap == nil {
			t.Fatalf("SA %v->%v (encap %+v) does not name A's address %v", k.Src, k.Dst, k.Encap, addr)
		}
	}
}

// RFC 7296 2.23: the NAT in front of A changes its public address (not
// only the port). B follows A's new address, rekeys the children, and
// deletes the old SAs with the addresses they were installed with, so
// that its kernel holds exactly the new SAs (before, the old ones stayed
// until their hard lifetime: their delete named the new address).
func TestNATAddressChange_RFC7296_2_23(t *testing.T) {
	p, n := natMovePair(t, nil, nil)
	first := n.pub
	second, third := netip.MustParseAddr("198.51.100.77"), netip.MustParseAddr("203.0.113.5")
	n.renumber(t, p, second)
	onlyAt(t, p, second, first)
	if sa := only(t, p.b); sa.log.peer != sa.remote || sa.remote.Addr() != second {
		t.Fatalf("B's log lines name peer %v, its peer is %v", sa.log.peer, sa.remote)
	}
	n.renumber(t, p, third)
	onlyAt(t, p, third, first, second)
	// Rekeys after the move stay on the new address.
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	p.b.rekeyIKE(only(t, p.b))
	p.w.Run()
	onlyAt(t, p, third, first, second)
}

// racoon2 5.4 (b) behind a NAT that changes address: the dynamic policy
// names the peer's public address as tunnel endpoint, so B announces it
// anew with the new one, then withdraws the old (POLICY DELETE with the
// old endpoint); rekeys only repeat it; the end withdraws the new one.
func TestNATAddressChangeDynamicPolicy_Racoon2_5_4b(t *testing.T) {
	rec := &policyRec{}
	p, n := natMovePair(t, func(ca, cb *ike.Config) { cb.Children[0].DynamicPolicy, cb.Children[0].ReverseSelector = true, "b-in" },
		func(p *pair) { p.b.o.Policy = rec })
	old := n.pub
	if len(rec.adds) != 1 || rec.adds[0] != rwWant(old) {
		t.Fatalf("POLICY ADD %+v, want %+v", rec.adds, rwWant(old))
	}
	moved := netip.MustParseAddr("198.51.100.77")
	n.renumber(t, p, moved)
	onlyAt(t, p, moved, old)
	if !slices.Equal(rec.dels, withdrawn(rwWant(old), "b-in")) || len(rec.adds) != 2 || rec.adds[1] != rwWant(moved) {
		t.Fatalf("re-announcement: adds %+v dels %+v", rec.adds, rec.dels)
	}
	// The new policy is in place before the old one is withdrawn: never a
	// moment without one (rwpolicy.go followPolicies).
	if !strings.HasPrefix(rec.ops, "aadd") {
		t.Fatalf("spmd commands in order %q, want ADD, ADD (new), DELETE, DELETE", rec.ops)
	}
	p.b.rekeyChild(firstChild(t, p.b))
	p.w.Run()
	if len(rec.adds) != 2 || len(rec.dels) != 2 {
		t.Fatalf("after a rekey: adds %d dels %d", len(rec.adds), len(rec.dels))
	}
	p.a.deleteIKE(only(t, p.a))
	p.w.Run()
	if len(rec.dels) != 4 || !slices.Equal(rec.dels[2:], withdrawn(rwWant(moved), "b-in")) {
		t.Fatalf("withdrawal at the end: %+v", rec.dels)
	}
}

// racoon2 5.4 (a) behind a NAT that changes address: the lease's policy
// follows the peer's public address too; the lease itself stays.
func TestNATAddressChangeLeasePolicy_Racoon2_5_4a(t *testing.T) {
	rec := &policyRec{}
	pool := ike.NewPool("rw", ike.AddrRange{First: netip.MustParseAddr("10.9.0.10"), Last: netip.MustParseAddr("10.9.0.20")})
	p, n := natMovePair(t, func(ca, cb *ike.Config) {
		ca.Children[0].Sel.Src = netip.MustParsePrefix("0.0.0.0/0")
		cb.Children[0].Sel.Dst = netip.MustParsePrefix("10.9.0.0/24")
		cb.Children[0].ReverseSelector = "b-in"
	}, func(p *pair) {
		p.b.o.Policy = rec
		p.b.SetCP("a", &CPConfig{Pool: pool})
		p.a.SetCP("b", &CPConfig{Request: ReqIP4})
	})
	old := n.pub
	want := ike.PolicyRequest{Selector: "b-out", Lifetime: 3600, Mode: ike.ModeTunnel,
		Src: netip.MustParsePrefix("10.2.0.0/16"), Dst: netip.MustParsePrefix("10.9.0.10/32"), SASrc: addrB, SADst: old}
	if len(rec.adds) != 1 || rec.adds[0] != want {
		t.Fatalf("POLICY ADD %+v, want %+v", rec.adds, want)
	}
	moved := netip.MustParseAddr("198.51.100.77")
	n.renumber(t, p, moved)
	onlyAt(t, p, moved, old)
	now := want
	now.SADst = moved
	if !slices.Equal(rec.dels, withdrawn(want, "b-in")) || len(rec.adds) != 2 || rec.adds[1] != now {
		t.Fatalf("re-announcement: adds %+v dels %+v", rec.adds, rec.dels)
	}
	if v4, _ := pool.Leased(); v4 != 1 || only(t, p.b).cp == nil {
		t.Fatal("lease lost in the move")
	}
	p.b.deleteIKE(only(t, p.b))
	p.w.Run()
	if len(rec.dels) != 4 || !slices.Equal(rec.dels[2:], withdrawn(now, "b-in")) {
		t.Fatalf("left announced: %+v", rec.dels)
	}
	if v4, _ := pool.Leased(); v4 != 0 {
		t.Fatal("lease kept")
	}
}

// RFC 7296 2.23 with a child rekey in flight when A's public address
// changes: B's own rekey, reserved at the old address, completes at the
// new one (its larval SA moved, none left behind); a rekey A starts is
// what tells B of the move. Either way one child pair remains, at the new
// address only, and no kernel error.
func TestNATAddressChangeDuringRekey_RFC7296_2_23(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(t *testing.T, p *pair)
	}{
		{"B rekeys", func(t *testing.T, p *pair) {
			p.b.rekeyChild(firstChild(t, p.b))
			p.w.Run() // its request goes to the old address, and is lost
			p.a.liveness(only(t, p.a))
		}},
		{"A rekeys", func(t *testing.T, p *pair) { p.a.rekeyChild(firstChild(t, p.a)) }},
		{"both rekey", func(t *testing.T, p *pair) {
			p.b.rekeyChild(firstChild(t, p.b))
			p.a.rekeyChild(firstChild(t, p.a))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, n := natMovePair(t, nil, nil)
			old := n.pub
			n.pub = netip.MustParseAddr("198.51.100.77")
			tc.start(t, p)
			p.w.Run()
			p.w.Advance(time.Minute)
			onlyAt(t, p, n.pub, old)
			if p.a.Stats().KernelErrors+p.b.Stats().KernelErrors != 0 {
				t.Fatalf("kernel errors: A %d B %d", p.a.Stats().KernelErrors, p.b.Stats().KernelErrors)
			}
		})
	}
}
