package ikev2

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// Exchange collisions, RFC 7296 2.8.1, 2.8.2 and 2.25: whatever the order
// of events, both peers end with the same SAs, nothing half-made or
// larval is left, and no SA that should live is lost. Each case runs many
// times: the nonces are random, so both outcomes of the nonce comparison
// are exercised.
func TestExchangeCollisions_RFC7296_2_25(t *testing.T) {
	type tc struct {
		name     string
		start    func(p *pair)
		filter   func(p *pair) iketest.Filter
		advance  time.Duration
		children int  // children at the end
		collide  bool // a nonce comparison must have happened
	}
	reqFromA := func(x ExchangeType) func(ike.Packet) bool {
		return func(q ike.Packet) bool { return q.Local.Addr() == addrA && msgIs(x, false)(q) }
	}
	respFromB := func(x ExchangeType) func(ike.Packet) bool {
		return func(q ike.Packet) bool { return q.Local.Addr() == addrB && msgIs(x, true)(q) }
	}
	cases := []tc{
		{name: "2.3 child rekey response lost once", start: func(p *pair) {
			p.a.rekeyChild(firstChild(t, p.a))
		}, filter: func(p *pair) iketest.Filter { return iketest.DropN(1, respFromB(ExchangeCreateChildSA)) },
			advance: time.Minute, children: 1},
		{name: "2.3 IKE SA rekey response lost once", start: func(p *pair) {
			p.a.rekeyIKE(only(t, p.a))
		}, filter: func(p *pair) iketest.Filter { return iketest.DropN(1, respFromB(ExchangeCreateChildSA)) },
			advance: time.Minute, children: 1},
		{name: "2.8.1 both rekey the child", start: func(p *pair) {
			p.a.rekeyChild(firstChild(t, p.a))
			p.b.rekeyChild(firstChild(t, p.b))
		}, children: 1, collide: true},
		{name: "2.8.1 both rekey the child, A's request lost once", start: func(p *pair) {
			p.a.rekeyChild(firstChild(t, p.a))
			p.b.rekeyChild(firstChild(t, p.b))
		}, filter: func(p *pair) iketest.Filter { return iketest.DropN(1, reqFromA(ExchangeCreateChildSA)) },
			advance: time.Minute, children: 1},
		{name: "2.25.1 A rekeys the child B deletes", start: func(p *pair) {
			p.a.rekeyChild(firstChild(t, p.a))
			p.b.deleteChild(firstChild(t, p.b))
		}, children: 0},
		{name: "2.25.1 A deletes the child B rekeys", start: func(p *pair) {
			p.b.rekeyChild(firstChild(t, p.b))
			p.a.deleteChild(firstChild(t, p.a))
		}, children: 0},
		{name: "2.8.2 both rekey the IKE SA", start: func(p *pair) {
			p.a.rekeyIKE(only(t, p.a))
			p.b.rekeyIKE(only(t, p.b))
		}, children: 1, collide: true},
		{name: "2.25.2 A rekeys the IKE SA, B the child", start: func(p *pair) {
			p.a.rekeyIKE(only(t, p.a))
			p.b.rekeyChild(firstChild(t, p.b))
		}, advance: time.Minute, children: 1},
		{name: "2.25.2 A rekeys the child, B the IKE SA", start: func(p *pair) {
			p.a.rekeyChild(firstChild(t, p.a))
			p.b.rekeyIKE(only(t, p.b))
		}, advance: time.Minute, children: 1},
		{name: "2.25.2 A rekeys the IKE SA B deletes", start: func(p *pair) {
			p.a.rekeyIKE(only(t, p.a))
			p.b.deleteIKE(only(t, p.b))
		}, children: -1},
		{name: "2.8.1 both rekey the child, responses reordered", start: func(p *pair) {
			p.a.rekeyChild(firstChild(t, p.a))
			p.b.rekeyChild(firstChild(t, p.b))
		}, filter: func(p *pair) iketest.Filter { return iketest.Reorder(iketest.Any) }, advance: time.Minute, children: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			collisions, tempFail := 0, 0
			for i := range 24 {
				p := newPair(t, func(ca, cb *ike.Config) {
					pfs := i%2 == 0
					ca.Peers[0].NeedPFS, cb.Peers[0].NeedPFS = pfs, pfs
				})
				var warn warnCounter
				p.a.log, p.b.log = slog.New(&warn), slog.New(&warn)
				p.establish(t)
				if c.filter != nil {
					p.w.AddFilter(c.filter(p))
				}
				c.start(p)
				p.w.Run()
				p.w.Advance(c.advance)
				p.w.ClearFilters()
				p.w.Advance(10 * time.Second)
				if c.children < 0 {
					if p.a.Len() != 0 || p.b.Len() != 0 || p.ka.Count() != 0 || p.kb.Count() != 0 {
						t.Fatalf("run %d: SAs left: %s / %s", i, status(p.a), status(p.b))
					}
					continue
				}
				p.mustBeUp(t)
				if n := childPairs(t, p); n != c.children {
					t.Fatalf("run %d: %d children, want %d", i, n, c.children)
				}
				for _, s := range []Counters{p.a.Stats(), p.b.Stats()} {
					if s.KernelErrors != 0 || s.Failed != 0 {
						t.Fatalf("run %d: %+v", i, s)
					}
				}
				if warn.n != 0 {
					t.Fatalf("run %d: %d warnings or errors logged, first %q", i, warn.n, warn.first)
				}
				tempFail += int(p.a.ExtStats().TempFailures + p.b.ExtStats().TempFailures)
				collisions += int(p.a.ExtStats().Collisions)
				if p.a.ExtStats().Collisions != p.b.ExtStats().Collisions {
					t.Fatalf("run %d: peers saw different collisions", i)
				}
			}
			if c.collide && collisions == 0 {
				t.Fatal("no collision resolved")
			}
			t.Logf("%d collisions, %d TEMPORARY_FAILUREs", collisions, tempFail)
		})
	}
}

