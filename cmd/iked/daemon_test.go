package main

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/racoon2go/iked/internal/daemon/daemontest"
	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// lockedBuffer is a log destination tests can read while the daemon writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls until the log contains s.
func (l *lockedBuffer) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(l.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("log never contained %q:\n%s", s, l.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type fakePolicy struct{ closed bool }

func (*fakePolicy) SLID(uint32, func(string, error))            {}
func (*fakePolicy) PolicyAdd(ike.PolicyRequest, func(error))    {}
func (*fakePolicy) PolicyDelete(ike.PolicyRequest, func(error)) {}
func (p *fakePolicy) Close() error                              { p.closed = true; return nil }

func freeUDPPort(t *testing.T) uint16 {
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

func ikev2Header(tag byte) []byte {
	b := make([]byte, 28)
	b[0] = tag
	b[17] = 0x20
	return b
}

// harness runs the daemon in this process with fake backends.
type harness struct {
	sigs     chan os.Signal
	log      *lockedBuffer
	kernel   *iketest.Kernel
	policies []*fakePolicy
	mu       sync.Mutex
	engines  []*daemontest.Engine
	loadErr  error
	exit     chan int
	port     uint16
}

func (h *harness) engine(i int) *daemontest.Engine {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engines[i]
}

func (h *harness) nEngines() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.engines)
}

func startHarness(t *testing.T, hang bool, extra ...string) *harness {
	t.Helper()
	h := &harness{sigs: make(chan os.Signal, 1), log: &lockedBuffer{}, kernel: iketest.NewKernel(0x100),
		exit: make(chan int, 1), port: freeUDPPort(t)}
	sa := &ike.SA{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2"), Proto: ike.ProtoESP, SPI: 0x2000}
	h.kernel.AddSA(sa)
	b := backends{
		load: func(path string, _ io.Writer) (*config, string, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.loadErr != nil {
				return nil, "test.conf:3:1: error: " + h.loadErr.Error() + "\n", h.loadErr
			}
			return &config{Listen: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}}, "test.conf:9:1: warning: w\n", nil
		},
		kernel: func(name string, _ *slog.Logger) (ike.Kernel, error) { return h.kernel, nil },
		policy: func(*config, func(func()) bool, *slog.Logger) (ike.PolicyService, io.Closer, error) {
			p := &fakePolicy{}
			h.mu.Lock()
			h.policies = append(h.policies, p)
			h.mu.Unlock()
			return p, p, nil
		},
		engines: func(cfg *config, env ike.Env) ([]ike.Engine, error) {
			e := &daemontest.Engine{V: 2, Env: env, HangShutdown: hang,
				SAs: []ike.SAID{{Src: sa.Src, Dst: sa.Dst, Proto: sa.Proto, SPI: sa.SPI}}}
			h.mu.Lock()
			h.engines = append(h.engines, e)
			h.mu.Unlock()
			return []ike.Engine{e}, nil
		},
	}
	a := &app{b: b, stdout: io.Discard, stderr: h.log, sigs: h.sigs}
	args := append([]string{"-F", "-p", strconv.Itoa(int(h.port)), "-f", "test.conf"}, extra...)
	go func() { h.exit <- a.run(args) }()
	h.log.waitFor(t, "iked started")
	return h
}

func (h *harness) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	h.sigs <- sig
	select {
	case code := <-h.exit:
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("daemon did not stop")
	}
}

func TestInProcessLifecycle(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := startHarness(t, false, "-S", "2sel")
	if !strings.Contains(h.log.String(), "[WARNING]: test.conf:9:1: warning: w") {
		t.Errorf("configuration warning not logged:\n%s", h.log.String())
	}
	peer, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(h.port)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	peer.Write(ikev2Header(1))
	deadline := time.Now().Add(5 * time.Second)
	for {
		pk, _, _, init, _ := h.engine(0).Snapshot()
		if len(pk) == 1 && len(init) == 1 && init[0] == "2sel" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine got packets %v, initiations %v", pk, init)
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.kernel.Inject(&ike.Acquire{Seq: 1})

	h.sigs <- syscall.SIGUSR1
	h.log.waitFor(t, "[INFO]: status: engines: 1")
	h.log.waitFor(t, "status: datagrams: received 1")

	// SIGHUP with a broken configuration: teardown (the peer gets the
	// engine's Delete, the kernel loses the SA), the errors are logged,
	// the old configuration stays and a new engine runs.
	h.mu.Lock()
	h.loadErr = errors.New("syntax error near '}'")
	h.mu.Unlock()
	h.sigs <- syscall.SIGHUP
	h.log.waitFor(t, "new configuration rejected; keeping the old one")
	h.log.waitFor(t, "configuration reloaded")
	if !strings.Contains(h.log.String(), "[ERROR]: test.conf:3:1: error: syntax error") {
		t.Errorf("configuration error not logged:\n%s", h.log.String())
	}
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	n, err := peer.Read(buf)
	if err != nil || !bytes.Equal(buf[:n], daemontest.DeleteMessage(2)) {
		t.Fatalf("peer got % x, %v", buf[:n], err)
	}
	if h.kernel.Count() != 0 {
		t.Fatalf("kernel SAs left after SIGHUP: %d", h.kernel.Count())
	}
	// The manual: a restarted spmd is found again by SIGHUP.
	h.log.waitFor(t, "reconnected to spmd")
	h.mu.Lock()
	if len(h.policies) != 2 || !h.policies[0].closed {
		t.Errorf("spmd connections %d, first closed: %v", len(h.policies), h.policies[0].closed)
	}
	h.mu.Unlock()
	if h.nEngines() != 2 {
		t.Fatalf("engines built: %d, want 2", h.nEngines())
	}
	_, ev, _, _, _ := h.engine(0).Snapshot()
	if len(ev) != 1 {
		t.Fatalf("kernel events %v", ev)
	}
	// The daemon still serves on the old sockets.
	peer.Write(ikev2Header(2))
	for deadline = time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if pk, _, _, _, _ := h.engine(1).Snapshot(); len(pk) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("new engine got no packet")
		}
	}

	h.stop(t, syscall.SIGTERM)
	if _, _, _, _, n := h.engine(1).Snapshot(); n != 1 {
		t.Fatalf("engine shut down %d times", n)
	}
	if !h.policies[1].closed {
		t.Error("spmd connection not closed")
	}
	for _, s := range []string{"[NOTICE]: received SIGTERM; exiting", "IKE SAs torn down", "iked exiting"} {
		if !strings.Contains(h.log.String(), s) {
			t.Errorf("log lacks %q", s)
		}
	}
}

