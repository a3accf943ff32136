package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestPidfileLockAndRemove(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iked.pid")
	p, err := CreatePidfile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Fatalf("pid file holds %q", b)
	}
	// flock locks belong to the open file description, so a second open
	// in this process is refused like another daemon would be.
	_, err = CreatePidfile(path)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second instance: %v", err)
	}
	if err := p.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("pid file still there: %v", err)
	}
	if err := p.Remove(); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
}

func TestPidfileStaleTakenOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iked.pid")
	if err := os.WriteFile(path, []byte("99999999\nrubbish after it\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := CreatePidfile(path)
	if err != nil {
		t.Fatalf("stale pid file not taken over: %v", err)
	}
	defer p.Remove()
	b, _ := os.ReadFile(path)
	if string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Fatalf("pid file holds %q", b)
	}
}

func TestPidfileReplacedIsKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "iked.pid")
	p, err := CreatePidfile(path)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	os.WriteFile(other, []byte("4242\n"), 0o644)
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if err := p.Remove(); !errors.Is(err, ErrReplaced) {
		t.Fatalf("Remove of a replaced file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "4242\n" {
		t.Fatalf("replacement was touched: %q", b)
	}
	// The lock went with our descriptor: a new instance may start.
	q, err := CreatePidfile(path)
	if err != nil {
		t.Fatal(err)
	}
	q.Remove()
}

func TestPidfileUnwritableDir(t *testing.T) {
	if _, err := CreatePidfile(filepath.Join(t.TempDir(), "missing", "x.pid")); err == nil || errors.Is(err, ErrLocked) {
		t.Fatalf("got %v", err)
	}
}
