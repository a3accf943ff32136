package ikev2

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// holdUntil holds the first packet matching hold and lets it go just after
// the first later packet matching release, which so overtakes it. *done
// says whether that happened.
func holdUntil(hold, release func(ike.Packet) bool, done *bool) iketest.Filter {
	var held ike.Packet
	holding := false
	return func(p ike.Packet) []ike.Packet {
		switch {
		case !holding && !*done && hold(p):
			held, holding = p, true
			return nil
		case holding && release(p):
			holding, *done = false, true
			return []ike.Packet{p, held}
		}
		return []ike.Packet{p}
	}
}

func pktFrom(a netip.Addr, x ExchangeType, resp bool) func(ike.Packet) bool {
	return func(q ike.Packet) bool { return q.Local.Addr() == a && msgIs(x, resp)(q) }
}

// grantWindow makes e's IKE SA use a send window of n, as if the peer had
// announced SET_WINDOW_SIZE n (RFC 7296 2.3).
func grantWindow(e *Engine, sa *IKESA, n uint32) {
	e.noteWindow(sa, &Message{Payloads: []Payload{notify(NotifySetWindowSize, binary.BigEndian.AppendUint32(nil, n))}})
}

// peerChild is B's side of A's child c.
func peerChild(t testing.TB, p *pair, c *childSA) (*IKESA, *childSA) {
	t.Helper()
	sb := only(t, p.b)
	d := sb.childBySPI(c.proto, c.inSPI, false)
	if d == nil {
		t.Fatalf("B has no twin of %08x", c.inSPI)
	}
	return sb, d
}