// A peer that never answers costs at most the 2-second grace.
func TestInProcessShutdownGrace(t *testing.T) {
	defer goleak.VerifyNone(t)
	h := startHarness(t, true)
	start := time.Now()
	h.stop(t, syscall.SIGINT)
	if el := time.Since(start); el < ike.ShutdownGrace || el > ike.ShutdownGrace+time.Second {
		t.Fatalf("stopped after %v", el)
	}
	if !strings.Contains(h.log.String(), "did not answer the Delete in time") {
		t.Fatalf("log:\n%s", h.log.String())
	}
}

func TestInProcessStartFailures(t *testing.T) {
	defer goleak.VerifyNone(t)
	// As if no backend were built in, whatever wiring files exist.
	savedS := spmdDialer
	spmdDialer = nil
	defer func() { spmdDialer = savedS }()
	badKernel := func(_ string, log *slog.Logger) (ike.Kernel, error) { return openKernel("bogus", log) }
	for _, c := range []struct {
		name string
		b    backends
		args []string
		want string
	}{
		{"bad config", backends{load: func(string, io.Writer) (*config, string, error) {
			return nil, "x.conf:1:1: error: bad\n", errors.New("1 error")
		}}, nil, "iked: failed reading configuration: 1 error"},
		{"no kernel", backends{load: okConfig, kernel: badKernel, policy: dialSpmd}, nil, "use -D 8"},
		{"no spmd", backends{load: okConfig, kernel: func(string, *slog.Logger) (ike.Kernel, error) {
			return iketest.NewKernel(0), nil
		}, policy: dialSpmd}, nil, "spmd client is not built into this iked"},
		{"no pcap", backends{load: okConfig}, []string{"-D8", "-P", "x.pcap"}, "-P: packet capture is not built"},
		{"engine error", backends{load: okConfig, engines: func(*config, ike.Env) ([]ike.Engine, error) {
			return nil, errors.New("no proposals")
		}}, []string{"-D", "8"}, "no proposals"},
	} {
		var stderr bytes.Buffer
		a := &app{b: c.b, stdout: io.Discard, stderr: &stderr}
		code := a.run(append([]string{"-F", "-p", strconv.Itoa(int(freeUDPPort(t)))}, c.args...))
		last := stderr.String()
		if i := strings.LastIndex(strings.TrimSuffix(last, "\n"), "\n"); i >= 0 {
			last = last[i+1:]
		}
		if code != 1 || !strings.HasPrefix(last, "iked: ") || !strings.Contains(last, c.want) {
			t.Errorf("%s: exit %d, last line %q, want %q", c.name, code, last, c.want)
		}
	}
}

func okConfig(string, io.Writer) (*config, string, error) {
	return &config{Listen: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}}, "", nil
}

type fakeCapture struct {
	mu     sync.Mutex
	spec   string
	closed bool
}

func (*fakeCapture) Write(time.Time, netip.AddrPort, netip.AddrPort, []byte) {}
func (*fakeCapture) WriteDecrypted(time.Time, netip.AddrPort, netip.AddrPort, []byte, uint8, []byte) {
}
func (c *fakeCapture) Close() error { c.mu.Lock(); c.closed = true; c.mu.Unlock(); return nil }

// -P opens the capture once, hands it to the engines and closes it at exit.
func TestInProcessCapture(t *testing.T) {
	defer goleak.VerifyNone(t)
	fc := &fakeCapture{}
	var got ike.Capture
	b := backends{
		load: okConfig,
		pcap: func(spec string, _ *slog.Logger) (ike.Capture, io.Closer, error) {
			fc.spec = spec
			return fc, fc, nil
		},
		engines: func(_ *config, env ike.Env) ([]ike.Engine, error) { got = env.Capture; return nil, nil },
	}
	sigs := make(chan os.Signal, 1)
	log := &lockedBuffer{}
	a := &app{b: b, stdout: io.Discard, stderr: log, sigs: sigs}
	exit := make(chan int, 1)
	go func() {
		exit <- a.run([]string{"-F", "-D", "8", "-P", "+cap.pcap", "-p", strconv.Itoa(int(freeUDPPort(t)))})
	}()
	log.waitFor(t, "iked started")
	sigs <- syscall.SIGTERM
	if code := <-exit; code != 0 {
		t.Fatalf("exit %d", code)
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.spec != "+cap.pcap" || got != ike.Capture(fc) || !fc.closed {
		t.Fatalf("spec %q, engines got %v, closed %v", fc.spec, got, fc.closed)
	}
}
