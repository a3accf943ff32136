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
// traffic, before the hard limit, and the new SA counts from 0. Hours of
// liveness traffic and child rekeys under a limit of a few KB: many
// rekeys, never an SA far over its limit, never a moment without the IKE
// SA and its child (RFC 7296 2.8). With MODP-2048 and the same limit on
// both sides, one child rekey or IKE SA rekey is a good part of the
// margin between soft and hard, and both peers reach their soft points in
// the same burst: the hard point must not end an SA whose rekey is under
// way or was put off by the peer's (RFC 7296 2.25.1).
func TestIKEByteLifetimeRekey_RFC7296_2_8(t *testing.T) {
	cases := []struct {
		name     string
		both     bool
		dh       uint16
		limit    uint64
		children time.Duration
		hours    int
	}{
		{"A only, X25519", false, 31, 4096, 20 * time.Minute, 3},
		{"both, X25519", true, 31, 4096, 20 * time.Minute, 3},
		{"both, MODP-2048, children every 20 s", true, 14, 8192, 20 * time.Second, 1},
	}
	for _, c := range cases {
		limit, both := c.limit, c.both
		p, la, lb := newLifePair(t, func(ca, cb *ike.Config) {
			ca.Peers[0].LifetimeBytes = limit
			if both {
				cb.Peers[0].LifetimeBytes = limit
			}
			for _, x := range []*ike.Config{ca, cb} {
				x.Peers[0].NeedPFS = true
				x.Peers[0].Proposal.DH = []uint16{c.dh}
				x.Children[0].Lifetime.HardTime = c.children
			}
		})
		warn := watchWarnings(t, p)
		p.w.NoLog = true
		p.establish(t)
		if sa := only(t, p.a); sa.octets > 1000 || sa.octetMark < limit*8/10 || sa.octetMark > limit*9/10 {
			t.Fatalf("new SA: %d octets, soft point %d of %d", sa.octets, sa.octetMark, limit)
		}
		rekeyed := 0
		prev := only(t, p.a)
		for range c.hours * 3600 / 2 {
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
				// Past the limit only while its rekey is under way or
				// put off: a few exchanges at most.
				if sa.octets >= limit+4096 {
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
			t.Fatalf("%s: %d new IKE SAs, rekeys A %d B %d", c.name, rekeyed, sa.IKERekeys, sb.IKERekeys)
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
		t.Logf("%s: %d IKE SA rekeys in %d h (A %d, B %d), %d child rekeys, %d collisions", c.name, rekeyed, c.hours,
			sa.IKERekeys, sb.IKERekeys, sa.ChildRekeys+sb.ChildRekeys, sa.Collisions)
	}
}

// The hard byte limit when the peer never answers the rekey (its requests
// are lost) while its own liveness checks keep the traffic going: past the
// limit the SA lives on only while its rekey is in flight, and goes when
// the rekey is given up (max_retry_to_send); in the end neither side keeps
// an SA or a kernel SA.
func TestIKEByteLifetimeHard_RFC7296_2_8(t *testing.T) {
	const limit = 4096
	p := newPair(t, func(ca, cb *ike.Config) { ca.Peers[0].LifetimeBytes = limit })
	p.w.NoLog = true
	p.establish(t)
	p.w.AddFilter(iketest.Drop(func(q ike.Packet) bool {
		return q.Local.Addr() == addrA && msgIs(ExchangeCreateChildSA, false)(q)
	}))
	sa := only(t, p.a)
	for range 600 {
		poll(p.b)
		p.w.Advance(time.Second)
		if sa.state == stateDead {
			break
		}
		if sa.state == stateEstablished && sa.octets >= limit && !sa.rk.inFlight() {
			t.Fatalf("established at %d octets with no rekey in flight", sa.octets)
		}
	}
	if sa.state != stateDead || sa.octets < limit {
		t.Fatalf("%v at %d octets, limit %d", sa.state, sa.octets, limit)
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

// The soft byte point reached while our own child rekey is in flight puts
// the IKE SA rekey off (RFC 7296 2.25.1); that child exchange then crosses
// the hard point. The SA must still be rekeyed, not deleted: its rekey
// never had its chance.
func TestIKEByteLifetimeHardWhileChildBusy_RFC7296_2_25_1(t *testing.T) {
	for _, pfs := range []bool{false, true} {
		p := newPair(t, func(ca, cb *ike.Config) {
			cb.Peers[0].LifetimeBytes = 1 << 20
			ca.Peers[0].NeedPFS, cb.Peers[0].NeedPFS = pfs, pfs
		})
		warn := watchWarnings(t, p)
		p.establish(t)
		old, c := firstChild(t, p.b)
		old.octets = old.octetMark - 1
		p.b.rekeyChild(old, c)
		if pfs {
			p.w.Step() // B's DH work; the request goes out
		}
		if !childBusy(old) || old.octetMark != 0 {
			t.Fatalf("pfs %v: child request not in flight past the soft point (mark %d)", pfs, old.octetMark)
		}
		p.b.HandleTimer(ike.TimerKey{Kind: timerIKERekey, Arg: argBytes, SPI: old.ourSPI()}) // soft: put off
		if old.rk != nil || !old.octetHard {
			t.Fatalf("pfs %v: IKE SA rekey not put off", pfs)
		}
		old.octets = old.octetMark - 1 // the child exchange crosses the hard point
		p.w.Run()
		if old.octetMark != 0 || old.state != stateEstablished {
			t.Fatalf("pfs %v: hard point not crossed (%d octets) or %v", pfs, old.octets, old.state)
		}
		p.w.Advance(5 * time.Second)
		p.mustBeUp(t)
		if n := only(t, p.b); n == old || childPairs(t, p) != 1 || p.b.ExtStats().IKERekeys != 1 || warn.n != 0 {
			t.Fatalf("pfs %v: not rekeyed: %s", pfs, status(p.b))
		}
	}
}
