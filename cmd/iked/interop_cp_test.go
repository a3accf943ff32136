package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/racoon2go/iked/internal/ike/iketest"
)

// RFC 7296 2.19 against strongSwan: a strongSwan road warrior asks for a
// virtual IP (vips = 0.0.0.0) and DNS; iked hands out the first address of
// its addresspool with the provide{} DNS server, the leased address
// becomes strongSwan's traffic selector, and the lease ends with the SA.
func TestKernelInteropStrongSwanConfigPayload(t *testing.T) {
	iketest.RequireKernel(t)
	// strongSwan puts the virtual IP next to its IKE address, which must
	// not be on the loopback interface: it gets one on a dummy interface.
	for _, args := range [][]string{{"link", "add", "rw0", "type", "dummy"}, {"addr", "add", "10.99.0.2/32", "dev", "rw0"}, {"link", "set", "rw0", "up"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	t.Cleanup(func() { exec.Command("ip", "link", "del", "rw0").Run() })
	port := freeUDPPort(t)
	sw := startCharon(t, port, "aes128-sha256", func(c string) string {
		c = strings.Replace(c, "mobike = no", "mobike = no\n\t\tvips = 0.0.0.0", 1)
		c = strings.Replace(c, "local_addrs = 127.0.0.2", "local_addrs = 10.99.0.2", 1)
		c = strings.Replace(c, "icmp {", "rw {", 1)
		c = strings.Replace(c, "mode = transport", "mode = tunnel", 1)
		c = strings.Replace(c, "local_ts = 127.0.0.2/32[icmp]", "local_ts = dynamic", 1)
		return strings.Replace(c, "remote_ts = 127.0.0.1/32[icmp]", "remote_ts = 127.0.0.1/32", 1)
	})
	dir := t.TempDir()
	psk := filepath.Join(dir, "interop.psk")
	writeFile(t, psk, "interop secret 0123456789")
	os.Chmod(psk, 0o600)
	writeFile(t, filepath.Join(dir, "spmd.pwd"), "secret\n")
	os.Chmod(filepath.Join(dir, "spmd.pwd"), 0o600)
	conf := filepath.Join(dir, "racoon2.conf")
	writeFile(t, conf, `interface {
	ike { 127.0.0.1; };
	spmd { unix "`+dir+`/spmif"; };
	spmd_password "`+dir+`/spmd.pwd";
};
remote peer {
	acceptable_kmp { ikev2; };
	ikev2 {
		my_id fqdn "a.example";
		peers_id fqdn "b.example";
		peers_ipaddr 10.99.0.2;
		passive on;
		kmp_enc_alg { aes128_cbc; };
		kmp_prf_alg { hmac_sha2_256; };
		kmp_hash_alg { hmac_sha2_256; };
		kmp_dh_group { modp2048; };
		kmp_auth_method { psk; };
		pre_shared_key "`+psk+`";
		provide {
			addresspool rw;
			dns { 10.9.0.1; };
			application_version "racoon2go";
		};
	};
};
addresspool rw { 10.9.0.10 - 10.9.0.20; };
selector out {
	direction outbound;
	src 127.0.0.1/32;
	dst 10.9.0.0/24;
	policy_index pol;
};
selector in {
	direction inbound;
	src 10.9.0.0/24;
	dst 127.0.0.1/32;
	policy_index pol;
};
policy pol {
	action auto_ipsec;
	remote_index peer;
	ipsec_mode tunnel;
	my_sa_ipaddr 127.0.0.1;
	peers_sa_ipaddr 10.99.0.2;
	ipsec_index { ipsec_esp; };
};
ipsec ipsec_esp { sa_index esp_sa; ipsec_sa_lifetime_time 3600 sec; };
sa esp_sa { sa_protocol esp; esp_enc_alg { aes128_cbc; }; esp_auth_alg { hmac_sha2_256; }; };
`)
	d := startInterop(t, conf, port)
	out := sw("--initiate", "--child", "rw", "--timeout", "20")
	if !strings.Contains(out, "initiate completed successfully") {
		t.Fatalf("initiate:\n%s\niked:\n%s", out, d.stderr.String())
	}
	d.stderr.waitFor(t, `address leased pool=rw addr=10.9.0.10`)
	d.stderr.waitFor(t, `CHILD_SA installed selector=out proto=esp mode=tunnel`)
	sas := sw("--list-sas")
	if !strings.Contains(sas, "[10.9.0.10]") || !strings.Contains(sas, "INSTALLED, TUNNEL") || !strings.Contains(sas, "local  10.9.0.10/32") {
		t.Fatalf("strongSwan's view:\n%s", sas)
	}
	sw("--terminate", "--ike", "iked", "--timeout", "20")
	d.stderr.waitFor(t, `address lease ended addr=10.9.0.10`)
	d.signal(t, syscall.SIGTERM)
	d.wait(t)
}
