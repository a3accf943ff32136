package daemon

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Pidfile is a pid file held with an exclusive flock for the life of the
// process. The lock, not the file's existence, says that a daemon runs: a
// file left by a dead process is simply taken over.
type Pidfile struct {
	path string
	f    *os.File
}

// ErrLocked means another live process holds the pid file.
var ErrLocked = errors.New("another instance is running")

// CreatePidfile opens path, locks it without waiting and writes our pid.
// When another process holds the lock the error wraps ErrLocked and names
// the pid found in the file.
func CreatePidfile(path string) (*Pidfile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pid file: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			if pid := readPid(f); pid > 0 {
				return nil, fmt.Errorf("%w (pid %d holds %s)", ErrLocked, pid, path)
			}
			return nil, fmt.Errorf("%w (%s is locked)", ErrLocked, path)
		}
		return nil, fmt.Errorf("pid file %s: lock: %w", path, err)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("pid file %s: %w", path, err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("pid file %s: %w", path, err)
	}
	return &Pidfile{path: path, f: f}, nil
}

func readPid(f *os.File) int {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil {
		return 0
	}
	return pid
}

// Path is the file's name.
func (p *Pidfile) Path() string { return p.path }

// ErrReplaced is returned by Remove when the path no longer names our file.
var ErrReplaced = errors.New("pid file was replaced; not removing it")

// Remove unlinks the file only if the path still names the file we locked
// (someone may have replaced it), then releases the lock.
func (p *Pidfile) Remove() error {
	if p == nil || p.f == nil {
		return nil
	}
	defer func() { p.f.Close(); p.f = nil }()
	ours, err := p.f.Stat()
	if err != nil {
		return fmt.Errorf("pid file %s: %w", p.path, err)
	}
	now, err := os.Stat(p.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pid file %s: %w", p.path, err)
	}
	if !sameFile(ours, now) {
		return fmt.Errorf("%s: %w", p.path, ErrReplaced)
	}
	if err := os.Remove(p.path); err != nil {
		return fmt.Errorf("pid file: %w", err)
	}
	return nil
}

func sameFile(a, b os.FileInfo) bool {
	sa, ok1 := a.Sys().(*syscall.Stat_t)
	sb, ok2 := b.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 {
		return os.SameFile(a, b)
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}
