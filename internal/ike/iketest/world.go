package iketest

import (
	"net/netip"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// World is a deterministic network of engines sharing one manual clock:
// each Node has its own timer queue and deferred executor, and packets sent
// through a Node's Conn wait in the World until Run or Step delivers them
// to the node that owns the destination address. Filters between sending
// and delivery drop, duplicate or reorder packets.
type World struct {
	now      time.Time
	nodes    []*Node
	inflight []ike.Packet
	filters  []Filter
	// Log records every packet handed to the network, before filters.
	Log []ike.Packet
	// Delivered counts packets handed to a node.
	Delivered int
	// NoLog turns Log off (benchmarks).
	NoLog bool
	// LateWork, when set, is asked for each deferred job whether it waits
	// for the next step, so that a worker's result (a DH value) comes back
	// after later packets, as on a loaded machine. Jobs always run once no
	// packet is in flight.
	LateWork func() bool
}

// Filter sees each packet on its way and returns what goes on instead:
// nothing (drop), the packet, or several packets (duplicate, release held).
type Filter func(p ike.Packet) []ike.Packet

// Node is one engine's view of the World: a Scheduler, an Executor and a
// Conn. Handle receives packets; OnTimer receives fired timers.
type Node struct {
	w       *World
	Addr    netip.Addr
	timers  ike.TimerQueue
	pending []func() func()
	Handle  func(ike.Packet)
	OnTimer func(ike.TimerKey)
	// Sent counts packets this node sent.
	Sent int
}

// NewWorld starts a world at a fixed instant.
func NewWorld() *World {
	return &World{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Node adds a node owning addr.
func (w *World) Node(addr netip.Addr) *Node {
	n := &Node{w: w, Addr: addr}
	w.nodes = append(w.nodes, n)
	return n
}

// AddFilter appends a filter; filters run in the order added.
func (w *World) AddFilter(f Filter) { w.filters = append(w.filters, f) }

// ClearFilters removes every filter.
func (w *World) ClearFilters() { w.filters = nil }

// Now returns the shared manual time.
func (w *World) Now() time.Time { return w.now }

// Now returns the shared manual time.
func (n *Node) Now() time.Time { return n.w.now }

// Schedule arms a timer on this node.
func (n *Node) Schedule(at time.Time, k ike.TimerKey) { n.timers.Add(at, k) }

// Timers is the number of armed timers (stale ones included).
func (n *Node) Timers() int { return n.timers.Len() }

// Go defers work until the world runs it.
func (n *Node) Go(work func() func()) { n.pending = append(n.pending, work) }

// Send puts a copy of p on the network.
func (n *Node) Send(p ike.Packet) error {
	p.Data = append([]byte(nil), p.Data...)
	if !p.Local.Addr().IsValid() || p.Local.Addr().IsUnspecified() {
		p.Local = netip.AddrPortFrom(n.Addr, p.Local.Port())
	}
	n.Sent++
	if !n.w.NoLog {
		logged := p
		logged.Data = append([]byte(nil), p.Data...) // receivers decrypt in place
		n.w.Log = append(n.w.Log, logged)
	}
	out := []ike.Packet{p}
	for _, f := range n.w.filters {
		var next []ike.Packet
		for _, q := range out {
			next = append(next, f(q)...)
		}
		out = next
	}
	n.w.inflight = append(n.w.inflight, out...)
	return nil
}

func (w *World) nodeFor(a netip.Addr) *Node {
	for _, n := range w.nodes {
		if n.Addr == a {
			return n
		}
	}
	return nil
}

// drainWork runs the nodes' deferred work (all of it when all is set,
// else what LateWork lets through); it reports whether any ran.
func (w *World) drainWork(all bool) bool {
	ran := false
	for _, n := range w.nodes {
		jobs := n.pending
		n.pending = nil
		for _, job := range jobs {
			if !all && w.LateWork != nil && w.LateWork() {
				n.pending = append(n.pending, job)
				continue
			}
			if done := job(); done != nil {
				done()
			}
			ran = true // work a job made waits in n.pending for the next step
		}
	}
	return ran
}

// Step delivers the oldest packet in flight, after running deferred work.
// It reports false when nothing was left to do.
func (w *World) Step() bool {
	ran := w.drainWork(len(w.inflight) == 0)
	if len(w.inflight) == 0 {
		return ran
	}
	p := w.inflight[0]
	w.inflight = w.inflight[1:]
	if n := w.nodeFor(p.Remote.Addr()); n != nil && n.Handle != nil {
		p.Local, p.Remote = p.Remote, p.Local
		w.Delivered++
		n.Handle(p)
	}
	return true
}

// InFlight returns the packets waiting for delivery.
func (w *World) InFlight() []ike.Packet { return w.inflight }

// TakeInFlight removes and returns the packets waiting for delivery, so a
// test can replay, reorder or corrupt them and Inject them back.
func (w *World) TakeInFlight() []ike.Packet {
	p := w.inflight
	w.inflight = nil
	return p
}

// Inject puts p on the network as if its sender had sent it, bypassing
// filters.
func (w *World) Inject(p ike.Packet) { w.inflight = append(w.inflight, p) }

// Run delivers packets and runs deferred work until the network is quiet,
// without moving the clock. It stops after limit steps to catch ping-pong.
func (w *World) Run() int {
	steps := 0
	for steps < 10000 && w.Step() {
		steps++
	}
	return steps
}

// Advance moves the clock forward by d, firing due timers of all nodes in
// deadline order at their own instants and running the network quiet after
// each.
func (w *World) Advance(d time.Duration) {
	end := w.now.Add(d)
	w.Run()
	for {
		var first *Node
		var at time.Time
		for _, n := range w.nodes {
			if t, ok := n.timers.Next(); ok && (first == nil || t.Before(at)) {
				first, at = n, t
			}
		}
		if first == nil || at.After(end) {
			break
		}
		if at.After(w.now) {
			w.now = at
		}
		k, _ := first.timers.PopDue(w.now)
		if first.OnTimer != nil {
			first.OnTimer(k)
		}
		w.Run()
	}
	w.now = end
}

// Drop drops the packets for which match is true.
func Drop(match func(ike.Packet) bool) Filter {
	return func(p ike.Packet) []ike.Packet {
		if match(p) {
			return nil
		}
		return []ike.Packet{p}
	}
}

// DropN drops the first n packets for which match is true.
func DropN(n int, match func(ike.Packet) bool) Filter {
	return func(p ike.Packet) []ike.Packet {
		if n > 0 && match(p) {
			n--
			return nil
		}
		return []ike.Packet{p}
	}
}

// Duplicate sends every matching packet twice.
func Duplicate(match func(ike.Packet) bool) Filter {
	return func(p ike.Packet) []ike.Packet {
		if match(p) {
			q := p
			q.Data = append([]byte(nil), p.Data...) // receivers decrypt in place
			return []ike.Packet{p, q}
		}
		return []ike.Packet{p}
	}
}

// Reorder holds back the first matching packet and releases it after the
// next packet, swapping the two.
func Reorder(match func(ike.Packet) bool) Filter {
	var held *ike.Packet
	done := false
	return func(p ike.Packet) []ike.Packet {
		if held != nil {
			h := *held
			held = nil
			return []ike.Packet{p, h}
		}
		if !done && match(p) {
			done = true
			held = &p
			return nil
		}
		return []ike.Packet{p}
	}
}

// From matches packets sent from addr.
func From(addr netip.Addr) func(ike.Packet) bool {
	return func(p ike.Packet) bool { return p.Local.Addr() == addr }
}

// Any matches every packet.
func Any(ike.Packet) bool { return true }

var (
	_ ike.Scheduler = (*Node)(nil)
	_ ike.Executor  = (*Node)(nil)
	_ ike.Conn      = (*Node)(nil)
)
