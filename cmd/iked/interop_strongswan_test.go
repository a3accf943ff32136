package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike/iketest"
)

// strongSwan on 127.0.0.2 (charon, kernel-netlink, in the test bed's
// kernel) and iked on 127.0.0.1 (-D 8) negotiate IKEv2 with PSK in both
// directions; the CHILD_SA covers ICMP only, so that the IKE traffic
// itself is never caught by charon's policies.
func TestKernelInteropStrongSwanPSK(t *testing.T) {
	iketest.RequireKernel(t)
	charon := "/usr/lib/ipsec/charon"
	if _, err := os.Stat(charon); err != nil {
		iketest.RequireBinary(t, "charon-is-not-installed")
	}
	swanctl := iketest.RequireBinary(t, "swanctl")
	port := freeUDPPort(t)
	ss := t.TempDir()
	writeStrongSwan(t, ss, port)
	cmd := exec.Command(charon)
	cmd.Env = append(os.Environ(), "STRONGSWAN_CONF="+ss+"/strongswan.conf")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(ss + "/charon.log")
			t.Logf("charon.log:\n%s", b)
		}
	})
	sw := func(args ...string) string {
		t.Helper()
		c := exec.Command(swanctl, append(args, "--uri", "unix://"+ss+"/charon.vici")...)
		c.Env = append(os.Environ(), "STRONGSWAN_CONF="+ss+"/strongswan.conf")
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("swanctl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(ss + "/charon.vici"); err == nil {
			break
		}
		if i > 100 {
			t.Fatal("charon did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	sw("--load-all", "--file", ss+"/swanctl.conf")

	dir := t.TempDir()
	psk := filepath.Join(dir, "interop.psk")
	writeFile(t, psk, "interop secret 0123456789")
	os.Chmod(psk, 0o600)
	conf := peerConfigAuth(t, dir, "127.0.0.1", "127.0.0.2", "a.example", "b.example", `kmp_auth_method { psk; };
		pre_shared_key "`+psk+`";`)
	writeFile(t, conf, strings.Replace(strings.Replace(readFile(t, conf),
		"dst 127.0.0.2;", "dst 127.0.0.2;\n\tupper_layer_protocol \"icmp\";", 1),
		"dst 127.0.0.1;", "dst 127.0.0.1;\n\tupper_layer_protocol \"icmp\";", 1))

	t.Run("iked initiates", func(t *testing.T) {
		d := startInterop(t, conf, port, "-I", "127.0.0.2")
		d.stderr.waitFor(t, `IKE SA established role=initiator`)
		d.stderr.waitFor(t, `CHILD_SA installed selector=out proto=esp mode=transport`)
		if out := sw("--list-sas"); !strings.Contains(out, "ESTABLISHED") || !strings.Contains(out, "INSTALLED, TRANSPORT") {
			t.Fatalf("strongSwan's view:\n%s", out)
		}
		d.signal(t, syscall.SIGTERM)
		d.wait(t)
		d.stderr.waitFor(t, `IKE SA removed reason=deleted`)
		waitNoSAs(t, sw)
	})
	t.Run("strongSwan initiates", func(t *testing.T) {
		d := startInterop(t, conf, port)
		out := sw("--initiate", "--child", "icmp", "--timeout", "20")
		if !strings.Contains(out, "initiate completed successfully") {
			t.Fatalf("initiate:\n%s", out)
		}
		d.stderr.waitFor(t, `IKE SA established role=responder`)
		d.stderr.waitFor(t, `CHILD_SA installed`)
		sw("--terminate", "--ike", "iked", "--timeout", "20")
		d.stderr.waitFor(t, `IKE SA removed reason="deleted by peer"`)
		d.signal(t, syscall.SIGTERM)
		d.wait(t)
	})
}

func waitNoSAs(t *testing.T, sw func(...string) string) {
	t.Helper()
	for i := 0; i < 50; i++ {
		if !strings.Contains(sw("--list-sas"), "ESTABLISHED") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("strongSwan kept the SA:\n%s", sw("--list-sas"))
}

// startInterop runs iked -F -D 8 on 127.0.0.1:port, targeting port 500.
func startInterop(t *testing.T, conf string, port uint16, extra ...string) *fgDaemon {
	t.Helper()
	d := &fgDaemon{stdout: newStream(), stderr: newStream(), port: port, done: make(chan error, 1)}
	d.cmd = ikedCmd(t, append([]string{"-F", "-D", "8", "-f", conf, "-p", strconv.Itoa(int(port)), "-t", "500"}, extra...)...)
	d.cmd.Stdout, d.cmd.Stderr = d.stdout, d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.done
		if t.Failed() {
			t.Logf("iked:\n%s", d.stderr.String())
		}
	})
	d.stderr.waitFor(t, `iked started`)
	return d
}

func writeStrongSwan(t *testing.T, d string, ikedPort uint16) {
	t.Helper()
	writeFile(t, d+"/strongswan.conf", `charon {
	load = random nonce aes sha1 sha2 hmac kdf pem pkcs1 x509 pubkey gmp curve25519 kernel-netlink socket-default vici
	install_routes = no
	retransmit_tries = 3
	plugins {
		vici {
			socket = unix://`+d+`/charon.vici
		}
	}
	filelog {
		log {
			path = `+d+`/charon.log
			default = 1
			ike = 2
			enc = 1
			knl = 1
			flush_line = yes
		}
	}
}
swanctl {
	socket = unix://`+d+`/charon.vici
}
`)
	writeFile(t, d+"/swanctl.conf", `connections {
	iked {
		version = 2
		local_addrs = 127.0.0.2
		remote_addrs = 127.0.0.1
		remote_port = `+strconv.Itoa(int(ikedPort))+`
		mobike = no
		proposals = aes128-sha256-modp2048
		local {
			auth = psk
			id = b.example
		}
		remote {
			auth = psk
			id = a.example
		}
		children {
			icmp {
				mode = transport
				local_ts = 127.0.0.2/32[icmp]
				remote_ts = 127.0.0.1/32[icmp]
				esp_proposals = aes128-sha256
			}
		}
	}
}
secrets {
	ike-iked {
		id-a = a.example
		id-b = b.example
		secret = "interop secret 0123456789"
	}
}
`)
}
