package ike

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// Loop is the single goroutine that owns all SA state. Socket readers, the
// kernel reader, the spmd client and signal handlers only Post functions to
// it; timers live in one TimerQueue; expensive crypto goes to a worker pool
// and its result is posted back. Loop implements Scheduler and Executor.
type Loop struct {
	clock   Clock
	events  chan func()
	jobs    chan func()
	done    chan struct{}
	timers  TimerQueue
	onTimer func(TimerKey)
	workers int
	once    sync.Once
}

// NewLoop makes a loop whose timers are delivered to onTimer, with a worker
// pool of the given size (the number of CPUs when workers <= 0).
func NewLoop(onTimer func(TimerKey), workers int) *Loop {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	return &Loop{
		clock:   SystemClock{},
		events:  make(chan func(), 1024),
		jobs:    make(chan func(), 4096),
		done:    make(chan struct{}),
		onTimer: onTimer,
		workers: workers,
	}
}

// SetTimerHandler replaces the timer handler. Call it before Run.
func (l *Loop) SetTimerHandler(f func(TimerKey)) { l.onTimer = f }

// Now returns the loop's clock reading.
func (l *Loop) Now() time.Time { return l.clock.Now() }

// Schedule arms a timer. Only the loop goroutine may call it.
func (l *Loop) Schedule(at time.Time, k TimerKey) { l.timers.Add(at, k) }

// Post queues f to run on the loop. It blocks while the queue is full (back
// pressure on socket readers) and reports false once the loop has stopped.
func (l *Loop) Post(f func()) bool {
	select {
	case <-l.done:
		return false
	default:
	}
	select {
	case l.events <- f:
		return true
	case <-l.done:
		return false
	}
}

// Call runs f on the loop and waits for it; false if the loop has stopped.
func (l *Loop) Call(f func()) bool {
	ch := make(chan struct{})
	if !l.Post(func() { f(); close(ch) }) {
		return false
	}
	select {
	case <-ch:
		return true
	case <-l.done:
		return false
	}
}

// Go runs work on the worker pool and posts the function it returns back to
// the loop. When the pool's queue is full the work runs inline, which slows
// the loop rather than dropping the request.
func (l *Loop) Go(work func() (done func())) {
	job := func() {
		if d := work(); d != nil {
			l.Post(d)
		}
	}
	select {
	case l.jobs <- job:
	default:
		if d := work(); d != nil {
			d()
		}
	}
}

// Run processes events and timers until ctx is cancelled. It starts and, on
// return, stops the worker pool. Run may be called once.
func (l *Loop) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range l.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case j := <-l.jobs:
					j()
				case <-l.done:
					return
				}
			}
		}()
	}
	defer func() {
		l.once.Do(func() { close(l.done) })
		wg.Wait()
	}()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		l.fireDue()
		if next, ok := l.timers.Next(); ok {
			t.Reset(time.Until(next))
		} else {
			t.Reset(time.Hour)
		}
		select {
		case f := <-l.events:
			f()
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

func (l *Loop) fireDue() {
	now := l.clock.Now()
	for {
		k, ok := l.timers.PopDue(now)
		if !ok {
			return
		}
		if l.onTimer != nil {
			l.onTimer(k)
		}
	}
}
