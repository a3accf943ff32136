package main

import (
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
		kmp_auth_method { psk; };
		pre_shared_key "`+psk+`";
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
	d.cmd = ikedCmd(append([]string{"-F", "-D", "8", "-f", conf, "-p", p, "-t", p}, extra...)...)
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
