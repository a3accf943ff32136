package ikev2

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
)

// policyRec is a recording ike.PolicyService (spmd).
// A POLICY ADD repeating the live one of its selector (posted when a
// rekeyed child goes, to restart the policy's lifetime) is counted in
// refreshes, not appended to adds.
type policyRec struct {
	adds, dels []ike.PolicyRequest
	refreshes  int
	live       map[string]ike.PolicyRequest
	ops        string // "a" per POLICY ADD, "d" per POLICY DELETE, in order
}

func (r *policyRec) SLID(id uint32, done func(string, error)) { done("", nil) }
func (r *policyRec) PolicyAdd(q ike.PolicyRequest, done func(error)) {
	r.ops += "a"
	if r.live == nil {
		r.live = map[string]ike.PolicyRequest{}
	}
	if l, ok := r.live[q.Selector]; ok && l == q {
		r.refreshes++
	} else {
		r.adds = append(r.adds, q)
		r.live[q.Selector] = q
	}
	done(nil)
}
func (r *policyRec) PolicyDelete(q ike.PolicyRequest, done func(error)) {
	r.ops += "d"
	r.dels = append(r.dels, q)
	if l, ok := r.live[q.Selector]; ok {
		l.Lifetime = 0
		if l == q { // as spmd, a delete naming other endpoints removes nothing
			delete(r.live, q.Selector)
		}
	}
	done(nil)
}

// hookRec records hook runs.
type hookRec struct{ runs []string }

func (h *hookRec) Run(remote, ev string, env []string) {
	h.runs = append(h.runs, remote+" "+ev+" "+strings.Join(env, ","))
}

func (h *hookRec) find(ev HookEvent) []string {
	var out []string
	for _, r := range h.runs {
		if strings.Contains(r, " "+ev.String()+" ") {
			out = append(out, r)
		}
	}
	return out
}

func cpPair(t *testing.T, pool *ike.Pool) (*pair, *policyRec) {
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Children[0].Sel.Src = netip.MustParsePrefix("0.0.0.0/0")
		cb.Children[0].Sel.Dst = netip.MustParsePrefix("10.9.0.0/24")
	})
	rec := &policyRec{}
	p.b.o.Policy = rec
	p.b.SetCP("a", &CPConfig{Pool: pool, DNS: []netip.Addr{netip.MustParseAddr("10.9.0.1")},
		DHCP: []netip.Addr{netip.MustParseAddr("10.9.0.2")}, AppVersion: "racoon2go test"})
	p.a.SetCP("b", &CPConfig{Request: ReqIP4 | ReqIP4DNS | ReqAppVersion})
	return p, rec
}

// RFC 7296 2.19, racoon2 3.3 and 5.4 (a): the responder leases an address
// from the addresspool, with the DNS server and application version asked
// for; the leased address is the initiator's traffic selector and is
// announced to spmd with POLICY ADD; rekeys keep the lease; the end of the
// IKE SA gives it back with POLICY DELETE.
func TestConfigPayloadLease_RFC7296_2_19(t *testing.T) {
	pool := ike.NewPool("rw", ike.AddrRange{First: netip.MustParseAddr("10.9.0.10"), Last: netip.MustParseAddr("10.9.0.20")})
	p, rec := cpPair(t, pool)
	hooks := &hookRec{}
	p.a.SetHooks(hooks)
	p.establish(t)
	leased := netip.MustParseAddr("10.9.0.10")
	la := only(t, p.a).cp
	if la == nil || la.addr4 != leased || !slices.Equal(la.dns4, []netip.Addr{netip.MustParseAddr("10.9.0.1")}) ||
		la.appVersion != "racoon2go test" || la.dhcp4 != nil {
		t.Fatalf("initiator got %+v", la)
	}
	if childPairs(t, p) != 1 {
		t.Fatal("no child")
	}
	want := ike.PolicyRequest{Selector: "b-out", Lifetime: 3600, Mode: ike.ModeTunnel,
		Src: netip.MustParsePrefix("10.2.0.0/16"), Dst: netip.MustParsePrefix("10.9.0.10/32"), SASrc: addrB, SADst: addrA}
	if len(rec.adds) != 1 || rec.adds[0] != want {
		t.Fatalf("POLICY ADD %+v, want %+v", rec.adds, want)
	}
	up := hooks.find(HookPhase2Up)
	if len(up) != 1 || !strings.Contains(up[0], "INTERNAL_ADDR4=10.9.0.10,") || !strings.Contains(up[0], "INTERNAL_DNS4=10.9.0.1,") ||
		!strings.Contains(up[0], "APPLICATION_VERSION=racoon2go test") {
		t.Fatalf("phase2_up hook: %q", up)
	}
	// Rekeys keep the lease and announce nothing new.
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	p.a.rekeyIKE(only(t, p.a))
	p.w.Run()
	if childPairs(t, p) != 1 || len(rec.adds) != 1 || len(rec.dels) != 0 || only(t, p.b).cp == nil {
		t.Fatalf("after rekeys: adds %d dels %d", len(rec.adds), len(rec.dels))
	}
	if rec.refreshes != 1 { // the child rekey restarted the policy's lifetime
		t.Fatalf("%d POLICY ADD refreshes, want 1", rec.refreshes)
	}
	if v4, _ := pool.Leased(); v4 != 1 {
		t.Fatalf("%d leases", v4)
	}
	// The end of the IKE SA ends the lease.
	p.a.deleteIKE(only(t, p.a))
	p.w.Run()
	if v4, _ := pool.Leased(); v4 != 0 || len(rec.dels) != 1 || rec.dels[0].Dst != want.Dst {
		t.Fatalf("lease not released: %d, dels %+v", v4, rec.dels)
	}
}