// warnCounter is a slog handler counting records at Warn and above.
type warnCounter struct {
	n     int
	first string
}

func (w *warnCounter) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnCounter) Handle(_ context.Context, r slog.Record) error {
	if w.n == 0 {
		w.first = r.Message
	}
	w.n++
	return nil
}
func (w *warnCounter) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *warnCounter) WithGroup(string) slog.Handler      { return w }

// heldExec keeps worker jobs until release, so that a test can let other
// messages overtake a DH computation.
type heldExec struct{ jobs []func() func() }

func (h *heldExec) Go(work func() func()) { h.jobs = append(h.jobs, work) }

func (h *heldExec) release() {
	jobs := h.jobs
	h.jobs = nil
	for _, j := range jobs {
		if done := j(); done != nil {
			done()
		}
	}
}

// RFC 7296 2.8.1 with PFS: both peers rekey one child; B answers A's
// rekey (its DH on a worker) and, before that DH is done, A refuses B's
// own rekey (A wants PFS, B offered none). B's answer must still be made
// and the child rekeyed once. iked used to drop the rekey state with its
// refused request and crash when the DH came back (seen against
// libreswan behind a NAT, interop rw-nat-rebind).
func TestPeerRekeyAnsweredAfterOursRefused_RFC7296_2_8_1(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Peers[0].NeedPFS = true
		ca.Peers[0].Proposal.DH = []uint16{31}
		cb.Peers[0].Proposal.DH = []uint16{31}
	})
	p.establish(t)
	hold := &heldExec{}
	p.b.o.Exec = hold
	p.a.rekeyChild(firstChild(t, p.a))
	p.b.rekeyChild(firstChild(t, p.b))
	p.w.Run()
	if len(hold.jobs) == 0 {
		t.Fatal("B's DH did not wait for the worker")
	}
	if _, c := firstChild(t, p.b); c.rk == nil {
		t.Fatal("B forgot the rekey it is answering")
	}
	hold.release()
	p.w.Run()
	p.mustBeUp(t)
	if n := childPairs(t, p); n != 1 || p.a.ExtStats().ChildRekeys != 1 {
		t.Fatalf("%d children, A's rekeys %d\nA: %s\nB: %s", n, p.a.ExtStats().ChildRekeys, status(p.a), status(p.b))
	}
}
