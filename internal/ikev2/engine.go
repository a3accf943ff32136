package ikev2

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"sort"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// Options are what an Engine is built from. The daemon fills them; tests
// use iketest.World nodes for Sched, Exec and Conn.
type Options struct {
	Config *ike.Config
	Sched  ike.Scheduler
	Exec   ike.Executor
	Conn   ike.Conn
	Kernel ike.Kernel
	Policy ike.PolicyService // nil: ACQUIREs use the policy id as selector (-D 8)
	Log    *slog.Logger
	Rand   io.Reader // crypto/rand when nil; workers use it too: must be safe for concurrent use
	// LocalAddr picks our address toward a peer (the daemon asks the
	// routing table); nil uses the unspecified address of the peer's family.
	LocalAddr func(peer netip.Addr) netip.Addr
	// DebugSPMIF is -D 8: the ACQUIRE's policy id is the selector index.
	DebugSPMIF bool
	// LocalPort is the source port of initiations (-p); 0 means the
	// destination port (Config.Port).
	LocalPort uint16
	// CookiePeriod is how often the cookie secret rotates (default 3 s).
	CookiePeriod time.Duration
	// HalfOpenLimit demands cookies once this many SAs are half-open
	// (racoon2's IKED_MAX_HALF_OPEN_SA, 20); HalfOpenMax and
	// HalfOpenPerPeer refuse new ones outright (defaults 1000 and 100).
	HalfOpenLimit, HalfOpenMax, HalfOpenPerPeer int
	// MaxPacket is the largest IP datagram, IP and UDP headers included,
	// of a message sent whole to a peer that supports fragmentation (RFC
	// 7383 2.5.1), for peers whose config sets no FragmentSize (default
	// 1280).
	MaxPacket int
	// Capture records every message, in the clear, for -P (capture.go);
	// nil records nothing.
	Capture ike.Capture
}

// Engine is the IKEv2 protocol engine. Every method must be called on the
// event loop that owns it (ike.Loop); it starts no goroutine and no timer.
//
// Shape: IKE SAs live in one table keyed by our SPI. Each SA has a manager
// (manager.go: message IDs, the send window, requests in flight with their
// retransmission schedule, the one-response cache) and runs tasks: one per
// request we send (task_init.go, task_auth.go, task_info.go), each building
// its request and processing the response; requests from the peer are
// answered by the respond* functions. DH, key derivation and signatures go
// to the Executor and come back on the loop; every completion looks its SA
// up again. Timers are ike.TimerKeys on the shared Scheduler, also looked
// up again when they fire. Nothing unauthenticated changes an SA.
// CREATE_CHILD_SA and what keeps SAs alive for months are in task_child.go
// (children, their timers, collisions), task_rekey.go (IKE SA rekey),
// natt.go, frag.go, cp.go, contact.go and hooks.go.
type Engine struct {
	o        Options
	cfg      *ike.Config
	log      *slog.Logger
	rand     io.Reader
	sas      saTable
	cookies  cookieJar
	stats    Counters
	acquires map[uint32]acquireRef // by ACQUIRE seq
	contact  map[string]bool       // remotes already sent INITIAL_CONTACT
	msg      Message               // scratch for decoding
	raw      []byte                // the datagram being handled
	capture  ike.Capture           // o.Capture; nil without -P
	capBuf   []byte                // scratch for captureOut
	closing  bool
	ext      engineExt // part 2: rekeying, NAT-T, hooks (task_child.go)
	// shutdownDone is Shutdown's callback, run when the last SA is gone.
	shutdownDone func()
}

var _ ike.Engine = (*Engine)(nil)

