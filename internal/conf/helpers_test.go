package conf

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// memOpts loads from memory: no disk, no environment, fixed addresses.
func memOpts(files map[string]string) Options {
	return Options{
		ReadFile: func(p string) ([]byte, error) {
			if s, ok := files[p]; ok {
				return []byte(s), nil
			}
			return nil, os.ErrNotExist
		},
		LookupEnv: func(string) (string, bool) { return "", false },
		Glob: func(pat string) ([]string, error) {
			var out []string
			for name := range files {
				if ok, _ := filepath.Match(pat, name); ok {
					out = append(out, name)
				}
			}
			slices.Sort(out)
			return out, nil
		},
		Addrs:          fakeAddrs,
		NoSecretChecks: true,
		UID:            -1,
	}
}

func fakeAddrs() ([]IfaceAddr, error) {
	return []IfaceAddr{
		{"lo", netip.MustParseAddr("127.0.0.1")},
		{"lo", netip.MustParseAddr("::1")},
		{"eth0", netip.MustParseAddr("192.0.2.10")},
		{"eth0", netip.MustParseAddr("2001:db8::10")},
		{"eth0", netip.MustParseAddr("fe80::10")},
	}, nil
}

// load parses src as the file "t.conf".
func load(t testing.TB, src string) (*Config, *Report) {
	t.Helper()
	return Load("t.conf", memOpts(map[string]string{"t.conf": src}))
}

func reportText(r *Report) string {
	var b strings.Builder
	r.WriteTo(&b)
	return b.String()
}

// mustLoad fails the test on any error.
func mustLoad(t testing.TB, src string) (*Config, *Report) {
	t.Helper()
	c, r := load(t, src)
	if r.HasErrors() || c == nil {
		t.Fatalf("unexpected errors:\n%s", reportText(r))
	}
	return c, r
}

func sharedDir(t testing.TB) string {
	t.Helper()
	dir, _ := os.Getwd()
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			s := filepath.Join(filepath.Dir(d), "shared")
			if _, err := os.Stat(filepath.Join(s, "racoon2-samples")); err == nil {
				return s
			}
			break
		}
	}
	if _, err := os.Stat("/work/shared/racoon2-samples"); err == nil {
		return "/work/shared"
	}
	t.Skip("no ../shared/racoon2-samples")
	return ""
}

func quirk(t *testing.T, name string) (*Config, *Report) {
	t.Helper()
	p := filepath.Join(sharedDir(t), "racoon2-samples", "quirks", name)
	return Load(p, diskOpts())
}

// minimal is a complete IKEv2 PSK tunnel used by several tests.
const minimal = `
remote r {
	acceptable_kmp { ikev2; };
	ikev2 {
		my_id fqdn "a.example";
		peers_id fqdn "b.example";
		peers_ipaddr 192.0.2.2 port 500;
		kmp_enc_alg { aes128_cbc; };
		kmp_hash_alg { hmac_sha2_256; };
		kmp_prf_alg { hmac_sha2_256; };
		kmp_dh_group { modp2048; };
		kmp_auth_method { psk; };
		pre_shared_key "/psk";
	};
};
selector out { direction outbound; src 10.0.0.0/24; dst 10.0.1.0/24; policy_index p; };
selector in { direction inbound; src 10.0.1.0/24; dst 10.0.0.0/24; policy_index p; };
policy p { action auto_ipsec; remote_index r; ipsec_index { i; }; peers_sa_ipaddr 192.0.2.2; my_sa_ipaddr 192.0.2.1; };
ipsec i { ipsec_sa_lifetime_time 1 hour; sa_index e; };
sa e { sa_protocol esp; esp_enc_alg { aes128_cbc; }; esp_auth_alg { hmac_sha1; }; };
`

func contains(s, sub string) bool { return strings.Contains(s, sub) }
