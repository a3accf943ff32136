// Package hook runs racoon2's hook scripts (script {}; racoon2 3.5)
// without blocking the event loop: one goroutine runs the scripts in
// order from a bounded queue. Unlike racoon2, which waits for each script
// in the daemon itself and exits when fork fails, a script that cannot be
// started or hangs is logged and the daemon goes on.
package hook

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"sync"
	"time"
)

// Path is the PATH scripts run with: racoon2 passes none at all.
const Path = "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

// Lookup returns the script of remote for event ("" for none); a remote's
// own script wins over the default remote's (racoon2 3.5).
type Lookup func(remote, event string) string

// Runner queues and runs hook scripts. Its methods are safe for
// concurrent use.
type Runner struct {
	lookup  Lookup
	log     *slog.Logger
	timeout time.Duration
	q       chan job
	done    chan struct{}
	mu      sync.Mutex
	closed  bool
	// Dropped counts scripts not run because the queue was full.
	dropped uint64
	pending int // queued or running
}

type job struct {
	path, event string
	env         []string
}

// Options tune a Runner.
type Options struct {
	Queue   int           // queued scripts at most (default 64)
	Timeout time.Duration // a script running longer is killed (default 60 s)
	Log     *slog.Logger
}

// New starts a runner.
func New(lookup Lookup, o Options) *Runner {
	if o.Queue <= 0 {
		o.Queue = 64
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	r := &Runner{lookup: lookup, log: o.Log, timeout: o.Timeout, q: make(chan job, o.Queue), done: make(chan struct{})}
	go r.loop()
	return r
}

// Run queues the script of remote for event with environment env (which
// is all the script gets, plus PATH). It never blocks: when the queue is
// full the script is dropped and logged.
func (r *Runner) Run(remote, event string, env []string) {
	path := r.lookup(remote, event)
	if path == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	select {
	case r.q <- job{path: path, event: event, env: append(env[:len(env):len(env)], Path)}:
		r.pending++
	default:
		r.dropped++
		r.log.Error("hook script queue full, script not run", "script", path, "event", event)
	}
}

// Dropped is the number of scripts dropped because the queue was full.
func (r *Runner) Dropped() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped
}

// Close runs the scripts already queued, then stops the runner.
func (r *Runner) Close() {
	r.Stop()
	<-r.done
}

// Stop is Close without the wait, for the event loop: the scripts already
// queued still run, later ones are ignored, then the goroutine exits.
func (r *Runner) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		close(r.q)
	}
}

func (r *Runner) loop() {
	defer close(r.done)
	for j := range r.q {
		r.exec(j)
		r.mu.Lock()
		r.pending--
		r.mu.Unlock()
	}
}

// Drain waits until every queued script has run, at most d; it reports
// whether the queue is empty. The daemon drains at exit so that the last
// phase1_down runs, as it does in racoon2.
func (r *Runner) Drain(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		r.mu.Lock()
		n := r.pending
		r.mu.Unlock()
		if n == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// exec runs one script as racoon2 does: argv is the path and the event
// name; the exit status is only logged.
func (r *Runner) exec(j job) {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, j.path, j.event)
	cmd.Env = j.env
	cmd.Dir = "/"
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		r.log.Debug("hook script done", "script", j.path, "event", j.event)
	case ctx.Err() != nil:
		r.log.Error("hook script killed after timeout", "script", j.path, "event", j.event, "timeout", r.timeout)
	case errors.As(err, &ee):
		r.log.Info("hook script failed", "script", j.path, "event", j.event, "status", ee.ExitCode())
	default:
		// racoon2 exits when fork fails; we log and go on.
		r.log.Error("cannot run hook script", "script", j.path, "event", j.event, "err", err)
	}
}

// Table maps a remote index to its scripts by event name; the remote ""
// is default{remote{}}, used per event when a remote has no script of its
// own (racoon2 3.5).
type Table map[string]map[string]string

// Lookup implements Lookup over the table.
func (t Table) Lookup(remote, event string) string {
	if p := t[remote][event]; p != "" {
		return p
	}
	return t[""][event]
}
