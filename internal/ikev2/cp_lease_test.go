package ikev2

import (
	"net/netip"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// RFC 7296 3.15.1 and racoon2 3.5: the lease ends, with POLICY DELETE,
// however the last child or the IKE SA goes: our Delete of the child, the
// peer's, a peer that stopped answering (no Delete at all), shutdown
// (also SIGHUP's teardown), and INITIAL_CONTACT from a restarted peer,
// whose new IKE SA gets the address again.
func TestCPLeaseEnds_RFC7296_3_15(t *testing.T) {
	cases := []struct {
		name string
		end  func(t *testing.T, p *pair)
		keep int // leases out at the end
	}{
		{"our child delete", func(t *testing.T, p *pair) { p.b.deleteChild(firstChild(t, p.b)) }, 0},
		{"peer's child delete", func(t *testing.T, p *pair) { p.a.deleteChild(firstChild(t, p.a)) }, 0},
		{"dead peer", func(t *testing.T, p *pair) {
			p.w.AddFilter(iketest.Drop(iketest.From(addrA)))
			p.w.Advance(2 * time.Hour)
		}, 0},
		{"shutdown", func(t *testing.T, p *pair) { p.b.Shutdown(func() {}) }, 0},
		{"initial contact", func(t *testing.T, p *pair) {
			p.ka = iketest.NewKernel(0x5000)
			p.a = p.engine(t, p.na, p.ka, p.ca)
			p.a.SetCP("b", &CPConfig{Request: ReqIP4})
			if err := p.a.InitiateSelector("a-out"); err != nil {
				t.Fatal(err)
			}
		}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pool := ike.NewPool("rw", ike.AddrRange{First: netip.MustParseAddr("10.9.0.10"), Last: netip.MustParseAddr("10.9.0.20")})
			p, rec := cpPair(t, pool)
			p.establish(t)
			if v4, _ := pool.Leased(); v4 != 1 || len(rec.adds) != 1 {
				t.Fatalf("setup: %d leases, %d POLICY ADD", v4, len(rec.adds))
			}
			c.end(t, p)
			p.w.Run()
			if v4, _ := pool.Leased(); v4 != c.keep {
				t.Fatalf("%d leases out, want %d\nB: %s", v4, c.keep, status(p.b))
			}
			if len(rec.dels) == 0 || rec.dels[0].Dst != netip.MustParsePrefix("10.9.0.10/32") {
				t.Fatalf("no POLICY DELETE of the lease: %+v", rec.dels)
			}
			if c.keep == 1 && (len(rec.live) != 1 || only(t, p.b).cp == nil) {
				t.Fatalf("new lease not announced: live %+v", rec.live)
			}
		})
	}
}

// RFC 7296 3.16: INITIAL_CONTACT removes the IKE SAs of the same remote
// and the same authenticated peer identity only; an SA of another
// identity (road warriors sharing one remote clause) stays.
func TestInitialContactSameIdentityOnly_RFC7296_3_16(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	if _, err := p.a.startIKE(p.ca.Peers[0], p.ca.Children[0], netip.AddrPortFrom(addrA, 500), netip.AddrPortFrom(addrB, 500)); err != nil {
		t.Fatal(err)
	}
	p.w.Run()
	sas := p.b.sortedSAs()
	if len(sas) != 2 {
		t.Fatalf("B has %d IKE SAs", len(sas))
	}
	first, other := sas[0], sas[1]
	id := other.peerID
	other.peerID = ike.ID{Type: id.Type, Data: []byte("c.example")}
	p.b.initialContact(first)
	if other.state != stateEstablished || p.b.Len() != 2 {
		t.Fatalf("SA of another identity removed: %s", status(p.b))
	}
	other.peerID = id
	p.b.initialContact(first)
	if other.state != stateDead || p.b.Len() != 1 || first.state != stateEstablished {
		t.Fatalf("SA of the same identity kept: %s", status(p.b))
	}
}

// RFC 7296 3.15.1: "The responder MAY only send up to the number of
// addresses requested": a CFG_REPLY when we sent no CFG_REQUEST is
// ignored, and an address of a family we did not ask for is not taken
// (it would become our traffic selector and a POLICY ADD to spmd).
// Servers and the application version may come unasked.
func TestCPReplyOnlyRequestedAddresses_RFC7296_3_15_1(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	sa := only(t, p.a)
	reply := &Message{Payloads: []Payload{&CP{CfgType: CfgReply, Attrs: []CfgAttr{
		{Type: CfgAttrInternalIP4Address, Value: []byte{10, 9, 0, 99}},
		{Type: CfgAttrInternalIP6Address, Value: append(netip.MustParseAddr("2001:db8::99").AsSlice(), 64)},
		{Type: CfgAttrInternalIP4DNS, Value: []byte{10, 9, 0, 53}},
	}}}}
	sa.cp = nil
	p.a.cpReplied(sa, reply)
	if sa.cp != nil {
		t.Fatalf("CFG_REPLY without a request taken: %+v", sa.cp)
	}
	p.a.SetCP("b", &CPConfig{Request: ReqIP4})
	p.a.cpReplied(sa, reply)
	l := sa.cp
	if l == nil || l.addr4 != netip.MustParseAddr("10.9.0.99") || l.addr6.IsValid() || len(l.dns4) != 1 {
		t.Fatalf("lease %+v, want the IPv4 address and the DNS server only", l)
	}
}
