package spmdclient

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

const testChallenge = "0123456789ABCDEF0123456789ABCDEF01234567"

var testPassword = []byte("\x01\xfesecret\n")

// testDir makes a short private directory (unix socket paths are short).
func testDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "spmif")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func writePassword(t *testing.T, dir string, pw []byte) string {
	t.Helper()
	p := filepath.Join(dir, "spmd.pwd")
	if err := os.WriteFile(p, pw, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// script is one scripted server connection.
type script struct {
	t *testing.T
	c net.Conn
}

// expect reads exactly want with a single read: one command per write.
func (s *script) expect(want string) {
	s.t.Helper()
	buf := make([]byte, 1024)
	s.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := s.c.Read(buf)
	if err != nil || string(buf[:n]) != want {
		s.t.Fatalf("server read %q (%v), want %q", buf[:n], err, want)
	}
}

// quiet checks that the client sends nothing more for a while: it waits
// for our reply before writing the next command.
func (s *script) quiet() {
	s.t.Helper()
	buf := make([]byte, 64)
	s.c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, err := s.c.Read(buf); err == nil {
		s.t.Fatalf("client wrote %q before the reply", buf[:n])
	}
}

func (s *script) send(b string) {
	s.t.Helper()
	if _, err := s.c.Write([]byte(b)); err != nil {
		s.t.Fatal(err)
	}
}

// fakeServer accepts connections and hands each to the test.
func fakeServer(t *testing.T, path string) <-chan *script {
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan *script, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			ch <- &script{t: t, c: c}
		}
	}()
	return ch
}

func next(t *testing.T, ch <-chan *script) *script {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("client did not connect")
	}
	return nil
}

func newTestClient(t *testing.T, paths []string, pwfile string) *Client {
	c := New(Config{Paths: paths, PasswordFile: pwfile, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Timeout: 2 * time.Second})
	c.Start()
	t.Cleanup(func() { c.Close() })
	return c
}

// onFakeServer starts a client whose one path is a fake spmd in a fresh
// directory, with the test password.
func onFakeServer(t *testing.T) (*Client, <-chan *script) {
	t.Helper()
	d := testDir(t)
	srv := fakeServer(t, filepath.Join(d, "s"))
	return newTestClient(t, []string{filepath.Join(d, "s")}, writePassword(t, d, testPassword)), srv
}

func login(s *script) {
	s.send("220 " + testChallenge + "\r\n")
	s.expect("LOGIN 41ED93557A9D9DCB4631A12CECE385A2498B1F65\r\n")
	s.send("250 OK\r\n")
}

type res struct {
	sel string
	err error
}

// Reference section 5: the exact bytes iked sends and the replies it reads.
func TestClientConformance(t *testing.T) {
	d := testDir(t)
	pw := writePassword(t, d, testPassword)
	srv := fakeServer(t, filepath.Join(d, "s"))
	c := newTestClient(t, []string{filepath.Join(d, "missing"), filepath.Join(d, "s")}, pw)
	s := next(t, srv)
	login(s)

	out := make(chan res, 8)
	c.SLID(17, func(sel string, err error) { out <- res{sel, err} })
	c.PolicyAdd(ike.PolicyRequest{
		Selector: "rw_out", Lifetime: 3600, Mode: ike.ModeTunnel,
		Src: netip.MustParsePrefix("10.0.0.0/24"), Dst: netip.MustParsePrefix("192.168.7.5/32"),
		SASrc: netip.MustParseAddr("198.51.100.1"), SADst: netip.MustParseAddr("203.0.113.9"),
	}, func(err error) { out <- res{"add", err} })
	c.PolicyDelete(ike.PolicyRequest{
		Selector: "rw6", Mode: ike.ModeTransport,
		Src: netip.MustParsePrefix("2001:db8::1/128"), Dst: netip.MustParsePrefix("2001:db8::2/128"),
	}, func(err error) { out <- res{"del", err} })
	c.Migrate("rw_out", netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("203.0.113.9"),
		netip.MustParseAddr("198.51.100.2"), netip.MustParseAddr("203.0.113.9"), func(err error) { out <- res{"mig", err} })

	s.expect("SLID 17\r\n")
	s.quiet()
	s.send("250 rw_in\r\n")
	s.expect("POLICY ADD rw_out 3600 tunnel 10.0.0.0/24 192.168.7.5/32 198.51.100.1 203.0.113.9\r\n")
	s.quiet()
	s.send("250 Policy Added rw_out and rw_in\r\n")
	s.expect("POLICY DELETE rw6 transport 2001:db8::1/128 2001:db8::2/128\r\n")
	s.send("550 Operation Failed, selector not found\r\n")
	s.expect("MIGRATE rw_out 198.51.100.1 203.0.113.9 198.51.100.2 203.0.113.9\r\n")
	s.send("500 Syntax Error\r\n") // what racoon2's spmd always answers

	if r := <-out; r.sel != "rw_in" || r.err != nil {
		t.Fatalf("SLID: %+v", r)
	}
	if r := <-out; r.err != nil {
		t.Fatalf("POLICY ADD: %v", r.err)
	}
	var re *ReplyError
	if r := <-out; !errors.As(r.err, &re) || re.Code != 550 || re.Command != "POLICY DELETE" || re.Text != "Operation Failed, selector not found" {
		t.Fatalf("POLICY DELETE: %v", r.err)
	}
	if r := <-out; !errors.As(r.err, &re) || !re.Syntax() {
		t.Fatalf("MIGRATE: %v", r.err)
	}
	// Close says QUIT.
	go c.Close()
	s.expect("QUIT\r\n")
	s.send("250 BYE\r\n")
}

