package conf

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// genConfig writes n remotes, each with two selectors, a policy, an ipsec
// and an sa section, plus an interface and a default section.
func genConfig(n int) []byte { return genConfigPSK(n, "/etc/racoon2/psk") }

// genConfigPSK is genConfig with the pre-shared key files in pskDir.
func genConfigPSK(n int, pskDir string) []byte {
	var b strings.Builder
	b.WriteString(`interface { ike { MY_IP port 500; MY_IP port 4500; }; spmd { unix "/var/run/racoon2/spmif"; }; };
default {
	remote { acceptable_kmp { ikev2; }; ikev2 {
		kmp_enc_alg { aes128_cbc; aes_gcm_16,256; }; kmp_hash_alg { hmac_sha2_256; };
		kmp_prf_alg { hmac_sha2_256; }; kmp_dh_group { ecp256; 14; }; kmp_auth_method { psk; };
		kmp_sa_lifetime_time 8 hours;
	}; };
	policy { ipsec_mode tunnel; };
	ipsec { ipsec_sa_lifetime_time 1 hour; };
};
`)
	for i := 0; i < n; i++ {
		a, c := i>>8&0xff, i&0xff
		fmt.Fprintf(&b, `remote r%d {
	ikev2 {
		my_id fqdn "gw.example.com";
		peers_id fqdn "peer%d.example.com";
		peers_ipaddr 198.18.%d.%d port 500;
		pre_shared_key "%s/peer%d.psk";
	};
};
selector s%d_out { direction outbound; src 10.0.0.0/16; dst 10.%d.%d.0/24; policy_index p%d; };
selector s%d_in { direction inbound; src 10.%d.%d.0/24; dst 10.0.0.0/16; policy_index p%d; };
policy p%d { action auto_ipsec; remote_index r%d; ipsec_index { i%d; }; peers_sa_ipaddr 198.18.%d.%d; my_sa_ipaddr 192.0.2.1; };
ipsec i%d { sa_index e%d; };
sa e%d { sa_protocol esp; esp_enc_alg { aes256_gcm_16; aes128_cbc; }; esp_auth_alg { hmac_sha2_256; }; };
`, i, i, a, c, pskDir, i, i, a, c, i, i, a, c, i, i, i, i, a, c, i, i, i)
	}
	return []byte(b.String())
}

func BenchmarkLoad10000Remotes(b *testing.B) {
	src := genConfig(10000)
	opts := Options{
		ReadFile:       func(string) ([]byte, error) { return src, nil },
		LookupEnv:      func(string) (string, bool) { return "", false },
		NoSecretChecks: true,
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		cfg, rep := Load("bench.conf", opts)
		if rep.HasErrors() || len(cfg.Remotes) != 10000 {
			var s strings.Builder
			rep.WriteTo(&s)
			b.Fatalf("bad load: %s", s.String()[:min(2000, s.Len())])
		}
	}
}

// writeBenchConfig writes genConfigPSK(n) to dir/racoon2.conf with its n
// key files (mode 0600) in dir/psk, and returns the configuration's path.
func writeBenchConfig(tb testing.TB, dir string, n int) string {
	tb.Helper()
	psk := filepath.Join(dir, "psk")
	if err := os.MkdirAll(psk, 0o700); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if err := os.WriteFile(filepath.Join(psk, fmt.Sprintf("peer%d.psk", i)), []byte("secret\n"), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	path := filepath.Join(dir, "racoon2.conf")
	if err := os.WriteFile(path, genConfigPSK(n, psk), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkCheckConfig10000Remotes is what `iked --check-config -f FILE`
// does with the benchmark configuration: the same options, reading the
// file from disk and checking all 10,000 pre-shared key files.
func BenchmarkCheckConfig10000Remotes(b *testing.B) {
	path := writeBenchConfig(b, b.TempDir(), 10000)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		cfg, rep := Load(path, Options{UID: -1, NoHostAddrs: true})
		if rep.HasErrors() || len(cfg.Remotes) != 10000 {
			b.Fatalf("bad load: %s", reportText(rep))
		}
	}
}

// TestWriteBenchConfig checks that the benchmark configuration (100
// remotes) loads cleanly; with $CONF_BENCH_DIR set it writes the full
// 10,000-remote one there, for timing the whole `iked --check-config`
// process on it.
func TestWriteBenchConfig(t *testing.T) {
	dir, n := os.Getenv("CONF_BENCH_DIR"), 10000
	if dir == "" {
		dir, n = t.TempDir(), 100
	}
	path := writeBenchConfig(t, dir, n)
	cfg, rep := Load(path, Options{UID: -1, NoHostAddrs: true})
	if rep.HasErrors() || cfg == nil || len(cfg.Remotes) != n {
		t.Fatalf("generated configuration does not load: %s", reportText(rep))
	}
	t.Log(path)
}