// RFC 7296 3.10.1: an exhausted pool answers INTERNAL_ADDRESS_FAILURE; the
// IKE SA comes up without a child and nothing is announced.
func TestConfigPayloadPoolExhausted(t *testing.T) {
	pool := ike.NewPool("rw", ike.AddrRange{First: netip.MustParseAddr("10.9.0.10"), Last: netip.MustParseAddr("10.9.0.10")})
	pool.Lease(true)
	p, rec := cpPair(t, pool)
	p.establish(t)
	if childPairs(t, p) != 0 || len(rec.adds) != 0 || only(t, p.b).cp != nil {
		t.Fatal("child made without an address")
	}
	if v4, _ := pool.Leased(); v4 != 1 {
		t.Fatal("pool changed")
	}
}

// racoon2 3.5: phase1_up, phase2_up, phase2_rekey, phase1_rekey,
// phase2_down and phase1_down fire with racoon2's environment; the child
// a rekey replaced goes without phase2_down.
func TestHookEvents(t *testing.T) {
	p := newPair(t, nil)
	p.ca.Children[0].ReverseSelector = "a-in"
	h := &hookRec{}
	p.a.SetHooks(h)
	p.establish(t)
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	p.a.rekeyIKE(only(t, p.a))
	p.w.Run()
	p.a.deleteIKE(only(t, p.a))
	p.w.Run()
	evs := h.events()
	want := []string{"phase1_up", "phase2_up", "phase2_rekey", "phase1_rekey", "phase2_down", "phase1_down"}
	if !slices.Equal(evs, want) {
		t.Fatalf("events %v, want %v", evs, want)
	}
	if !strings.Contains(h.runs[0], "LOCAL_ADDR=192.0.2.1,LOCAL_PORT=500,REMOTE_ADDR=192.0.2.2,REMOTE_PORT=500") {
		t.Fatalf("phase1 env %q", h.runs[0])
	}
	for _, v := range []string{"SELECTOR_INDEX=a-out", "SELECTOR2_INDEX=a-in", "IPSEC_MODE=tunnel", "LOCAL_NET_ADDR=10.1.0.0", "LOCAL_NET_PREFIXLEN=16",
		"REMOTE_NET_ADDR=10.2.0.0", "REMOTE_NET_PREFIXLEN=16", "UPPER_LAYER_PROTOCOL=any", "LOCAL_NET_PORT=0"} {
		if !strings.Contains(h.runs[1], v) {
			t.Fatalf("phase2 env lacks %s: %q", v, h.runs[1])
		}
	}
}

// racoon2 3.5: a kernel MIGRATE of one of our children runs the migration
// hook with OLD_SRC OLD_DST NEW_SRC NEW_DST; others are not ours.
func TestHookMigration(t *testing.T) {
	p := newPair(t, nil)
	h := &hookRec{}
	p.a.SetHooks(h)
	p.establish(t)
	n := len(h.runs)
	if p.a.HandleKernelEvent(&ike.Migrate{ReqID: 99, OldSrc: addrB, OldDst: addrA}) {
		t.Fatal("foreign MIGRATE claimed")
	}
	if !p.a.HandleKernelEvent(&ike.Migrate{ReqID: 7, OldSrc: addrA, OldDst: addrB, NewSrc: netip.MustParseAddr("192.0.2.9"), NewDst: addrB}) {
		t.Fatal("MIGRATE of our child not handled")
	}
	if len(h.runs) != n+1 || h.runs[n] != "b migration OLD_SRC=192.0.2.1,OLD_DST=192.0.2.2,NEW_SRC=192.0.2.9,NEW_DST=192.0.2.2" {
		t.Fatalf("hook runs %q", h.runs[n:])
	}
}