// Reference section 5.2: SLID succeeds on an exact 250 only.
func TestClientSLIDRefused(t *testing.T) {
	c, srv := onFakeServer(t)
	s := next(t, srv)
	login(s)
	out := make(chan res, 2)
	c.SLID(0, func(sel string, err error) { out <- res{sel, err} })
	s.expect("SLID 0\r\n")
	s.send("251 strange\r\n")
	var re *ReplyError
	if r := <-out; !errors.As(r.err, &re) || re.Code != 251 {
		t.Fatalf("got %+v", r)
	}
}

func TestClientBadLogin(t *testing.T) {
	c, srv := onFakeServer(t)
	s := next(t, srv)
	s.send("220 " + testChallenge + "\r\n")
	s.expect("LOGIN 41ED93557A9D9DCB4631A12CECE385A2498B1F65\r\n")
	s.send("550 FAILED(Internal Error)\r\n")
	// The client gives up on this connection and tries again later.
	s2 := next(t, srv)
	login(s2)
	out := make(chan res, 1)
	c.SLID(8, func(sel string, err error) { out <- res{sel, err} })
	s2.expect("SLID 8\r\n")
	s2.send("250 a\r\n")
	if r := <-out; r.sel != "a" {
		t.Fatalf("got %+v", r)
	}
}

