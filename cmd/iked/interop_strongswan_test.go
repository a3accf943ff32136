package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
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
	sw := runCharon(t, charon, swanctl, ss)

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
	writeStrongSwanAuth(t, d, ikedPort, `auth = psk
			id = b.example`, `auth = psk
			id = a.example`)
}

func writeStrongSwanAuth(t *testing.T, d string, ikedPort uint16, local, remote string) {
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
			`+local+`
		}
		remote {
			`+remote+`
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

// The same with RSA certificates issued by one CA: strongSwan loads its
// key, certificate and the CA from its swanctl directories; iked names its
// key pair in my_public_key and the CA in peers_public_key (a trust
// anchor). RFC 7427 signatures and CERT payloads both ways.
func TestKernelInteropStrongSwanCert(t *testing.T) {
	iketest.RequireKernel(t)
	charon := "/usr/lib/ipsec/charon"
	if _, err := os.Stat(charon); err != nil {
		iketest.RequireBinary(t, "charon-is-not-installed")
	}
	swanctl := iketest.RequireBinary(t, "swanctl")
	port := freeUDPPort(t)
	ss, keys := t.TempDir(), t.TempDir()
	ca := newTestCA(t)
	aCert, aKey := ca.issue(t, keys, "a.example")
	bCert, bKey := ca.issue(t, keys, "b.example")
	for _, sub := range []string{"x509", "x509ca", "rsa"} {
		os.MkdirAll(filepath.Join(ss, sub), 0o755)
	}
	copyFile(t, bCert, filepath.Join(ss, "x509", "b.pem"))
	copyFile(t, bKey, filepath.Join(ss, "rsa", "b.key"))
	copyFile(t, ca.path, filepath.Join(ss, "x509ca", "ca.pem"))
	writeStrongSwanAuth(t, ss, port, `auth = pubkey
			certs = b.pem
			id = b.example`, `auth = pubkey
			id = a.example`)
	os.WriteFile(ss+"/strongswan.conf", []byte(strings.Replace(readFile(t, ss+"/strongswan.conf"),
		"load = random", "load = constraints revocation random", 1)), 0o644)
	sw := runCharon(t, charon, swanctl, ss)

	dir := t.TempDir()
	conf := peerConfigAuth(t, dir, "127.0.0.1", "127.0.0.2", "a.example", "b.example", `kmp_auth_method { rsasig; };
		my_public_key x509pem "`+aCert+`" "`+aKey+`";
		peers_public_key x509pem "`+ca.path+`" "";`)
	writeFile(t, conf, strings.Replace(strings.Replace(readFile(t, conf),
		"dst 127.0.0.2;", "dst 127.0.0.2;\n\tupper_layer_protocol \"icmp\";", 1),
		"dst 127.0.0.1;", "dst 127.0.0.1;\n\tupper_layer_protocol \"icmp\";", 1))

	t.Run("iked initiates", func(t *testing.T) {
		d := startInterop(t, conf, port, "-I", "127.0.0.2")
		d.stderr.waitFor(t, `IKE SA established role=initiator`)
		d.stderr.waitFor(t, `CHILD_SA installed`)
		if out := sw("--list-sas"); !strings.Contains(out, "ESTABLISHED") {
			t.Fatalf("strongSwan's view:\n%s", out)
		}
		d.signal(t, syscall.SIGTERM)
		d.wait(t)
		waitNoSAs(t, sw)
	})
	t.Run("strongSwan initiates", func(t *testing.T) {
		d := startInterop(t, conf, port)
		if out := sw("--initiate", "--child", "icmp", "--timeout", "20"); !strings.Contains(out, "initiate completed successfully") {
			t.Fatalf("initiate:\n%s", out)
		}
		d.stderr.waitFor(t, `IKE SA established role=responder`)
		d.signal(t, syscall.SIGTERM)
		d.wait(t)
	})
}

type testCA struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	path string
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "iked interop CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	path := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, path, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	return &testCA{cert: c, key: key, path: path}
}

// issue writes an RSA certificate for name (its DNS name) signed by the CA
// and its PKCS#1 key.
func (ca *testCA) issue(t *testing.T, dir, name string) (certPath, keyPath string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	writeFile(t, certPath, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyPath, string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})))
	os.Chmod(keyPath, 0o600)
	return certPath, keyPath
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// runCharon runs charon with the strongswan.conf and swanctl.conf in ss,
// waits for its vici socket, loads the configuration and returns a swanctl
// runner. charon is stopped, and its log shown on failure, at cleanup.
func runCharon(t *testing.T, charon, swanctl, ss string) func(args ...string) string {
	t.Helper()
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
		c.Dir = ss
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
	return sw
}
