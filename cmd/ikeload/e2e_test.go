package main

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike/iketest"
)

// syncBuf collects a child process's output for polling.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ikedBinary returns $IKED_BIN, or builds cmd/iked into a temporary
// directory.
func ikedBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("IKED_BIN"); p != "" {
		return p
	}
	goBin := iketest.RequireBinary(t, "go")
	out := filepath.Join(t.TempDir(), "iked")
	b, err := exec.Command(goBin, "build", "-o", out, "github.com/racoon2go/iked/cmd/iked").CombinedOutput()
	if err != nil {
		t.Fatalf("building iked: %v\n%s", err, b)
	}
	return out
}

func freePort(t *testing.T) uint16 {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

func writePrivate(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startIked runs iked -F -D 8 as responder on 127.0.0.1:port with the
// configuration ikeload prints for it.
func startIked(t *testing.T, psk string) (port uint16, pid int, stderr *syncBuf) {
	t.Helper()
	bin := ikedBinary(t)
	dir := t.TempDir()
	pskPath := filepath.Join(dir, "psk")
	writePrivate(t, pskPath, psk)
	writePrivate(t, filepath.Join(dir, "spmd.pwd"), "unused\n")
	var conf bytes.Buffer
	if err := writeIkedConf(&conf, netip.MustParseAddr("127.0.0.1"), pskPath, dir); err != nil {
		t.Fatal(err)
	}
	confPath := filepath.Join(dir, "racoon2.conf")
	writePrivate(t, confPath, conf.String())
	port = freePort(t)
	p := strconv.Itoa(int(port))
	cmd := exec.Command(bin, "-F", "-D", "8", "-f", confPath, "-p", p, "-t", p, "--pidfile", filepath.Join(dir, "iked.pid"))
	stderr = &syncBuf{}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("iked:\n%s", stderr.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "iked started") {
		if time.Now().After(deadline) {
			t.Fatalf("iked did not start:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return port, cmd.Process.Pid, stderr
}

// ikeload opens 20 IKE SAs, each with a CHILD_SA, against a real iked
// process (-D 8, loopback) and reads its CPU and memory; iked's own log
// must show every one established as responder.
func TestEndToEndIked(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an iked process")
	}
	requireProc(t)
	const psk = "end-to-end secret"
	port, pid, stderr := startIked(t, psk)
	target := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
	cases := []struct {
		name, encr string
		group      uint16
		n          int
	}{
		{"gcm-curve25519", "gcm", 31, 20},
		{"cbc-modp2048", "cbc", 14, 5},
	}
	total := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := run(context.Background(), Params{N: tc.n, Concurrency: 4, Target: target,
				PSK: []byte(psk), Group: tc.group, Encr: tc.encr, IDPrefix: tc.name + "-",
				Timeout: 30 * time.Second, PID: pid})
			if err != nil {
				t.Fatal(err)
			}
			if res.Established != tc.n || res.Children != tc.n || res.Failed != 0 {
				t.Fatalf("established %d children %d failed %d of %d", res.Established, res.Children, res.Failed, tc.n)
			}
			if res.Before == nil || res.After == nil || res.After.CPU < res.Before.CPU || res.After.RSSKiB == 0 {
				t.Fatalf("responder samples: %+v %+v", res.Before, res.After)
			}
			total += tc.n
		})
	}
	// Every SA has its own IDi, so the responder keeps all of them.
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := strings.Count(stderr.String(), "IKE SA established role=responder")
		if got == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("iked logged %d responder SAs, want %d", got, total)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := strings.Count(stderr.String(), "IKE SA removed"); n != 0 {
		t.Errorf("iked removed %d SAs", n)
	}
}

// A wrong PSK fails every negotiation and says so: nothing established,
// all counted as failures, within the time limit.
func TestEndToEndWrongPSK(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an iked process")
	}
	requireProc(t)
	port, pid, _ := startIked(t, "the right one")
	target := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
	res, err := run(context.Background(), Params{N: 3, Concurrency: 3, Target: target,
		PSK: []byte("a wrong one"), Group: 31, Encr: "gcm", IDPrefix: "bad-",
		Timeout: 20 * time.Second, PID: pid})
	if err != nil {
		t.Fatal(err)
	}
	if res.Established != 0 || res.Failed != 3 {
		t.Fatalf("established %d failed %d", res.Established, res.Failed)
	}
	if res.Wall > 15*time.Second {
		t.Errorf("failures took %v: not noticed before the deadline", res.Wall)
	}
}
