package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike/iketest"
)

// startCharon runs strongSwan's charon with the PSK configuration of
// writeStrongSwan, ESP proposals espProps, and returns a swanctl runner.
// edit, when given, changes swanctl.conf.
func startCharon(t *testing.T, port uint16, espProps string, edit ...func(string) string) func(...string) string {
	t.Helper()
	charon := "/usr/lib/ipsec/charon"
	if _, err := os.Stat(charon); err != nil {
		iketest.RequireBinary(t, "charon-is-not-installed")
	}
	swanctl := iketest.RequireBinary(t, "swanctl")
	ss := t.TempDir()
	writeStrongSwan(t, ss, port)
	sc := strings.Replace(readFile(t, ss+"/swanctl.conf"), "esp_proposals = aes128-sha256", "esp_proposals = "+espProps, 1)
	for _, f := range edit {
		sc = f(sc)
	}
	writeFile(t, ss+"/swanctl.conf", sc)
	// A virtual IP is only noted, not put on an interface (the test bed
	// has none for it).
	writeFile(t, ss+"/strongswan.conf", strings.Replace(readFile(t, ss+"/strongswan.conf"),
		"install_routes = no", "install_routes = no\n\tinstall_virtual_ip = no", 1))
	sw := runCharon(t, charon, swanctl, ss)
	return sw
}

// RFC 7296 1.3.2, 1.3.3, 2.18 against strongSwan: strongSwan rekeys the
// child (with PFS, modp2048) and the IKE SA of iked, then iked, with short
// lifetimes, rekeys both itself; strongSwan keeps one IKE SA with one
// child throughout, so the rekeyed keys (SKEYSEED from the old SK_d, child
// keys with g^ir) agree.
func TestKernelInteropStrongSwanRekey(t *testing.T) {
	iketest.RequireKernel(t)
	port := freeUDPPort(t)
	sw := startCharon(t, port, "aes128-sha256-modp2048")
	dir := t.TempDir()
	psk := filepath.Join(dir, "interop.psk")
	writeFile(t, psk, "interop secret 0123456789")
	os.Chmod(psk, 0o600)
	conf := peerConfigAuth(t, dir, "127.0.0.1", "127.0.0.2", "a.example", "b.example", `kmp_auth_method { psk; };
		pre_shared_key "`+psk+`";
		need_pfs on;
		kmp_sa_lifetime_time 14 sec;`)
	s := strings.Replace(strings.Replace(readFile(t, conf),
		"dst 127.0.0.2;", "dst 127.0.0.2;\n\tupper_layer_protocol \"icmp\";", 1),
		"dst 127.0.0.1;", "dst 127.0.0.1;\n\tupper_layer_protocol \"icmp\";", 1)
	writeFile(t, conf, strings.Replace(s, "ipsec_sa_lifetime_time 3600 sec;", "ipsec_sa_lifetime_time 10 sec;", 1))

	d := startInterop(t, conf, port)
	if out := sw("--initiate", "--child", "icmp", "--timeout", "20"); !strings.Contains(out, "initiate completed successfully") {
		t.Fatalf("initiate:\n%s", out)
	}
	d.stderr.waitFor(t, `CHILD_SA installed`)
	oneEach := func(when string) {
		t.Helper()
		out := sw("--list-sas")
		if strings.Count(out, "ESTABLISHED") != 1 || strings.Count(out, "INSTALLED, TRANSPORT") != 1 {
			t.Fatalf("%s: strongSwan's view:\n%s\niked:\n%s", when, out, d.stderr.String())
		}
	}
	// strongSwan rekeys the child, then the IKE SA.
	sw("--rekey", "--child", "icmp")
	waitCount(t, d, "CHILD_SA installed", 2)
	waitCount(t, d, "CHILD_SA removed", 1)
	oneEach("strongSwan rekeyed the child")
	sw("--rekey", "--ike", "iked")
	d.stderr.waitFor(t, `IKE SA rekeyed .*role=responder`)
	d.stderr.waitFor(t, `IKE SA removed reason="deleted by peer"`)
	oneEach("strongSwan rekeyed the IKE SA")
	// iked rekeys both on its own (soft lifetimes 8-9 s and 11-12.6 s).
	d.stderr.waitFor(t, `IKE SA rekeyed .*role=initiator`)
	waitCount(t, d, "CHILD_SA installed", 3)
	time.Sleep(500 * time.Millisecond)
	oneEach("iked rekeyed")
	log := d.stderr.String()
	for _, bad := range []string{"refused", "failed", "level=ERROR", "[ERROR]", "peer not responding"} {
		if strings.Contains(log, bad) {
			t.Fatalf("%q in iked's log:\n%s", bad, log)
		}
	}
	d.signal(t, syscall.SIGTERM)
	d.wait(t)
	waitNoSAs(t, sw)
}

// waitCount waits until re occurs n times in d's log.
func waitCount(t *testing.T, d *fgDaemon, s string, n int) {
	t.Helper()
	for i := 0; i < 300; i++ {
		if strings.Count(d.stderr.String(), s) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%q never seen %d times:\n%s", s, n, d.stderr.String())
}