func TestClientMalformedReply(t *testing.T) {
	for name, bad := range map[string]string{
		"lf only":    "250 x\n",
		"no code":    "OK\r\n",
		"empty slid": "250 \r\n",
	} {
		t.Run(name, func(t *testing.T) {
			c, srv := onFakeServer(t)
			s := next(t, srv)
			login(s)
			out := make(chan res, 2)
			c.SLID(1, func(sel string, err error) { out <- res{sel, err} })
			s.expect("SLID 1\r\n")
			s.send(bad)
			if r := <-out; !errors.Is(r.err, ErrMalformed) {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

// A dropped connection is reconnected, and the command in flight is sent
// again on the new connection.
func TestClientReconnect(t *testing.T) {
	c, srv := onFakeServer(t)
	s := next(t, srv)
	login(s)
	waitUp(t, c, true)
	s.c.Close() // spmd goes away while idle
	waitUp(t, c, false)
	s = next(t, srv)
	login(s)
	out := make(chan res, 2)
	c.SLID(24, func(sel string, err error) { out <- res{sel, err} })
	s.expect("SLID 24\r\n")
	s.c.Close() // and again, with a command outstanding
	s = next(t, srv)
	login(s)
	s.expect("SLID 24\r\n")
	s.send("250 b\r\n")
	if r := <-out; r.sel != "b" || r.err != nil {
		t.Fatalf("got %+v", r)
	}
	// A command whose connection breaks twice fails with ErrConnection.
	c.SLID(25, func(sel string, err error) { out <- res{sel, err} })
	s.expect("SLID 25\r\n")
	s.c.Close()
	s = next(t, srv)
	login(s)
	s.expect("SLID 25\r\n")
	s.c.Close()
	if r := <-out; !errors.Is(r.err, ErrConnection) {
		t.Fatalf("got %+v", r)
	}
}

func waitUp(t *testing.T, c *Client, up bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if c.Connected() == up {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("client never got connected=%v", up)
}

// Callbacks go through Post, never straight from the I/O goroutine.
func TestClientPost(t *testing.T) {
	d := testDir(t)
	srv := fakeServer(t, filepath.Join(d, "s"))
	posted := make(chan func(), 4)
	c := New(Config{Paths: []string{filepath.Join(d, "s")}, PasswordFile: writePassword(t, d, testPassword),
		Post: func(f func()) bool { posted <- f; return true }})
	c.Start()
	defer c.Close()
	s := next(t, srv)
	login(s)
	called := false
	c.SLID(3, func(string, error) { called = true })
	s.expect("SLID 3\r\n")
	s.send("250 x\r\n")
	f := <-posted
	if called {
		t.Fatal("callback ran before the loop ran it")
	}
	f()
	if !called {
		t.Fatal("posted function did not run the callback")
	}
}

func TestClientInvalidRequest(t *testing.T) {
	c := New(Config{})
	out := make(chan error, 3)
	c.PolicyAdd(ike.PolicyRequest{Selector: "a b", Mode: ike.ModeTransport}, func(err error) { out <- err })
	c.PolicyAdd(ike.PolicyRequest{Selector: "a", Mode: ike.ModeTunnel,
		Src: netip.MustParsePrefix("10.0.0.1/32"), Dst: netip.MustParsePrefix("10.0.0.2/32")}, func(err error) { out <- err })
	c.PolicyDelete(ike.PolicyRequest{Selector: "a", Mode: ike.ModeAny,
		Src: netip.MustParsePrefix("10.0.0.1/32"), Dst: netip.MustParsePrefix("10.0.0.2/32")}, func(err error) { out <- err })
	for range 3 {
		if err := <-out; err == nil {
			t.Fatal("invalid request accepted")
		}
	}
}

func TestClientCloseFailsQueued(t *testing.T) {
	d := testDir(t)
	c := newTestClient(t, []string{filepath.Join(d, "none")}, writePassword(t, d, testPassword))
	out := make(chan res, 1)
	c.SLID(1, func(sel string, err error) { out <- res{sel, err} })
	c.Close()
	if r := <-out; !errors.Is(r.err, ErrClosed) {
		t.Fatalf("got %+v", r)
	}
	c.SLID(2, func(sel string, err error) { out <- res{sel, err} })
	if r := <-out; !errors.Is(r.err, ErrClosed) {
		t.Fatalf("after close: %+v", r)
	}
}

func TestReadPassword(t *testing.T) {
	d := testDir(t)
	p := writePassword(t, d, testPassword)
	if b, err := ReadPassword(p); err != nil || string(b) != string(testPassword) {
		t.Fatalf("%q %v", b, err)
	}
	os.Chmod(p, 0o640)
	if _, err := ReadPassword(p); !errors.Is(err, ErrWeakPerm) {
		t.Fatalf("0640: %v", err)
	}
	if _, err := ReadPassword(d); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("directory: %v", err)
	}
	if _, err := ReadPassword(filepath.Join(d, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
}

func TestCheckPrivateDir(t *testing.T) {
	d := testDir(t)
	if err := CheckPrivateDir(d); err != nil {
		t.Fatal(err)
	}
	os.Chmod(d, 0o755)
	if err := CheckPrivateDir(d); !errors.Is(err, ErrWeakPerm) {
		t.Fatalf("0755: %v", err)
	}
	f := writePassword(t, d, nil)
	if err := CheckPrivateDir(f); !errors.Is(err, ErrNotDir) {
		t.Fatalf("file: %v", err)
	}
}

var _ io.Closer = (*Client)(nil)
var _ = strings.Contains