// New builds an engine.
func New(o Options) (*Engine, error) {
	if o.Config == nil || o.Sched == nil || o.Exec == nil || o.Conn == nil {
		return nil, errors.New("ikev2: New: Config, Sched, Exec and Conn are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Rand == nil {
		o.Rand = defaultRand
	}
	if o.Kernel == nil {
		o.Kernel = &noKernel{rand: o.Rand}
	}
	if o.CookiePeriod <= 0 {
		o.CookiePeriod = 3 * time.Second
	}
	if o.HalfOpenLimit <= 0 {
		o.HalfOpenLimit = 20
	}
	if o.HalfOpenMax <= 0 {
		o.HalfOpenMax = 1000
	}
	if o.HalfOpenPerPeer <= 0 {
		o.HalfOpenPerPeer = 100
	}
	if o.MaxPacket <= 0 {
		o.MaxPacket = 1280
	}
	e := &Engine{
		o:        o,
		cfg:      o.Config,
		log:      o.Log,
		rand:     o.Rand,
		sas:      newSATable(),
		acquires: map[uint32]acquireRef{},
		contact:  map[string]bool{},
		capture:  o.Capture,
	}
	e.cookies = cookieJar{period: o.CookiePeriod, rand: o.Rand}
	return e, nil
}

// Stats returns a copy of the counters.
func (e *Engine) Stats() Counters { return e.stats }

// Len is the number of IKE SAs in the table (any state).
func (e *Engine) Len() int { return e.sas.len() }

func (e *Engine) now() time.Time { return e.o.Sched.Now() }

// newSPI returns a random, non-zero SPI that is not in use.
func (e *Engine) newSPI() (uint64, error) {
	var b [8]byte
	for {
		if _, err := io.ReadFull(e.rand, b[:]); err != nil {
			return 0, err
		}
		s := binary.BigEndian.Uint64(b[:])
		if s != 0 && e.sas.get(s) == nil {
			return s, nil
		}
	}
}

func (e *Engine) random(n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := io.ReadFull(e.rand, b)
	return b, err
}

// send transmits pkts to the SA's peer, copies times over.
func (e *Engine) sendTo(local, remote netip.AddrPort, pkts [][]byte, copies int) {
	for range copies {
		for _, p := range pkts {
			e.stats.Sent++
			if err := e.o.Conn.Send(ike.Packet{Local: local, Remote: remote, Data: p}); err != nil {
				e.log.Debug("send failed", "peer", remote, "err", err)
			}
		}
	}
}

// Version is the IKE major version this engine speaks.
func (e *Engine) Version() uint8 { return 2 }

// HandleTimer runs a fired timer and reports whether its Kind is the
// engine's. Timers carry our SPI and are looked up again, so one whose SA
// is gone or has moved on does nothing.
func (e *Engine) HandleTimer(k ike.TimerKey) bool {
	if k.Kind < timerKindFirst || k.Kind > timerKindLast {
		return false
	}
	if k.Kind >= timerExtFirst {
		e.handleExtTimer(k) // task_child.go, task_rekey.go, natt.go
		return true
	}
	sa := e.sas.get(k.SPI)
	if sa == nil {
		return true
	}
	switch k.Kind {
	case timerRetransmit:
		e.retransmit(sa, k.Arg)
	case timerNegoLimit:
		if sa.state < stateEstablished {
			sa.log.Info("negotiation time limit reached", "state", sa.state)
			e.destroy(sa, "negotiation timed out")
		}
	case timerDPD:
		e.liveness(sa)
	case timerLifetime:
		if sa.state == stateEstablished {
			sa.log.Info("IKE SA lifetime expired")
			e.deleteIKE(sa)
		}
	}
	e.idle(sa)
	return true
}

// retransmit sends a request again, or gives the SA up after
// max_retry_to_send retransmissions (racoon2 3.3).
func (e *Engine) retransmit(sa *IKESA, seq uint32) {
	r := sa.mgr.bySeq(seq)
	if r == nil {
		return // answered
	}
	rt := sa.peer.Retransmit
	if r.sends > rt.MaxRetry {
		sa.log.Info("no response, giving up", "message-id", r.id, "transmissions", r.sends)
		e.destroy(sa, "peer not responding")
		return
	}
	r.sends++
	e.stats.Retransmits++
	sa.log.Debug("retransmit", "message-id", r.id, "transmission", r.sends)
	e.sendTo(sa.local, sa.remote, r.pkts, rt.Copies())
	e.countSent(sa, r.pkts, rt.Copies())
	e.o.Sched.Schedule(retransmitAt(e.now(), rt, r.sends), ike.TimerKey{Kind: timerRetransmit, Arg: r.seq, SPI: sa.ourSPI()})
}

// destroy removes an SA and its children from the table and the kernel.
func (e *Engine) destroy(sa *IKESA, why string) {
	if sa.state == stateDead {
		return
	}
	if sa.state < stateEstablished {
		e.stats.Failed++
		e.acquireDone(sa, true)
	} else {
		e.stats.Deleted++
	}
	for _, c := range sa.children {
		e.removeChild(sa, c)
	}
	sa.children = nil
	if sa.state >= stateEstablished {
		e.onDown(sa) // hook, lease (task_rekey.go)
	}
	sa.log.Info("IKE SA removed", "reason", why, "state", sa.state)
	sa.state = stateDead
	e.sas.remove(sa)
	if sa.hs != nil {
		sa.hs.zero()
		sa.hs = nil
	}
	sa.keys.zero()
	if e.closing && e.sas.len() == 0 && e.shutdownDone != nil {
		done := e.shutdownDone
		e.shutdownDone = nil
		done()
	}
}

// acquireRef ties an ACQUIRE to the SA it started (spi 0 while spmd is
// asked for the selector).
type acquireRef struct {
	spi uint64
	a   *ike.Acquire
}

// errnoTimedOut is ETIMEDOUT as Linux numbers it: what racoon2 reports to
// the kernel for an ACQUIRE whose negotiation failed.
const errnoTimedOut = 110

// acquireDone forgets the ACQUIREs sa answered; when the SA failed, the
// kernel is told so that it drops its larval state early.
func (e *Engine) acquireDone(sa *IKESA, failed bool) {
	for seq, r := range e.acquires {
		if r.spi != sa.ourSPI() {
			continue
		}
		delete(e.acquires, seq)
		if failed {
			if err := e.o.Kernel.AcquireFailed(r.a, errnoTimedOut); err != nil {
				e.stats.KernelErrors++
			}
		}
	}
}

// Shutdown starts the SIGTERM/SIGHUP teardown: every child is removed from
// the kernel at once, every established IKE SA gets an INFORMATIONAL Delete
// (retransmitted as usual), half-open SAs are dropped. done runs on the
// loop when the last SA is gone (every Delete answered or given up on).
func (e *Engine) Shutdown(done func()) {
	e.closing = true
	e.shutdownDone = e.drainHooksThen(done) // hooks.go
	for _, sa := range e.sortedSAs() {
		for _, c := range sa.children {
			e.removeChild(sa, c)
		}
		sa.children = nil
		switch sa.state {
		case stateEstablished:
			e.deleteIKE(sa)
			e.idle(sa)
		case stateDeleting:
		default:
			e.destroy(sa, "shutdown")
		}
	}
	if e.sas.len() == 0 && e.shutdownDone != nil {
		finish := e.shutdownDone
		e.shutdownDone = nil
		finish()
	}
}

// Abandon ends a Shutdown whose Deletes were not all answered within the
// daemon's grace period: the SAs left are dropped without more messages
// (their kernel SAs are gone already), which runs the end of Shutdown:
// the last hook scripts, then the hook runner is stopped. Without it an
// engine replaced by SIGHUP with a silent peer kept its runner goroutine.
func (e *Engine) Abandon() {
	if !e.closing {
		return
	}
	for _, sa := range e.sortedSAs() {
		e.destroy(sa, "shutdown: the peer did not answer the Delete")
	}
}

func (e *Engine) sortedSAs() []*IKESA {
	out := make([]*IKESA, 0, e.sas.len())
	for _, sa := range e.sas.bySPI {
		out = append(out, sa)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].created.Before(out[j].created) || (out[i].created.Equal(out[j].created) && out[i].ourSPI() < out[j].ourSPI())
	})
	return out
}

// Status writes the SIGUSR1 dump: counters, then one line per IKE SA and
// one per child.
func (e *Engine) Status(w io.Writer) {
	fmt.Fprintf(w, "ikev2: %d IKE SAs, %d half-open\n", e.sas.len(), e.sas.halfOpen)
	e.stats.write(w)
	e.ext.stats.write(w) // task_child.go
	for _, sa := range e.sortedSAs() {
		name := "-"
		if sa.peer != nil && sa.peer.Name != "" {
			name = sa.peer.Name
		}
		fmt.Fprintf(w, "ike-sa %016x:%016x %s %s remote %s local %s peer %s age %s\n",
			sa.spiI, sa.spiR, sa.role, sa.state, name, sa.local, sa.remote, e.now().Sub(sa.created).Truncate(time.Second))
		for _, c := range sa.children {
			sel := "-"
			if c.cfg != nil {
				sel = c.cfg.Selector
			}
			fmt.Fprintf(w, "  child %v %s in %08x out %08x selector %s\n", c.proto, c.mode, c.inSPI, c.outSPI, sel)
		}
	}
}
