// Package iketest has fakes for driving the engines without I/O: a manual
// clock with a timer queue, a synchronous executor and a recording kernel.
package iketest

import (
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// Sim is a manual clock, a timer queue and a deferred executor in one. It
// implements ike.Scheduler and ike.Executor. Nothing happens until the test
// calls Advance or Drain, so every step is deterministic.
type Sim struct {
	now     time.Time
	timers  ike.TimerQueue
	OnTimer func(ike.TimerKey)
	pending []func() func()
}

// NewSim starts the manual clock at a fixed, arbitrary instant.
func NewSim() *Sim {
	return &Sim{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Now returns the manual time.
func (s *Sim) Now() time.Time { return s.now }

// Schedule arms a timer.
func (s *Sim) Schedule(at time.Time, k ike.TimerKey) { s.timers.Add(at, k) }

// Go defers work until Drain.
func (s *Sim) Go(work func() func()) { s.pending = append(s.pending, work) }

// Drain runs deferred work and its completions until none is left.
func (s *Sim) Drain() {
	for len(s.pending) > 0 {
		w := s.pending[0]
		s.pending = s.pending[1:]
		if done := w(); done != nil {
			done()
		}
	}
}

// Advance moves the clock forward by d, firing due timers in deadline order
// at their own instants and draining deferred work after each.
func (s *Sim) Advance(d time.Duration) {
	end := s.now.Add(d)
	s.Drain()
	for {
		next, ok := s.timers.Next()
		if !ok || next.After(end) {
			break
		}
		if next.After(s.now) {
			s.now = next
		}
		k, _ := s.timers.PopDue(s.now)
		if s.OnTimer != nil {
			s.OnTimer(k)
		}
		s.Drain()
	}
	s.now = end
}

// Timers is the number of armed timers (stale ones included).
func (s *Sim) Timers() int { return s.timers.Len() }

var (
	_ ike.Scheduler = (*Sim)(nil)
	_ ike.Executor  = (*Sim)(nil)
)
