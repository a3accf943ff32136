package main

import (
	"fmt"
	"os"
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

func daemonRun(t *testing.T, kind string) {
	kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "flush")
	d, err := os.MkdirTemp("", "spmd")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(d)
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