// RFC 7296 3.15.1: the CFG_REPLY attributes for what was asked, IPv6
// addresses with their prefix length, servers of each family only when
// asked for, SUPPORTED_ATTRIBUTES listing what we provide.
func TestConfigPayloadReplyAttributes_RFC7296_3_15_1(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	sa := only(t, p.b)
	pool := ike.NewPool("p", ike.AddrRange{First: netip.MustParseAddr("2001:db8::10"), Last: netip.MustParseAddr("2001:db8::20")})
	p.b.SetCP("a", &CPConfig{Pool: pool, DNS: []netip.Addr{netip.MustParseAddr("10.0.0.53"), netip.MustParseAddr("2001:db8::53")},
		DHCP: []netip.Addr{netip.MustParseAddr("10.0.0.67")}, AppVersion: "v"})
	sa.cp = &cpLease{req: []CfgAttrType{CfgAttrInternalIP6Address, CfgAttrInternalIP6DNS, CfgAttrInternalIP4DHCP, CfgAttrSupportedAttributes}}
	var cm childMsg
	out, ok := p.b.cpRespond(sa, &cm)
	if !ok || len(out) != 1 {
		t.Fatalf("reply %v ok %v", out, ok)
	}
	got := map[CfgAttrType][]byte{}
	for _, a := range out[0].(*CP).Attrs {
		got[a.Type] = a.Value
	}
	want := map[CfgAttrType]string{
		CfgAttrInternalIP6Address: string(append(netip.MustParseAddr("2001:db8::10").AsSlice(), 128)),
		CfgAttrInternalIP6DNS:     string(netip.MustParseAddr("2001:db8::53").AsSlice()),
		CfgAttrInternalIP4DHCP:    string(netip.MustParseAddr("10.0.0.67").AsSlice()),
	}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("%v = %x, want %x", k, got[k], v)
		}
	}
	if _, ok := got[CfgAttrInternalIP4DNS]; ok {
		t.Error("IPv4 DNS not asked for")
	}
	if _, ok := got[CfgAttrApplicationVersion]; ok {
		t.Error("application version not asked for")
	}
	if s := got[CfgAttrSupportedAttributes]; len(s) == 0 || len(s)%2 != 0 {
		t.Errorf("SUPPORTED_ATTRIBUTES %x", s)
	}
	if len(cm.tsi) != 1 || cm.tsi[0].start != netip.MustParseAddr("2001:db8::10") || cm.tsi[0].end != cm.tsi[0].start {
		t.Errorf("peer TS %+v", cm.tsi)
	}
	// No provide{}: the request is ignored and the child goes ahead.
	p.b.SetCP("a", nil)
	sa.cp = &cpLease{req: []CfgAttrType{CfgAttrInternalIP4Address}}
	if out, ok := p.b.cpRespond(sa, &cm); !ok || out != nil || sa.cp != nil {
		t.Errorf("without provide: %v %v", out, ok)
	}
}

// RFC 7296 3.15.4: a client that asks for an IPv4 and an IPv6 address from a
// pool that has only IPv4 gets the IPv4 address and no failure (libreswan
// asks for both; the interop suite found iked answering
// INTERNAL_ADDRESS_FAILURE).
func TestConfigPayloadOneFamily_RFC7296_3_15_4(t *testing.T) {
	pool := ike.NewPool("rw", ike.AddrRange{First: netip.MustParseAddr("10.9.0.10"), Last: netip.MustParseAddr("10.9.0.20")})
	p, _ := cpPair(t, pool)
	p.a.SetCP("b", &CPConfig{Request: ReqIP4 | ReqIP6 | ReqIP4DNS})
	p.establish(t)
	if childPairs(t, p) != 1 {
		t.Fatal("no child: the IPv6 request failed the whole exchange")
	}
	if v4, _ := pool.Leased(); v4 != 1 {
		t.Fatalf("%d IPv4 leases, want 1", v4)
	}
	if l := only(t, p.b).cp; l == nil || !l.addr4.IsValid() || l.addr6.IsValid() {
		t.Fatalf("lease %+v, want an IPv4 address only", l)
	}
}