// A Delete overtaking the response to a CREATE_CHILD_SA rekey, for a child
// and for the IKE SA, alone and in a collision, and a rekey response
// arriving after our own Delete went out (a send window of 2). Whatever
// the order, both peers end with one IKE SA and one child, the kernels
// hold exactly that child's SAs and nothing larval, and nothing is logged
// above Info (RFC 7296 2.8, 2.8.1, 2.8.2, 2.25.1, 2.25.2).
func TestDeleteOvertakesRekeyResponse_RFC7296_2_25(t *testing.T) {
	// Each case runs with A, the IKE SA initiator, in the role of "A" and
	// mirrored, with B in it: x and y are the addresses of "A" and "B".
	var x, y netip.Addr
	respB := func(e ExchangeType) func(ike.Packet) bool {
		return func(q ike.Packet) bool { return pktFrom(y, e, true)(q) }
	}
	reqB := func(e ExchangeType) func(ike.Packet) bool {
		return func(q ike.Packet) bool { return pktFrom(y, e, false)(q) }
	}
	type tc struct {
		name    string
		noPFS   bool
		hold    func(ike.Packet) bool // overtaken
		release func(ike.Packet) bool // overtakes
		start   func(t *testing.T, p *pair)
		then    func(t *testing.T, p *pair) // after the network is quiet
		collide bool
		deletes int // INFORMATIONAL requests A sends (-1: any number)
	}
	cases := []tc{
		{name: "2.25.1 child rekey: B's Delete of the old child first",
			hold: respB(ExchangeCreateChildSA), release: reqB(ExchangeInformational),
			start: func(t *testing.T, p *pair) { p.a.rekeyChild(firstChild(t, p.a)) },
			then: func(t *testing.T, p *pair) {
				// B's hard lifetime of the old child runs out now.
				_, c := firstChild(t, p.a)
				p.b.deleteHardExpired(peerChild(t, p, c))
			}},
		{name: "2.8.1 both rekey the child: B's settling Delete first",
			hold: respB(ExchangeCreateChildSA), release: reqB(ExchangeInformational),
			start: func(t *testing.T, p *pair) {
				p.a.rekeyChild(firstChild(t, p.a))
				p.b.rekeyChild(firstChild(t, p.b))
			}, collide: true, deletes: -1},
		{name: "2.25.1 window 2: the rekey response after our Delete's response", noPFS: true,
			hold: respB(ExchangeCreateChildSA), release: respB(ExchangeInformational),
			start: func(t *testing.T, p *pair) {
				sa, c := firstChild(t, p.a)
				grantWindow(p.a, sa, 2)
				p.a.rekeyChild(sa, c)
				p.a.deleteHardExpired(sa, c) // in flight at once with the rekey
			}, deletes: 1},
		{name: "2.25.2 IKE SA rekey: B's Delete of the old IKE SA first",
			hold: respB(ExchangeCreateChildSA), release: reqB(ExchangeInformational),
			start: func(t *testing.T, p *pair) { p.a.rekeyIKE(only(t, p.a)) },
			then: func(t *testing.T, p *pair) {
				// B's hard lifetime of the old IKE SA runs out now.
				for _, sa := range p.b.sortedSAs() {
					if sa.rk.replaced() {
						p.b.HandleTimer(ike.TimerKey{Kind: timerLifetime, SPI: sa.ourSPI()})
					}
				}
			}},
		{name: "2.8.2 both rekey the IKE SA: B's settling Delete first",
			hold: respB(ExchangeCreateChildSA), release: reqB(ExchangeInformational),
			start: func(t *testing.T, p *pair) {
				p.a.rekeyIKE(only(t, p.a))
				p.b.rekeyIKE(only(t, p.b))
			}, collide: true, deletes: -1},
		{name: "2.25.2 window 2: the IKE rekey response after our Delete went out",
			hold: respB(ExchangeCreateChildSA), release: func(ike.Packet) bool { return true },
			start: func(t *testing.T, p *pair) {
				sa := only(t, p.a)
				grantWindow(p.a, sa, 2)
				p.a.rekeyIKE(sa)
				p.w.Step() // the DH work, then the request goes out
				p.a.HandleTimer(ike.TimerKey{Kind: timerLifetime, SPI: sa.ourSPI()})
			}, deletes: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			collisions, overtaken, bWon := 0, 0, 0
			for i := range 24 {
				pfs := i%2 == 0 && !c.noPFS
				p := newPair(t, func(ca, cb *ike.Config) {
					ca.Peers[0].NeedPFS, cb.Peers[0].NeedPFS = pfs, pfs
				})
				warn := watchWarnings(t, p)
				p.establish(t)
				x, y = addrA, addrB
				if i%4 >= 2 {
					p = mirror(p)
					x, y = addrB, addrA
				}
				var done bool
				p.w.AddFilter(holdUntil(c.hold, c.release, &done))
				c.start(t, p)
				p.w.Run()
				if c.then != nil {
					c.then(t, p)
					p.w.Run()
				}
				p.w.Advance(time.Minute)
				p.w.ClearFilters()
				p.w.Advance(10 * time.Minute)
				if done {
					overtaken++
				}
				p.mustBeUp(t)
				if n := childPairs(t, p); n != 1 {
					t.Fatalf("run %d: %d children, want 1", i, n)
				}
				for _, s := range []Counters{p.a.Stats(), p.b.Stats()} {
					if s.KernelErrors != 0 || s.Failed != 0 {
						t.Fatalf("run %d: %+v", i, s)
					}
				}
				if warn.n != 0 {
					t.Fatalf("run %d: %d warnings or errors logged, first %q", i, warn.n, warn.first)
				}
				if p.a.ExtStats().Collisions != p.b.ExtStats().Collisions {
					t.Fatalf("run %d: peers saw different collisions", i)
				}
				collisions += int(p.a.ExtStats().Collisions)
				// In a collision B's settling Delete is of the old SA
				// when B's rekey survived, else of B's own new SA.
				if x := p.b.ExtStats(); x.Collisions > 0 && x.ChildRekeys+x.IKERekeys > 0 {
					bWon++
				}
				if n := countPkts(p.w.Log, pktFrom(x, ExchangeInformational, false)); c.deletes >= 0 && n != c.deletes {
					t.Fatalf("run %d: A sent %d INFORMATIONAL requests, want %d", i, n, c.deletes)
				}
			}
			if overtaken == 0 {
				t.Fatal("the Delete never overtook the rekey response")
			}
			if c.collide && (collisions == 0 || bWon == 0 || bWon == collisions) {
				t.Fatalf("%d collisions, B's rekey survived %d times: both outcomes wanted", collisions, bWon)
			}
			t.Logf("%d of 24 runs reordered, %d collisions (B's rekey survived %d)", overtaken, collisions, bWon)
		})
	}
}

func countPkts(log []ike.Packet, match func(ike.Packet) bool) int {
	n := 0
	for _, q := range log {
		if match(q) {
			n++
		}
	}
	return n
}

