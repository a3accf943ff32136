package spmd

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/spmdclient"
)

// Options configure a Server.
type Options struct {
	// PasswordFile is interface { spmd_password }: checked by New and read
	// again at every LOGIN, so a new password needs no restart.
	PasswordFile string
	// Fwd adds a forward policy for every inbound tunnel-mode IPsec policy
	// (Linux: the kernel checks forwarded traffic against dir fwd).
	Fwd bool
	Log *slog.Logger
	Now func() time.Time // default time.Now
}

// Server is spmd: the policies it installed and the spmif listeners.
// Commands from all connections are served one at a time.
type Server struct {
	cfg  Config
	kern ike.Kernel
	opts Options
	log  *slog.Logger

	mu      sync.Mutex // table, fqdns, timer, kernel calls
	table   *table
	fqdns   []string
	timer   *time.Timer // lifetimes spmd enforces itself
	stopped bool
	lnMu    sync.Mutex // listeners, conns, closed
	lns     []net.Listener
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// New checks the password file and returns a server with no listener.
func New(cfg Config, k ike.Kernel, o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	pw, err := spmdclient.ReadPassword(o.PasswordFile)
	if err != nil {
		return nil, fmt.Errorf("can't get spmd interface password: %w", err)
	}
	clear(pw)
	return &Server{cfg: cfg, kern: k, opts: o, log: o.Log, table: newTable(), conns: map[net.Conn]struct{}{}}, nil
}

// Backlog is racoon2's listen backlog for the spmif socket.
const Backlog = 5

// Listen serves spmif on the unix socket path. Its parent directory must be
// private (ours, no group or other bits); an old socket file is removed.
func (s *Server) Listen(path string) error {
	if err := spmdclient.CheckPrivateDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("%s: parent directory is not safe: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	ln, err := listenUnix(path)
	if err != nil {
		return fmt.Errorf("spmif %s: %w", path, err)
	}
	s.lnMu.Lock()
	if s.closed {
		s.lnMu.Unlock()
		ln.Close()
		return errors.New("spmd: server closed")
	}
	s.lns = append(s.lns, ln)
	s.wg.Add(1)
	s.lnMu.Unlock()
	s.log.Info("spmif listening", "path", path)
	go s.accept(ln)
	return nil
}

// listenUnix binds and listens with racoon2's backlog of 5, which
// net.Listen does not let us choose.
func listenUnix(path string) (net.Listener, error) {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	if err := syscall.Listen(fd, Backlog); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	return net.FileListener(f)
}

func (s *Server) accept(ln net.Listener) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			if !s.isClosed() {
				s.log.Error("spmif accept", "err", err)
			}
			return
		}
		s.lnMu.Lock()
		if s.closed {
			s.lnMu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.lnMu.Unlock()
		go s.serveConn(c)
	}
}

func (s *Server) isClosed() bool {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	return s.closed
}

// Close stops the listeners and drops every connection. The socket files
// stay (as in racoon2) and the policies stay: see Flush.
func (s *Server) Close() error {
	s.lnMu.Lock()
	s.closed = true
	for _, ln := range s.lns {
		ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.lnMu.Unlock()
	s.wg.Wait()
	s.mu.Lock()
	s.stopped = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
	return nil
}

// session is one spmif connection's state.
type session struct {
	challenge string // "" once a LOGIN consumed it
	loggedIn  bool
}

// newChallenge is the greeting's challenge: uppercase hex of SHA-1 over 256
// random bytes, 40 characters, as racoon2 makes it.
func newChallenge() string {
	var b [256]byte
	rand.Read(b[:])
	h := sha1.Sum(b[:])
	return strings.ToUpper(hex.EncodeToString(h[:]))
}

// serveConn greets, then handles one command per read of up to 512 bytes,
// as racoon2 does: anything after the first CR of a read is discarded.
func (s *Server) serveConn(c net.Conn) {
	defer func() {
		c.Close()
		s.lnMu.Lock()
		delete(s.conns, c)
		s.lnMu.Unlock()
		s.wg.Done()
	}()
	ss := &session{challenge: newChallenge()}
	if _, err := c.Write(spmdclient.AppendReply(nil, 220, ss.challenge)); err != nil {
		return
	}
	buf := make([]byte, spmdclient.MaxCommand)
	var out []byte
	for {
		n, err := c.Read(buf)
		if n == 0 || err != nil {
			return
		}
		var quit bool
		out, quit = s.handle(ss, buf[:n], out[:0])
		if _, err := c.Write(out); err != nil || quit {
			return
		}
	}
}
