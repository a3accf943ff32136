package ikev2

import (
	"bytes"
	"errors"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// rwPair is a pair whose responder B has an IP_RW policy for A's traffic
// (racoon2's tunnel_ike_natt.conf) and records what it tells spmd.
func rwPair(t *testing.T, mod func(ca, cb *ike.Config)) (*pair, *policyRec) {
	p := newPair(t, func(ca, cb *ike.Config) {
		cb.Children[0].DynamicPolicy, cb.Children[0].ReverseSelector = true, "b-in"
		if mod != nil {
			mod(ca, cb)
		}
	})
	rec := &policyRec{}
	p.b.o.Policy = rec
	return p, rec
}

// withdrawn is what withdrawing q sends: POLICY DELETE of q's selector,
// then of reverse with addresses and tunnel endpoints swapped.
func withdrawn(q ike.PolicyRequest, reverse string) []ike.PolicyRequest {
	q.Lifetime = 0
	r := q
	r.Selector, r.Src, r.Dst, r.SASrc, r.SADst = reverse, q.Dst, q.Src, q.SADst, q.SASrc
	return []ike.PolicyRequest{q, r}
}

// rwWant is what B announces for A in tunnel mode: the selector's own
// addresses, B's lifetime, the IKE SA's endpoints.
func rwWant(peer netip.Addr) ike.PolicyRequest {
	return ike.PolicyRequest{Selector: "b-out", Lifetime: 3600, Mode: ike.ModeTunnel,
		Src: netip.MustParsePrefix("10.2.0.0/16"), Dst: netip.MustParsePrefix("10.1.0.0/16"), SASrc: addrB, SADst: peer}
}

// racoon2 5.4 (b): a new child of an IP_RW policy is announced with POLICY
// ADD once; child rekeys by either side repeat it unchanged (restarting
// its lifetime), an IKE SA rekey announces nothing, neither withdraws; the child's deletion sends the
// mirror POLICY DELETE.
func TestDynamicPolicyLifecycle_Racoon2_5_4b(t *testing.T) {
	p, rec := rwPair(t, nil)
	recA := &policyRec{}
	p.a.o.Policy = recA
	p.establish(t)
	want := rwWant(addrA)
	if len(rec.adds) != 1 || rec.adds[0] != want {
		t.Fatalf("POLICY ADD %+v, want %+v", rec.adds, want)
	}
	if len(recA.adds) != 0 {
		t.Fatalf("A has no IP_RW policy but announced %+v", recA.adds)
	}
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	p.b.rekeyChild(firstChild(t, p.b))
	p.w.Run()
	p.a.rekeyIKE(only(t, p.a))
	p.w.Run()
	p.b.rekeyChild(firstChild(t, p.b))
	p.w.Run()
	if childPairs(t, p) != 1 || len(rec.adds) != 1 || len(rec.dels) != 0 {
		t.Fatalf("after rekeys: %d children, adds %+v dels %+v", childPairs(t, p), rec.adds, rec.dels)
	}
	// Each child rekey restarted the policy's lifetime (rwpolicy.go).
	if rec.refreshes != 3 {
		t.Fatalf("%d POLICY ADD refreshes after 3 child rekeys, want 3", rec.refreshes)
	}
	p.a.deleteChild(firstChild(t, p.a))
	p.w.Run()
	if del := withdrawn(want, "b-in"); childPairs(t, p) != 0 || !slices.Equal(rec.dels, del) {
		t.Fatalf("POLICY DELETE %+v, want %+v", rec.dels, del)
	}
	// The end of the IKE SA has nothing left to withdraw.
	p.a.deleteIKE(only(t, p.a))
	p.w.Run()
	if len(rec.dels) != 2 || len(rec.adds) != 1 {
		t.Fatalf("adds %d dels %d", len(rec.adds), len(rec.dels))
	}
}

// racoon2 5.4: POLICY DELETE at the child's destruction, whatever ends
// it: its hard lifetime, the IKE SA's deletion by either side, a
// simultaneous rekey (RFC 7296 2.8.1) followed by a delete.
func TestDynamicPolicyWithdrawn_Racoon2_5_4(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, p *pair)
	}{
		{"hard lifetime", func(t *testing.T, p *pair) { p.w.Advance(time.Hour) }},
		{"IKE SA deleted by A", func(t *testing.T, p *pair) { p.a.deleteIKE(only(t, p.a)); p.w.Run() }},
		{"IKE SA deleted by B", func(t *testing.T, p *pair) { p.b.deleteIKE(only(t, p.b)); p.w.Run() }},
		{"simultaneous rekey, then IKE SA deleted", func(t *testing.T, p *pair) {
			p.a.rekeyChild(firstChild(t, p.a))
			p.b.rekeyChild(firstChild(t, p.b))
			p.w.Run()
			if childPairs(t, p) != 1 || p.a.ExtStats().Collisions+p.b.ExtStats().Collisions == 0 {
				t.Fatal("no collision")
			}
			p.b.deleteIKE(only(t, p.b))
			p.w.Run()
		}},
		{"B shuts down", func(t *testing.T, p *pair) { p.b.Shutdown(func() {}); p.w.Run() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, rec := rwPair(t, nil)
			p.establish(t)
			tc.end(t, p)
			if p.kb.Count() != 0 {
				t.Fatalf("B still has %d SAs", p.kb.Count())
			}
			if len(rec.adds) != 1 || !slices.Equal(rec.dels, withdrawn(rec.adds[0], "b-in")) {
				t.Fatalf("adds %+v dels %+v", rec.adds, rec.dels)
			}
		})
	}
}