// SIGTERM while an IKE SA rekey is in flight, on either side: the SA the
// rekey makes is deleted too, so the teardown finishes and neither side
// keeps an SA (RFC 7296 2.25.2: a rekey of an SA being closed gets
// TEMPORARY_FAILURE; one already answered is closed like the rest).
func TestShutdownDuringIKERekey_RFC7296_2_25_2(t *testing.T) {
	for _, who := range []string{"initiator", "responder"} {
		t.Run(who, func(t *testing.T) {
			for i := range 8 {
				p := newPair(t, nil)
				warn := watchWarnings(t, p)
				p.establish(t)
				p.a.rekeyIKE(only(t, p.a))
				p.w.Step() // A's DH work; the request goes out and reaches B
				e := p.a
				if who == "responder" {
					e = p.b // B's DH work for the answer is pending
				}
				done := false
				e.Shutdown(func() { done = true })
				p.w.Advance(10 * time.Minute)
				if !done || p.a.Len() != 0 || p.b.Len() != 0 || p.ka.Count() != 0 || p.kb.Count() != 0 {
					t.Fatalf("run %d: done %v, left %s / %s", i, done, status(p.a), status(p.b))
				}
				if warn.n != 0 || p.a.Stats().Failed != 0 {
					t.Fatalf("run %d: %d warnings (%q), %+v", i, warn.n, warn.first, p.a.Stats())
				}
			}
		})
	}
}

// mirror returns p with the roles of its engines swapped: the test then
// drives B (the IKE SA responder) as "A".
func mirror(p *pair) *pair {
	q := *p
	q.a, q.b, q.ka, q.kb, q.na, q.nb, q.ca, q.cb = p.b, p.a, p.kb, p.ka, p.nb, p.na, p.cb, p.ca
	return &q
}

// shuffle is a filter that holds one packet in every n (chosen by a seeded
// generator) and lets it go after the next packet: a network that reorders
// now and then.
func shuffle(seed uint64, n int) iketest.Filter {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var held []ike.Packet
	return func(p ike.Packet) []ike.Packet {
		if len(held) > 0 {
			out := append([]ike.Packet{p}, held...)
			held = nil
			return out
		}
		if r.IntN(n) == 0 {
			held = append(held, p)
			return nil
		}
		return []ike.Packet{p}
	}
}

// A week of rekeys by time and by bytes with send windows of 2 on both
// sides and a network that reorders one datagram in eight: Deletes overtake
// rekey responses and requests arrive out of order all the time. Nothing
// may be lost: at every check both peers have an established IKE SA with
// a child, and once the network is calm again they hold exactly one IKE SA
// and one child, in the kernels too (RFC 7296 2.3, 2.8, 2.25).
func TestRekeyWeekReordered_RFC7296_2_25(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	p, la, lb := newLifePair(t, func(ca, cb *ike.Config) {
		for _, c := range []*ike.Config{ca, cb} {
			c.Peers[0].Lifetime = 30 * time.Minute
			c.Peers[0].LifetimeBytes = 16 << 10
			c.Peers[0].DPDDelay = 2 * time.Minute
			c.Children[0].Lifetime = ike.Lifetime{HardTime: 10 * time.Minute}
			c.Peers[0].NeedPFS = true
		}
	})
	warn := watchWarnings(t, p)
	p.w.NoLog = true
	p.establish(t)
	p.w.AddFilter(shuffle(7, 8))
	const step = 15 * time.Second
	end := p.w.Now().Add(7 * 24 * time.Hour)
	for p.w.Now().Before(end) {
		for _, e := range []*Engine{p.a, p.b} {
			for _, sa := range e.sas.bySPI {
				if sa.mgr.window < 2 {
					grantWindow(e, sa, 2)
				}
			}
		}
		p.w.Advance(step)
		la.expireDue(p.a, true)
		lb.expireDue(p.b, true)
		p.w.Run()
		for _, e := range []*Engine{p.a, p.b} {
			up := false
			for _, sa := range e.sas.bySPI {
				up = up || sa.state == stateEstablished && len(sa.children) > 0
			}
			if !up {
				t.Fatalf("%v: no established IKE SA with a child: %s", p.w.Now(), status(e))
			}
		}
	}
	p.w.ClearFilters()
	for range 8 {
		p.w.Advance(step)
		la.expireDue(p.a, true)
		lb.expireDue(p.b, true)
		p.w.Run()
	}
	p.mustBeUp(t)
	if n := childPairs(t, p); n != 1 {
		t.Fatalf("%d children", n)
	}
	sa, sb := p.a.ExtStats(), p.b.ExtStats()
	t.Logf("A %+v", sa)
	t.Logf("B %+v", sb)
	t.Logf("A %+v", p.a.Stats())
	for _, s := range []Counters{p.a.Stats(), p.b.Stats()} {
		if s.Failed != 0 || s.KernelErrors != 0 {
			t.Fatalf("failures: %+v", s)
		}
	}
	if warn.n != 0 {
		t.Fatalf("%d warnings, first %q", warn.n, warn.first)
	}
}
