package daemon

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// Dispatcher routes the loop's inputs to the IKE engines: datagrams by the
// ISAKMP major version, timers and kernel events to the engine that claims
// them. It also runs the bounded teardown. All methods except the counters
// run on the loop goroutine.
type Dispatcher struct {
	log     *slog.Logger
	engines []ike.Engine

	NoEngine  atomic.Uint64 // datagrams of a version no engine speaks
	Unclaimed atomic.Uint64 // kernel events and timers nobody claimed
}

// NewDispatcher makes a dispatcher with no engines.
func NewDispatcher(log *slog.Logger) *Dispatcher { return &Dispatcher{log: log} }

// SetEngines replaces the engines (start-up and reload).
func (d *Dispatcher) SetEngines(e []ike.Engine) { d.engines = e }

// Engines returns the current engines.
func (d *Dispatcher) Engines() []ike.Engine { return d.engines }

// Packet hands a datagram to the engine of its major version (the high
// nibble of octet 17, RFC 7296 section 3.1 and RFC 2408 section 3.1); a
// higher version goes to the highest engine, which answers it.
func (d *Dispatcher) Packet(p ike.Packet) {
	if len(p.Data) < 28 {
		d.NoEngine.Add(1)
		return
	}
	v := p.Data[17] >> 4
	var best ike.Engine
	for _, e := range d.engines {
		if e.Version() == v {
			e.HandlePacket(p)
			return
		}
		if e.Version() < v && (best == nil || e.Version() > best.Version()) {
			best = e
		}
	}
	if best != nil {
		best.HandlePacket(p)
		return
	}
	d.NoEngine.Add(1)
	d.log.Debug("no engine for IKE version; dropped", "version", v, "from", p.Remote)
}

// Timer gives k to the engine that owns it.
func (d *Dispatcher) Timer(k ike.TimerKey) {
	for _, e := range d.engines {
		if e.HandleTimer(k) {
			return
		}
	}
	// Timers of engines replaced by a reload end here: nothing to do.
	d.Unclaimed.Add(1)
}

// KernelEvent gives a kernel upcall to the engine that claims it.
func (d *Dispatcher) KernelEvent(ev ike.Event) {
	for _, e := range d.engines {
		if e.HandleKernelEvent(ev) {
			return
		}
	}
	d.Unclaimed.Add(1)
	d.log.Debug("kernel event not claimed by any engine", "event", fmt.Sprintf("%T", ev))
}

// ErrNoEngine is returned by Initiate when no engine takes the request.
var ErrNoEngine = errors.New("no IKE engine handles this initiation")

// Initiate asks each engine in turn until one takes the request.
func (d *Dispatcher) Initiate(peer netip.Addr, selector string) error {
	for _, e := range d.engines {
		err := e.Initiate(peer, selector)
		if !errors.Is(err, ike.ErrNotMine) {
			return err
		}
	}
	return ErrNoEngine
}

// Shutdown tears every engine down and calls done on the loop once all
// have finished or grace has passed (timedOut true), whichever is first.
// post queues a function on the loop; it is how the grace timer gets back.
func (d *Dispatcher) Shutdown(grace time.Duration, post func(func()) bool, done func(timedOut bool)) {
	finished := false
	left := len(d.engines)
	finish := func(timedOut bool) {
		if !finished {
			finished = true
			done(timedOut)
		}
	}
	if left == 0 {
		finish(false)
		return
	}
	t := time.AfterFunc(grace, func() {
		post(func() {
			if !finished {
				d.abandon()
			}
			finish(true)
		})
	})
	for _, e := range d.engines {
		called := false
		e.Shutdown(func() {
			if called { // an engine calling done twice must not count twice
				return
			}
			called = true
			if left--; left == 0 {
				t.Stop()
				finish(false)
			}
		})
	}
}

// Abandoner is an engine that can drop what a Shutdown left when the grace
// period ran out (SAs whose peers never answered the Delete), so that it
// leaves nothing running behind it, such as its hook runner.
type Abandoner interface{ Abandon() }

func (d *Dispatcher) abandon() {
	for _, e := range d.engines {
		if a, ok := e.(Abandoner); ok {
			a.Abandon()
		}
	}
}

// Status writes every engine's dump and the dispatcher's counters.
func (d *Dispatcher) Status(w io.Writer) {
	fmt.Fprintf(w, "engines: %d; datagrams without engine: %d; unclaimed events: %d\n",
		len(d.engines), d.NoEngine.Load(), d.Unclaimed.Load())
	for _, e := range d.engines {
		fmt.Fprintf(w, "IKEv%d:\n", e.Version())
		e.Status(w)
	}
}
