package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/daemon"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
	"github.com/racoon2go/iked/internal/spmdclient"
)

const daemonConf = `setval {
	PSKDIR "%[1]s"; CERTDIR "%[1]s"; PRESHRD_KEY "test.psk"; WILDCARD_PRESHRD_KEY "test.psk";
	MY_FQDN "me.example"; PEERS_FQDN "peer.example"; MY_PRINCIPAL "spmd/me";
	MY_IPADDRESS "192.168.0.1"; PEERS_IPADDRESS "192.168.1.1";
	MY_NET "10.0.0.0/24"; PEERS_NET "10.0.1.0/24";
	MY_GWADDRESS "192.168.0.1"; PEERS_GWADDRESS "192.168.1.1";
	PH1UP_SCR "/bin/true"; PH1DOWN_SCR "/bin/true";
};
interface {
	ike { 192.168.0.1 port 500; };
	spmd { unix "%[1]s/run/spmif"; };
	spmd_password "%[1]s/spmd.pwd";
};
resolver { resolver off; };
include "%[2]s/default.conf";
include "%[2]s/tunnel_ike.conf";
include "%[2]s/transport_ike.conf";
`

// TestKernelDaemon runs spmd as a detached daemon would run (pid file, no
// -F) on racoon2's samples: it installs their policies, serves spmif, and
// on SIGTERM removes its policies and its pid file and exits 0.
func TestKernelDaemon(t *testing.T) {
	iketest.RequireKernel(t)
	for _, kind := range []string{"pfkey", "xfrm"} {
		t.Run(kind, func(t *testing.T) { daemonRun(t, kind) })
	}
}

// writeDaemonConf writes the samples' configuration into a new directory
// and returns the directory.
func writeDaemonConf(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "spmd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	wd, _ := os.Getwd()
	samples := filepath.Join(wd, "..", "..", "internal", "spmd", "testdata", "racoon2")
	pw := []byte("0123456789abcdef")
	os.Mkdir(filepath.Join(d, "run"), 0o700)
	for name, body := range map[string][]byte{
		"racoon2.conf": fmt.Appendf(nil, daemonConf, d, samples), "test.psk": []byte("x\n"), "spmd.pwd": pw,
	} {
		if err := os.WriteFile(filepath.Join(d, name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func daemonRun(t *testing.T, kind string) {
	kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "flush")
	d := writeDaemonConf(t)
	pidfile := filepath.Join(d, "spmd.pid")
	// Pretend to be the child Detach started, with no readiness pipe.
	t.Setenv(daemon.DetachEnv, "1")
	done := make(chan int, 1)
	var stderr strings.Builder
	go func() {
		done <- run([]string{"-f", filepath.Join(d, "racoon2.conf"), "--pidfile", pidfile, "--kernel", kind, "-d"}, os.Stdout, &stderr)
	}()
	sock := filepath.Join(d, "run", "spmif")
	cl := spmdclient.New(spmdclient.Config{Paths: []string{sock}, PasswordFile: filepath.Join(d, "spmd.pwd"),
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	cl.Start()
	defer cl.Close()
	for i := 0; i < 500 && !cl.Connected(); i++ {
		select {
		case code := <-done:
			t.Fatalf("spmd exited %d: %s", code, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if !cl.Connected() {
		t.Fatalf("could not log in to spmd: %s", stderr.String())
	}
	if b, err := os.ReadFile(pidfile); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("pid file %q %v", b, err)
	}
	pol := kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list")
	if n := strings.Count(pol, "\tdir "); n != 5 {
		t.Errorf("%d policies, want 5:\n%s", n, pol)
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after SIGTERM: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("spmd did not stop on SIGTERM")
	}
	if pol := kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list"); strings.Contains(pol, "dir ") {
		t.Errorf("policies left after SIGTERM:\n%s", pol)
	}
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Errorf("pid file left: %v", err)
	}
}

// TestKernelDetach starts spmd as an operator does (it detaches, and the
// parent exits 0 once the daemon is ready), refuses a second instance with
// status 1, and stops it with -k.
func TestKernelDetach(t *testing.T) {
	iketest.RequireKernel(t)
	kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "flush")
	d := writeDaemonConf(t)
	pidfile := filepath.Join(d, "spmd.pid")
	spmd := func(args ...string) (int, string) {
		cmd := exec.Command(os.Args[0], append([]string{"-f", filepath.Join(d, "racoon2.conf"), "--pidfile", pidfile}, args...)...)
		cmd.Env = append(os.Environ(), "SPMD_TEST_MAIN=1")
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}
	if code, out := spmd(); code != 0 {
		t.Fatalf("start: exit %d: %s", code, out)
	}
	b, err := os.ReadFile(pidfile)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 || syscall.Kill(pid, 0) != nil {
		t.Fatalf("no running daemon in the pid file: %q %v", b, err)
	}
	if n := strings.Count(kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list"), "\tdir "); n != 5 {
		t.Errorf("%d policies, want 5", n)
	}
	if code, out := spmd(); code != 1 || !strings.Contains(out, "another instance is running") {
		t.Errorf("second instance: exit %d: %s", code, out)
	}
	if code, out := spmd("-k"); code != 0 {
		t.Fatalf("-k: exit %d: %s", code, out)
	}
	for i := 0; i < 500 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Fatal("daemon still running after -k")
	}
	if pol := kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list"); strings.Contains(pol, "dir ") {
		t.Errorf("policies left after -k:\n%s", pol)
	}
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Errorf("pid file left: %v", err)
	}
}
