package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// peerConfig writes the racoon2.conf of one of two iked on loopback: me
// and peer are 127.0.0.1 and 127.0.0.2 (in some order), with a PSK.
func peerConfig(t *testing.T, dir, me, peer, meName, peerName string) string {
	t.Helper()
	return peerConfigAuth(t, dir, me, peer, meName, peerName, "")
}

// peerConfigAuth is peerConfig with the authentication lines given (PSK
// when auth is empty).
func peerConfigAuth(t *testing.T, dir, me, peer, meName, peerName, auth string) string {
	t.Helper()
	psk := filepath.Join(dir, "psk")
	writeFile(t, psk, "a pre-shared key for both\n")
	if err := os.Chmod(psk, 0o600); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "spmd.pwd"), "secret\n")
	os.Chmod(filepath.Join(dir, "spmd.pwd"), 0o600)
	path := filepath.Join(dir, "racoon2.conf")
	writeFile(t, path, `interface {
	ike { `+me+`; };
	spmd { unix "`+dir+`/spmif"; };
	spmd_password "`+dir+`/spmd.pwd";
};
remote peer {
	acceptable_kmp { ikev2; };
	ikev2 {
		my_id fqdn "`+meName+`";
		peers_id fqdn "`+peerName+`";
		peers_ipaddr `+peer+`;
		kmp_enc_alg { aes128_cbc; };
		kmp_prf_alg { hmac_sha2_256; };
		kmp_hash_alg { hmac_sha2_256; };
		kmp_dh_group { modp2048; };
		`+authLines(auth, psk)+`
	};
};
selector out {
	direction outbound;
	src `+me+`;
	dst `+peer+`;
	policy_index pol;
};
selector in {
	direction inbound;
	src `+peer+`;
	dst `+me+`;
	policy_index pol;
};
policy pol {
	action auto_ipsec;
	remote_index peer;
	ipsec_mode transport;
	ipsec_index { ipsec_esp; };
};
ipsec ipsec_esp { sa_index esp_sa; ipsec_sa_lifetime_time 3600 sec; };
sa esp_sa { sa_protocol esp; esp_enc_alg { aes128_cbc; }; esp_auth_alg { hmac_sha2_256; }; };
`)
	return path
}

// startPeer runs iked -F -D 8 for one side on port, initiating with extra.
func startPeer(t *testing.T, conf string, port uint16, extra ...string) *fgDaemon {
	t.Helper()
	d := &fgDaemon{stdout: newStream(), stderr: newStream(), port: port, done: make(chan error, 1)}
	p := strconv.Itoa(int(port))
	d.cmd = ikedCmd(t, append([]string{"-F", "-D", "8", "-f", conf, "-p", p, "-t", p}, extra...)...)
	d.cmd.Stdout, d.cmd.Stderr = d.stdout, d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.done
	})
	d.stderr.waitFor(t, `iked started`)
	return d
}

// Two iked on 127.0.0.1 and 127.0.0.2 establish an IKE SA and a CHILD_SA
// with PSK (-I at start-up), and SIGTERM deletes them on both sides.
func TestProcessIKEv2PSKEstablishAndDelete(t *testing.T) {
	port := freeUDPPort(t)
	confB := peerConfig(t, t.TempDir(), "127.0.0.2", "127.0.0.1", "b.example", "a.example")
	confA := peerConfig(t, t.TempDir(), "127.0.0.1", "127.0.0.2", "a.example", "b.example")
	b := startPeer(t, confB, port)
	a := startPeer(t, confA, port, "-I", "127.0.0.2")
	a.stderr.waitFor(t, `IKE SA established role=initiator remote=peer`)
	a.stderr.waitFor(t, `CHILD_SA installed selector=out proto=esp mode=transport`)
	b.stderr.waitFor(t, `IKE SA established role=responder remote=peer`)
	b.stderr.waitFor(t, `CHILD_SA installed selector=out proto=esp mode=transport`)

	a.signal(t, syscall.SIGTERM)
	if code := a.wait(t); code != 0 {
		t.Fatalf("initiator exit %d:\n%s", code, a.stderr.String())
	}
	a.stderr.waitFor(t, `CHILD_SA removed`)
	a.stderr.waitFor(t, `IKE SA removed reason=deleted state=DELETING`)
	b.stderr.waitFor(t, `peer deleted the IKE SA`)
	b.stderr.waitFor(t, `CHILD_SA removed`)
	b.stderr.waitFor(t, `IKE SA removed reason="deleted by peer"`)
	time.Sleep(10 * time.Millisecond)
	b.signal(t, syscall.SIGTERM)
	if code := b.wait(t); code != 0 {
		t.Fatalf("responder exit %d", code)
	}
	t.Logf("initiator:\n%s\nresponder:\n%s", a.stderr.String(), b.stderr.String())
}

func authLines(auth, psk string) string {
	if auth != "" {
		return auth
	}
	return `kmp_auth_method { psk; };
		pre_shared_key "` + psk + `";`
}

// writeCert writes a self-signed ECDSA certificate for name (its DNS name)
// and its key as PEM files in dir.
func writeCert(t *testing.T, dir, name string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	writeFile(t, certPath, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyPath, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})))
	os.Chmod(keyPath, 0o600)
	return certPath, keyPath
}

// The same with certificates: each side has its key pair (my_public_key)
// and the other's certificate (peers_public_key), as racoon2.conf names
// them; the IDs are the certificates' DNS names.
func TestProcessIKEv2CertEstablishAndDelete(t *testing.T) {
	port := freeUDPPort(t)
	keys := t.TempDir()
	aCert, aKey := writeCert(t, keys, "a.example")
	bCert, bKey := writeCert(t, keys, "b.example")
	authA := `kmp_auth_method { rsasig; };
		my_public_key x509pem "` + aCert + `" "` + aKey + `";
		peers_public_key x509pem "` + bCert + `" "";`
	authB := `kmp_auth_method { rsasig; };
		my_public_key x509pem "` + bCert + `" "` + bKey + `";
		peers_public_key x509pem "` + aCert + `" "";`
	confB := peerConfigAuth(t, t.TempDir(), "127.0.0.2", "127.0.0.1", "b.example", "a.example", authB)
	confA := peerConfigAuth(t, t.TempDir(), "127.0.0.1", "127.0.0.2", "a.example", "b.example", authA)
	b := startPeer(t, confB, port)
	a := startPeer(t, confA, port, "-S", "out")
	a.stderr.waitFor(t, `IKE SA established role=initiator remote=peer`)
	a.stderr.waitFor(t, `CHILD_SA installed selector=out proto=esp mode=transport`)
	b.stderr.waitFor(t, `IKE SA established role=responder remote=peer`)
	a.signal(t, syscall.SIGTERM)
	if code := a.wait(t); code != 0 {
		t.Fatalf("initiator exit %d:\n%s", code, a.stderr.String())
	}
	b.stderr.waitFor(t, `IKE SA removed reason="deleted by peer"`)
	b.signal(t, syscall.SIGTERM)
	if code := b.wait(t); code != 0 {
		t.Fatalf("responder exit %d", code)
	}
}