// racoon2 5.4 (b) in transport mode: no tunnel endpoints; and with a
// configuration payload lease, case (a) applies instead of (b).
func TestDynamicPolicyTransportAndLease_Racoon2_5_4(t *testing.T) {
	p, rec := rwPair(t, func(ca, cb *ike.Config) {
		ca.Children[0].Mode, cb.Children[0].Mode = ike.ModeTransport, ike.ModeTransport
	})
	p.establish(t)
	want := rwWant(addrA)
	want.Mode, want.SASrc, want.SADst = ike.ModeTransport, netip.Addr{}, netip.Addr{}
	if len(rec.adds) != 1 || rec.adds[0] != want {
		t.Fatalf("POLICY ADD %+v, want %+v", rec.adds, want)
	}

	pool := ike.NewPool("rw", ike.AddrRange{First: netip.MustParseAddr("10.9.0.10"), Last: netip.MustParseAddr("10.9.0.20")})
	q, recQ := cpPair(t, pool)
	q.cb.Children[0].DynamicPolicy = true
	q.establish(t)
	if len(recQ.adds) != 1 || recQ.adds[0].Dst != netip.MustParsePrefix("10.9.0.10/32") {
		t.Fatalf("with a lease: POLICY ADD %+v, want only the lease's", recQ.adds)
	}
}

// failingSPMD refuses every request, as spmd does for an unknown selector.
type failingSPMD struct{ policyRec }

func (f *failingSPMD) PolicyAdd(q ike.PolicyRequest, done func(error)) {
	f.adds = append(f.adds, q)
	done(errors.New("550 Operation Failed, selector not found"))
}

func (f *failingSPMD) PolicyDelete(q ike.PolicyRequest, done func(error)) {
	f.dels = append(f.dels, q)
	done(errors.New("550 Operation Failed"))
}

// logSink collects log output.
type logSink struct{ bytes.Buffer }

// racoon2 5.4: spmd's refusal is logged, and neither the child nor the
// IKE SA suffers from it.
func TestDynamicPolicySPMDFailureLogged(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) { cb.Children[0].DynamicPolicy = true })
	f := &failingSPMD{}
	p.b.o.Policy = f
	var sink logSink
	p.b.log = slog.New(slog.NewTextHandler(&sink, nil))
	p.establish(t)
	if childPairs(t, p) != 1 || len(f.adds) != 1 {
		t.Fatalf("child or announcement missing: adds %d", len(f.adds))
	}
	if !strings.Contains(sink.String(), "spmd POLICY ADD failed") || !strings.Contains(sink.String(), "selector not found") {
		t.Fatalf("failure not logged:\n%s", sink.String())
	}
	p.a.deleteIKE(only(t, p.a))
	p.w.Run()
	if len(f.dels) != 1 || !strings.Contains(sink.String(), "spmd POLICY DELETE failed") || p.b.Len() != 0 {
		t.Fatalf("delete: %d, log:\n%s", len(f.dels), sink.String())
	}
}

// racoon2 5.4 (b): spmd keys a dynamic policy by selector, so while two
// children of one selector live (a collision's survivor and a late one, as
// seen with strongSwan in interop rw-nat-rebind), the policy is announced
// once and stays until the last of them goes, whichever goes first.
func TestDynamicPolicyTwoChildrenOfOneSelector_Racoon2_5_4b(t *testing.T) {
	for _, firstGoes := range []int{0, 1} {
		p, rec := rwPair(t, nil)
		p.establish(t)
		sb := only(t, p.b)
		if err := p.b.createChild(sb, sb.children[0].cfg); err != nil {
			t.Fatal(err)
		}
		p.w.Run()
		if len(sb.children) != 2 || len(rec.adds) != 1 || rec.refreshes != 0 {
			t.Fatalf("children %d, POLICY ADDs %+v, refreshes %d", len(sb.children), rec.adds, rec.refreshes)
		}
		p.b.deleteChild(sb, sb.children[firstGoes])
		p.w.Run()
		if _, ok := rec.live["b-out"]; !ok || len(sb.children) != 1 {
			t.Fatalf("policy withdrawn while a child of its selector lives: ops %q, children %d", rec.ops, len(sb.children))
		}
		p.b.deleteChild(sb, sb.children[0])
		p.w.Run()
		if _, ok := rec.live["b-out"]; ok || !slices.Equal(rec.dels, withdrawn(rwWant(addrA), "b-in")) {
			t.Fatalf("policy kept after the last child: ops %q dels %+v", rec.ops, rec.dels)
		}
	}
}
