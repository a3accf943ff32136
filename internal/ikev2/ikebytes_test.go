package ikev2

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// poll queues a liveness check on e's IKE SA when it is idle: IKE traffic
// that counts against the byte lifetime.
func poll(e *Engine) {
	for _, sa := range e.sas.bySPI {
		if sa.state == stateEstablished && len(sa.mgr.out) == 0 && len(sa.queue) == 0 {
			e.queue(sa, &dpdTask{})
			e.idle(sa)
		}
	}
}

// kmp_sa_lifetime_byte with the rule of every racoon2 lifetime (section
// 3.3): the IKE SA is rekeyed at hard x (0.8 + 0.1 rand) of its IKE
// traffic, long before the hard limit, and the new SA counts from 0. Hours
// of liveness traffic under a 4 KB limit: many rekeys, never an SA over its
// limit, never a moment without the IKE SA and its child (RFC 7296 2.8).
func TestIKEByteLifetimeRekey_RFC7296_2_8(t *testing.T) {
	const limit = 4096
	for _, both := range []bool{false, true} {
		p, la, lb := newLifePair(t, func(ca, cb *ike.Config) {
			ca.Peers[0].LifetimeBytes = limit
			if both {
				cb.Peers[0].LifetimeBytes = limit
			}
			ca.Peers[0].NeedPFS, cb.Peers[0].NeedPFS = true, true
			ca.Children[0].Lifetime.HardTime = 20 * time.Minute
			cb.Children[0].Lifetime.HardTime = 20 * time.Minute
		})
		warn := watchWarnings(t, p)
		p.w.NoLog = true
		p.establish(t)
		if sa := only(t, p.a); sa.octets > 1000 || sa.octetMark < limit*8/10 || sa.octetMark > limit*9/10 {
			t.Fatalf("new SA: %d octets, soft point %d of %d", sa.octets, sa.octetMark, limit)
		}
		rekeyed := 0
		prev := only(t, p.a)
		for range 3 * 3600 / 2 {
			poll(p.a)
			poll(p.b)
			p.w.Advance(2 * time.Second)
			la.expireDue(p.a, true)
			lb.expireDue(p.b, true)
			p.w.Run()
			p.mustBeUp(t)
			if n := childPairs(t, p); n != 1 {
				t.Fatalf("%d children", n)
			}
			for _, e := range []*Engine{p.a, p.b} {
				sa := only(t, e)
				// A burst may pass the soft point late: the rekey then
				// gets a tenth of the limit more (ikeRekeyTimer).
				if sa.octets >= limit+limit/10+1024 {
					t.Fatalf("IKE SA at %d octets, limit %d", sa.octets, limit)
				}
			}
			if sa := only(t, p.a); sa != prev {
				rekeyed++
				prev = sa
			}
		}
		sa, sb := p.a.ExtStats(), p.b.ExtStats()
		if rekeyed < 20 || sa.IKERekeys+sb.IKERekeys != uint64(rekeyed) {
			t.Fatalf("both %v: %d new IKE SAs, rekeys A %d B %d", both, rekeyed, sa.IKERekeys, sb.IKERekeys)
		}
		if !both && sb.IKERekeys != 0 {
			t.Fatalf("B has no byte limit but rekeyed %d times", sb.IKERekeys)
		}
		for _, s := range []Counters{p.a.Stats(), p.b.Stats()} {
			if s.Failed != 0 || s.KernelErrors != 0 || s.Retransmits != 0 {
				t.Fatalf("failures: %+v", s)
			}
		}
		if warn.n != 0 {
			t.Fatalf("%d warnings, first %q", warn.n, warn.first)
		}
		t.Logf("both %v: %d IKE SA rekeys in 3 h (A %d, B %d), %d child rekeys", both, rekeyed, sa.IKERekeys, sb.IKERekeys, sa.ChildRekeys+sb.ChildRekeys)
	}
}

// The hard byte limit deletes the IKE SA when no rekey replaced it: here
// the peer never answers the rekey (its requests are lost), while the
// peer's own liveness checks keep the traffic going. The SA is deleted at
// the limit, and in the end neither side keeps an SA or a kernel SA.
func TestIKEByteLifetimeHard_RFC7296_2_8(t *testing.T) {
	const limit = 4096
	p := newPair(t, func(ca, cb *ike.Config) { ca.Peers[0].LifetimeBytes = limit })
	p.w.NoLog = true
	p.establish(t)
	p.w.AddFilter(iketest.Drop(func(q ike.Packet) bool {
		return q.Local.Addr() == addrA && msgIs(ExchangeCreateChildSA, false)(q)
	}))
	sa := only(t, p.a)
	var deletingAt uint64
	for range 600 {
		poll(p.b)
		p.w.Advance(time.Second)
		if sa.state == stateDeleting && deletingAt == 0 {
			deletingAt = sa.octets
		}
		if sa.state == stateDead {
			break
		}
		if sa.state == stateEstablished && sa.octets >= limit {
			t.Fatalf("still established at %d octets", sa.octets)
		}
	}
	if deletingAt < limit || deletingAt > limit+300 {
		t.Fatalf("deleted at %d octets, limit %d", deletingAt, limit)
	}
	if p.a.ExtStats().IKERekeys != 0 || p.b.ExtStats().IKERekeyedBy != 0 {
		t.Fatal("a rekey got through")
	}
	p.w.ClearFilters()
	p.w.Advance(2 * time.Hour) // B's liveness check finds A gone
	if p.a.Len() != 0 || p.b.Len() != 0 || p.ka.Count() != 0 || p.kb.Count() != 0 {
		t.Fatalf("left: %s / %s, kernel %d %d", status(p.a), status(p.b), p.ka.Count(), p.kb.Count())
	}
}

