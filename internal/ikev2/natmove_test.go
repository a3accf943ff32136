package ikev2

import (
	"net/netip"
	"testing"
)

// RFC 7296 2.23: the NAT in front of A changes its public address (not
// only the port). B follows A's new address, rekeys the children, and
// deletes the old SAs with the addresses they were installed with, so
// that its kernel holds exactly the new SAs.
func TestNATAddressChange_RFC7296_2_23(t *testing.T) {
	p, n := natPair(t, nil)
	old := n.pub
	n.pub = netip.MustParseAddr("198.51.100.77")
	p.a.liveness(only(t, p.a))
	p.w.Run()
	sb := only(t, p.b)
	if sb.remote.Addr() != n.pub {
		t.Fatalf("B talks to %v", sb.remote)
	}
	if childPairs(t, p) != 1 {
		t.Fatal("children lost")
	}
	for id, k := range p.kb.SAs {
		if id.Src == old || id.Dst == old {
			t.Fatalf("stale SA %v->%v %08x left in B's kernel", id.Src, id.Dst, id.SPI)
		}
		if k.Src != n.pub && k.Dst != n.pub {
			t.Fatalf("SA %v->%v does not name A's new address", k.Src, k.Dst)
		}
	}
}
