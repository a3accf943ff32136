// Package daemontest has a recording ike.Engine for tests of the daemon
// shell: it remembers what it was given and, on Shutdown, behaves like a
// real engine would (a Delete to every peer it has heard from, then its
// kernel SAs removed), so that teardown can be observed end to end.
package daemontest

import (
	"fmt"
	"io"
	"net/netip"
	"sync"

	"github.com/racoon2go/iked/internal/ike"
)

// Engine is a fake ike.Engine. Its fields are guarded by mu because tests
// read them from outside the loop.
type Engine struct {
	V        uint8
	Env      ike.Env
	TimerMin uint16 // claims timer kinds in [TimerMin, TimerMin+100)
	// HangShutdown makes Shutdown never call done (a peer that never
	// answers), to test the daemon's grace period.
	HangShutdown bool
	// SAs are kernel SAs this engine "owns"; Shutdown deletes them.
	SAs []ike.SAID

	mu        sync.Mutex
	Packets   []ike.Packet
	Events    []ike.Event
	Timers    []ike.TimerKey
	Initiated []string
	Shutdowns int
	Abandons  int
	peers     map[netip.AddrPort]netip.AddrPort // remote -> local
}

// Version returns V.
func (e *Engine) Version() uint8 { return e.V }

// HandlePacket records p and remembers its peer.
func (e *Engine) HandlePacket(p ike.Packet) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Packets = append(e.Packets, p)
	if e.peers == nil {
		e.peers = map[netip.AddrPort]netip.AddrPort{}
	}
	e.peers[p.Remote] = p.Local
}

// HandleKernelEvent claims Expires for its own SAs and every Acquire.
func (e *Engine) HandleKernelEvent(ev ike.Event) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := ev.(*ike.Expire); ok {
		found := false
		for _, id := range e.SAs {
			found = found || id == x.SAID
		}
		if !found {
			return false
		}
	}
	e.Events = append(e.Events, ev)
	return true
}

// HandleTimer claims its kind range.
func (e *Engine) HandleTimer(k ike.TimerKey) bool {
	if k.Kind < e.TimerMin || k.Kind >= e.TimerMin+100 {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Timers = append(e.Timers, k)
	return true
}

// Initiate takes selectors starting with its version digit ("2..."), and
// peers only for version 2.
func (e *Engine) Initiate(peer netip.Addr, selector string) error {
	if selector != "" && (len(selector) == 0 || selector[0] != '0'+e.V) {
		return ike.ErrNotMine
	}
	if peer.IsValid() && e.V != 2 {
		return ike.ErrNotMine
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if peer.IsValid() {
		e.Initiated = append(e.Initiated, peer.String())
	} else {
		e.Initiated = append(e.Initiated, selector)
	}
	return nil
}

// DeleteMessage is what the fake sends each peer on Shutdown: an IKE header
// with the version's major number and "DELETE" in the SPI field.
func DeleteMessage(v uint8) []byte {
	b := make([]byte, 28)
	copy(b, "DELETE!!")
	b[17] = v << 4
	return b
}

// Shutdown sends DeleteMessage to each peer, deletes its SAs from the
// kernel, and calls done unless HangShutdown.
func (e *Engine) Shutdown(done func()) {
	e.mu.Lock()
	e.Shutdowns++
	peers := e.peers
	e.peers = nil
	e.mu.Unlock()
	for remote, local := range peers {
		if e.Env.Conn != nil {
			e.Env.Conn.Send(ike.Packet{Local: local, Remote: remote, Data: DeleteMessage(e.V)})
		}
	}
	if e.Env.Kernel != nil {
		for _, id := range e.SAs {
			e.Env.Kernel.DeleteSA(id)
		}
	}
	if !e.HangShutdown {
		done()
	}
}

// Status writes a one-line summary.
func (e *Engine) Status(w io.Writer) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fmt.Fprintf(w, "  fake engine: packets %d, peers %d, SAs %d\n", len(e.Packets), len(e.peers), len(e.SAs))
}

// Snapshot returns copies of what the engine recorded.
func (e *Engine) Snapshot() (packets []ike.Packet, events []ike.Event, timers []ike.TimerKey, initiated []string, shutdowns int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]ike.Packet(nil), e.Packets...), append([]ike.Event(nil), e.Events...),
		append([]ike.TimerKey(nil), e.Timers...), append([]string(nil), e.Initiated...), e.Shutdowns
}

var _ ike.Engine = (*Engine)(nil)

// Abandon counts the calls.
func (e *Engine) Abandon() {
	e.mu.Lock()
	e.Abandons++
	e.mu.Unlock()
}
