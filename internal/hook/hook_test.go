package hook

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// script writes an executable shell script and returns its path.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func waitFile(t *testing.T, p string) string {
	t.Helper()
	for range 500 {
		if b, err := os.ReadFile(p); err == nil && bytes.HasSuffix(b, []byte("END\n")) {
			return string(b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never written", p)
	return ""
}

// racoon2 3.5: argv is the path and the event name, the environment is
// exactly the event's variables (plus a sane PATH here); a remote's script
// wins over the default's, per event.
func TestRunArgvEnvAndLookup(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	own := script(t, dir, "own", `{ echo "argv=$0 $1"; env | sort; echo END; } > `+out+"\n")
	def := script(t, dir, "def", "touch "+filepath.Join(dir, "default-ran")+"\n")
	tab := Table{"peer": {"phase1_up": own}, "": {"phase1_up": def, "phase2_up": def}}
	r := New(tab.Lookup, Options{})
	r.Run("peer", "phase1_up", []string{"LOCAL_ADDR=192.0.2.1", "REMOTE_PORT=500"})
	got := waitFile(t, out)
	for _, w := range []string{"argv=" + own + " phase1_up", "LOCAL_ADDR=192.0.2.1", "REMOTE_PORT=500", Path} {
		if !strings.Contains(got, w) {
			t.Fatalf("missing %q in\n%s", w, got)
		}
	}
	if strings.Contains(got, "HOME=") {
		t.Fatalf("inherited environment:\n%s", got)
	}
	r.Run("peer", "phase2_up", nil) // the default's
	r.Run("other", "phase1_down", nil)
	r.Close()
	if _, err := os.Stat(filepath.Join(dir, "default-ran")); err != nil {
		t.Fatal("default script not run")
	}
}

type recHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *recHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recHandler) WithGroup(string) slog.Handler      { return h }

// A script that cannot be started is logged, not fatal (racoon2 _exit(1)s
// when fork fails); a hung script is killed after the timeout; Run never
// blocks, dropping scripts when the queue is full.
func TestRunFailuresAndBound(t *testing.T) {
	dir := t.TempDir()
	h := &recHandler{}
	slow := script(t, dir, "slow", "sleep 5\n")
	tab := Table{"": {"phase1_up": filepath.Join(dir, "missing"), "phase1_down": slow, "phase2_up": script(t, dir, "ok", "exit 3\n")}}
	r := New(tab.Lookup, Options{Queue: 2, Timeout: 300 * time.Millisecond, Log: slog.New(h)})
	r.Run("x", "phase1_up", nil)
	r.Run("x", "phase1_down", nil)
	start := time.Now()
	for range 10 {
		r.Run("x", "phase1_down", nil)
	}
	if time.Since(start) > 100*time.Millisecond {
		t.Fatal("Run blocked")
	}
	if r.Dropped() == 0 {
		t.Fatal("nothing dropped with a full queue")
	}
	r.Close()
	r2 := New(tab.Lookup, Options{Log: slog.New(h)})
	r2.Run("x", "phase2_up", nil)
	r2.Close()
	all := strings.Join(h.msgs, "|")
	for _, w := range []string{"cannot run hook script", "hook script killed after timeout", "hook script queue full, script not run", "hook script failed"} {
		if !strings.Contains(all, w) {
			t.Fatalf("no %q in %s", w, all)
		}
	}
}

// Stop ends the runner without waiting: the scripts already queued still
// run, then its goroutine exits (the daemon builds a runner per SIGHUP).
func TestStopDoesNotBlock(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	tab := Table{"": {"phase1_down": script(t, dir, "down", "sleep 0.2; echo END >"+out+"\n")}}
	r := New(tab.Lookup, Options{})
	r.Run("x", "phase1_down", nil)
	start := time.Now()
	r.Stop()
	r.Stop()
	if time.Since(start) > 100*time.Millisecond {
		t.Fatal("Stop blocked")
	}
	r.Run("x", "phase1_down", nil) // after Stop: ignored
	waitFile(t, out)
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		t.Fatal("runner goroutine still running after Stop")
	}
	r.Close()
}