// A burst of IKE traffic (a child rekey with PFS and its Delete) that
// jumps over both the soft and the hard point still rekeys the IKE SA: it
// is deleted only when a rekey had its chance.
func TestIKEByteLifetimeBurst(t *testing.T) {
	const limit = 600
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Peers[0].LifetimeBytes = limit
		ca.Peers[0].NeedPFS, cb.Peers[0].NeedPFS = true, true
	})
	warn := watchWarnings(t, p)
	p.establish(t)
	old := only(t, p.a)
	old.octets = 0 // the responder's IKE_AUTH response is not counted on A anyway
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	if old.octets < limit || old.state != stateEstablished {
		t.Fatalf("after the child rekey: %d octets, %v", old.octets, old.state)
	}
	p.w.Advance(time.Second)
	p.mustBeUp(t)
	if n := only(t, p.a); n == old || childPairs(t, p) != 1 || p.a.ExtStats().IKERekeys != 1 || warn.n != 0 {
		t.Fatalf("not rekeyed: %s", status(p.a))
	}
}

// Without a limit nothing is armed: the count is only an add.
func TestIKEByteLifetimeNone(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	for range 50 {
		poll(p.a)
		p.w.Advance(time.Second)
	}
	sa := only(t, p.a)
	if sa.octetMark != 0 || sa.octets < 50*100 || p.a.ExtStats().IKERekeys != 0 {
		t.Fatalf("mark %d octets %d rekeys %d", sa.octetMark, sa.octets, p.a.ExtStats().IKERekeys)
	}
}

// teeWarn counts records at Warn and above and passes everything on to
// the test logger (IKEV2_TEST_LOG).
type teeWarn struct {
	*warnCounter
	next slog.Handler
}

func (h teeWarn) Enabled(ctx context.Context, l slog.Level) bool {
	return h.warnCounter.Enabled(ctx, l) || h.next.Enabled(ctx, l)
}

func (h teeWarn) Handle(ctx context.Context, r slog.Record) error {
	if h.warnCounter.Enabled(ctx, r.Level) {
		_ = h.warnCounter.Handle(ctx, r)
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h teeWarn) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h teeWarn) WithGroup(string) slog.Handler      { return h }

// watchWarnings makes both engines of p count their warnings.
func watchWarnings(t testing.TB, p *pair) *warnCounter {
	w := &warnCounter{}
	l := slog.New(teeWarn{w, testLogger(t).Handler()})
	p.a.log, p.b.log = l, l
	return w
}

// The hard byte limit when the peer answers but refuses every rekey (here
// it no longer accepts the IKE SA's DH group: NO_PROPOSAL_CHOSEN, retried
// every few seconds): the SA is deleted with an INFORMATIONAL Delete as
// soon as the limit is reached, and both sides are clean at once.
func TestIKEByteLifetimeHardRefused_RFC7296_2_8(t *testing.T) {
	const limit = 4096
	p := newPair(t, func(ca, cb *ike.Config) { ca.Peers[0].LifetimeBytes = limit })
	warn := watchWarnings(t, p)
	p.establish(t)
	p.cb.Peers[0].Proposal.DH = []uint16{14}
	sa := only(t, p.a)
	for range 600 {
		poll(p.a)
		poll(p.b)
		p.w.Advance(time.Second)
		if sa.state != stateEstablished {
			break
		}
	}
	if sa.octets < limit || sa.octets > limit+limit/10+1024 {
		t.Fatalf("deleted at %d octets, limit %d", sa.octets, limit)
	}
	p.w.Advance(5 * time.Second)
	if p.a.Len() != 0 || p.b.Len() != 0 || p.ka.Count() != 0 || p.kb.Count() != 0 || p.b.Stats().Deleted != 1 {
		t.Fatalf("left: %s / %s, kernel %d %d", status(p.a), status(p.b), p.ka.Count(), p.kb.Count())
	}
	if p.a.ExtStats().IKERekeys != 0 || warn.n != 0 {
		t.Fatalf("rekeys %d, warnings %d (%q)", p.a.ExtStats().IKERekeys, warn.n, warn.first)
	}
}
