package conf

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func diskOpts() Options {
	o := memOpts(nil)
	o.ReadFile, o.Glob = nil, nil
	return o
}

func TestIncludeRelativeGlobAndEnv(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.conf":     `include "sub/*.conf"; include "$[CONFD]/x.conf";`,
		"sub/a.conf":    `selector a { direction outbound; };`,
		"sub/b.conf":    `selector b { direction outbound; };`,
		"other/x.conf":  `selector x { direction outbound; };`,
		"sub/skip.conf": `selector skip { direction outbound; };`,
	})
	o := diskOpts()
	o.LookupEnv = func(k string) (string, bool) { return filepath.Join(dir, "other"), k == "CONFD" }
	c, r := Load(filepath.Join(dir, "main.conf"), o)
	if r.HasErrors() {
		t.Fatal(reportText(r))
	}
	var names []string
	for _, s := range c.Selectors {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "a,b,skip,x" || len(c.Files) != 5 {
		t.Errorf("selectors %v files %v", names, c.Files)
	}
}

func TestIncludeErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"missing.conf": "\n  include \"nope.conf\";",
		"cycle.conf":   `include "cycle2.conf";`,
		"cycle2.conf":  `include "cycle.conf";`,
		"var.conf":     `setval { D "/x"; }; include "${D}/a.conf";`,
		"deep.conf":    `include "deep.conf";`,
		"nested.conf":  `remote r { include "x"; };`,
	})
	for _, tc := range []struct{ file, want string }{
		{"missing.conf", "missing.conf:2:11: error: glob found no matches"},
		{"cycle.conf", "include cycle"},
		{"var.conf", "${...} cannot be used in an include path"},
		{"deep.conf", "include cycle"},
		{"nested.conf", "not a directive of remote r"},
	} {
		_, r := Load(filepath.Join(dir, tc.file), diskOpts())
		if !strings.Contains(reportText(r), tc.want) {
			t.Errorf("%s: %q lacks %q", tc.file, reportText(r), tc.want)
		}
	}
}

func TestIncludeDepthLimit(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i := 0; i < 12; i++ {
		files[filepath.Base(filepath.Join(dir, "f"+string(rune('a'+i))+".conf"))] = `include "f` + string(rune('a'+i+1)) + `.conf";`
	}
	files["fm.conf"] = ""
	writeFiles(t, dir, files)
	_, r := Load(filepath.Join(dir, "fa.conf"), diskOpts())
	if !hasError(r, "nested too deeply") {
		t.Errorf("no depth error: %s", reportText(r))
	}
}

func TestMissingMainFile(t *testing.T) {
	c, r := Load(filepath.Join(t.TempDir(), "none.conf"), diskOpts())
	if c != nil || !r.HasErrors() || !strings.Contains(reportText(r), "none.conf") {
		t.Errorf("cfg %v report %q", c, reportText(r))
	}
}

// racoon2 builds the setval table after reading everything, so a value
// may be used before its setval.
func TestSetvalForwardReferenceAndExpansion(t *testing.T) {
	c, r := mustLoad(t, `
selector "${N}1" { direction outbound; src "${NET}"; dst 10.9.0.0/16 port any; };
setval { N "s"; NET "${BASE}.0/24"; BASE "10.1.2"; };`)
	s := c.Selector("s1")
	if s == nil || s.Src[0].Prefix.String() != "10.1.2.0/24" {
		t.Fatalf("selector %+v\n%s", s, reportText(r))
	}
	if len(r.Diags) != 1 { // only "no policy_index"
		t.Errorf("diagnostics: %s", reportText(r))
	}
}

func TestSetvalErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`setval { X "${Y}"; Y "${X}"; }; selector "${X}" { };`, "does not terminate"},
		{`setval { B "x"; };`, "reserved word"},
		{`selector "${NOPE}" { };`, "${NOPE} is not defined"},
		{`selector "$[NOPE]" { };`, "$[NOPE] is not set"},
		{`selector "${OPEN" { };`, "unterminated"},
		{`setval { A "1"; }; setval { B "2"; };`, "duplicate setval section"},
		{`setval { ip "x"; };`, "reserved word"},
	} {
		_, r := load(t, tc.src)
		if !hasError(r, tc.want) {
			t.Errorf("%s: %q lacks %q", tc.src, reportText(r), tc.want)
		}
	}
}

// Appendix A built-ins, the default section and "0 means unset" (1.5).
func TestDefaultsAndZeroMeansUnset(t *testing.T) {
	c, r := mustLoad(t, minimal+`
default {
	remote { ikev2 { kmp_sa_lifetime_time infinite; max_retry_to_send 3; dpd_delay 0; }; ikev1 { nonce_size 20 bytes; }; };
	policy { ipsec_level require; };
	ipsec { ipsec_sa_lifetime_byte 1 MB; };
	sa { esp_auth_alg { hmac_sha2_512; }; };
};
remote r2 { acceptable_kmp { ikev1; ikev2; }; ikev1 { passive on; }; };`)
	_ = r
	v2 := c.Remote("r").IKEv2
	if v2.KMPSALifetimeTime != 86400*time.Second || v2.MaxRetryToSend != 3 || v2.DPDDelay != time.Hour ||
		v2.NonceSize != 32 || v2.VerifyID != On || v2.SelectorCheck != CheckExact || v2.NATTraversal != On ||
		v2.KMPSANegoTimeLimit != 600*time.Second || v2.CookieRequired != Off {
		t.Errorf("ikev2 effective = %+v", v2)
	}
	if c.Remote("r").IKEv1 != nil {
		t.Errorf("remote r accepts only ikev2 but got an ikev1 block")
	}
	v1 := c.Remote("r2").IKEv1
	if v1 == nil || v1.Passive != On || v1.NonceSize != 20 || v1.KMPSALifetimeTime != 28800*time.Second ||
		v1.ExchangeMode != ModeMain || v1.ProposalCheck != CheckStrict || v1.DPD != On || v1.DPDMaxFail != 5 {
		t.Errorf("ikev1 effective = %+v", v1)
	}
	if c.Remote("r2").IKEv2 == nil || c.Remote("r2").IKEv2.MaxRetryToSend != 3 {
		t.Errorf("r2 ikev2 from default = %+v", c.Remote("r2").IKEv2)
	}
	p := c.Policy("p")
	if p.IPsecMode != ModeTunnel || p.Install != On || p.IPsecLevel != LevelRequire {
		t.Errorf("policy %+v", p)
	}
	if ip := c.IPsec("i"); ip.IPsecSALifetimeTime != time.Hour || ip.IPsecSALifetimeByte != 1<<20 {
		t.Errorf("ipsec %+v", ip)
	}
	if s := c.SA("e"); s.ESPAuthAlg[0].Name != "hmac_sha1" {
		t.Errorf("sa %+v", s)
	}
	if c.DefaultRemote == nil || c.DefaultRemote.IKEv2.NonceSize != 32 || c.Default.Remote.IKEv2.NonceSize != 0 {
		t.Errorf("default remote merged %+v written %+v", c.DefaultRemote.IKEv2, c.Default.Remote.IKEv2)
	}
	if !c.NATTraversal() {
		t.Error("NATTraversal() = false with the built-in nat_traversal on")
	}
}

func TestResolvedReferences(t *testing.T) {
	c, _ := mustLoad(t, minimal)
	s := c.Selector("out")
	if s.Policy == nil || s.Policy.Remote != c.Remote("r") || len(s.Policy.IPsecs) != 1 || s.Policy.IPsecs[0].SAs[0] != c.SA("e") || !c.Remote("r").Used {
		t.Errorf("references not resolved: %+v", s.Policy)
	}
}

// Cross-reference and consistency checks. Each case is minimal plus or
// minus something; want is a substring of an error (or of a warning when
// warn is set).
func TestChecks(t *testing.T) {
	for _, tc := range []struct {
		name, edit, want string
		warn             bool
	}{
		{"missing policy (q16)", `selector x { direction outbound; src 10.0.0.1; dst 10.0.0.2; policy_index nosuch; };`, "no policy for nosuch", false},
		{"missing remote", `policy p2 { action auto_ipsec; remote_index nosuch; ipsec_index i; }; selector y { direction outbound; src 1.1.1.1; dst 2.2.2.2; policy_index p2; };`, "no remote for nosuch", false},
		{"missing ipsec", `policy p2 { action auto_ipsec; remote_index r; ipsec_index nosuch; }; selector y { direction outbound; src 1.1.1.1; dst 2.2.2.2; policy_index p2; };`, "no ipsec for nosuch", false},
		{"missing sa", `ipsec i2 { sa_index nosuch; }; policy p2 { action auto_ipsec; remote_index r; ipsec_index i2; }; selector y { direction outbound; src 1.1.1.1; dst 2.2.2.2; policy_index p2; };`, "no sa for nosuch", false},
		{"two esp", `sa e2 { sa_protocol esp; esp_enc_alg aes128_cbc; esp_auth_alg hmac_sha1; }; ipsec i2 { sa_index { e; e2; }; }; policy p2 { action auto_ipsec; remote_index r; ipsec_index i2; }; selector y { direction outbound; src 1.1.1.1; dst 2.2.2.2; policy_index p2; };`, "multiple esp defined", false},
		{"no reverse selector", `selector y { direction outbound; src 1.1.1.1; dst 2.2.2.2; policy_index p; };`, "no inbound selector", true},
		{"unreferenced sa unchecked (q14)", `sa junk { sa_protocol esp; spi -5; };`, "", false},
		{"unknown protocol", `selector y { direction inbound; src 1.1.1.1; dst 2.2.2.2; upper_layer_protocol "icmp6"; };`, "unknown protocol icmp6", false},
		{"icmp numbers on tcp", `selector y { upper_layer_protocol tcp 1; };`, "only icmp", false},
		{"illegal dh number", `remote z { ikev2 { kmp_dh_group 7; }; };`, "illegal dh group number 7", false},
		{"bad keyword value", `policy z { action maybe; };`, "action wants one of", false},
		{"unquoted keyword name (q04)", `remote esp { };`, "reserved word", false},
		{"unknown directive", `policy z { colour red; };`, "not a directive of policy z", false},
		{"kink directive in ikev2", `remote z { ikev2 { my_principal "x"; }; };`, "my_principal is not allowed in ikev2", false},
		{"duplicate alg list (q13)", `remote z { ikev2 { kmp_enc_alg aes128_cbc; kmp_enc_alg 3des_cbc; }; };`, "algorithm list already defined", false},
		{"unimplemented", `remote z { ikev2 { send_cert on; }; };`, "send_cert in ikev2{} is not implemented", true},
		{"unimplemented but zero", `remote z { ikev2 { kmp_sa_lifetime_byte infinite; max_padlen 0; }; };`, "", false},
		{"ikev1 only main mode", `remote z { acceptable_kmp ikev1; ikev1 { exchange_mode aggressive; }; };`, "only exchange_mode main", true},
		{"missing ; at block end", `policy z { action none }; `, "missing ';'", false},
		{"ipv4 range nospace (q06)", `addresspool x { 10.0.0.1-10.0.0.9; };`, "spaces around", false},
		{"mixed family range", `addresspool x { 10.0.0.1 - fd00::1; };`, "mixes address families", false},
		{"bad address", `selector y { src "1.2.3.4/99"; };`, "invalid address", false},
		{"port out of range", `selector y { src 1.2.3.4 port 70000; };`, "out of range", false},
		{"unknown service", `selector y { src 1.2.3.4 port nosuchservice; };`, "unknown service", false},
		{"single script needs ;;", `remote z { ikev2 { script phase1_up "/x"; passive on; }; };`, "needs \";;\"", true},
		{"interface fqdn", `interface { ike { www.example.com; }; };`, "host name", false},
		{"interface spmd tcp", `interface { spmd { 127.0.0.1 port 9555; }; };`, "unix sockets only", true},
		{"duplicate interface (q12)", `interface { ike MY_IP; }; interface { kink MY_IP; };`, "duplicate interface section", false},
		{"lexed but no grammar (7.2.16)", `remote z { ikev2 { max_ip4_alloc 5; }; };`, "max_ip4_alloc", false},
		{"ikev2 first duplicate wins", `remote z { ikev2 { passive on; passive off; }; };`, "the first one (line", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, r := load(t, minimal+tc.edit)
			switch {
			case tc.want == "":
				if r.HasErrors() {
					t.Errorf("unexpected errors:\n%s", reportText(r))
				}
			case tc.warn:
				if !hasWarning(r, tc.want) {
					t.Errorf("no warning %q:\n%s", tc.want, reportText(r))
				}
			default:
				if !hasError(r, tc.want) {
					t.Errorf("no error %q:\n%s", tc.want, reportText(r))
				}
			}
		})
	}
}

// Each used remote must be complete: remove one piece of minimal at a time.
func TestUsedRemoteNeeds(t *testing.T) {
	for _, tc := range []struct{ drop, want string }{
		{`my_id fqdn "a.example";`, "ikev2 needs my_id"},
		{`kmp_enc_alg { aes128_cbc; };`, "needs kmp_enc_alg"},
		{`kmp_prf_alg { hmac_sha2_256; };`, "needs kmp_prf_alg"},
		{`kmp_dh_group { modp2048; };`, "needs kmp_dh_group"},
		{`pre_shared_key "/psk";`, "psk needs pre_shared_key"},
		{`kmp_auth_method { psk; };`, "needs kmp_auth_method"},
		{`kmp_hash_alg { hmac_sha2_256; };`, "needs kmp_hash_alg"},
	} {
		src := strings.Replace(minimal, tc.drop, "", 1)
		_, r := load(t, src)
		if !hasError(r, tc.want) {
			t.Errorf("without %s: no error %q:\n%s", tc.drop, tc.want, reportText(r))
		}
		// Not used by a selector: only a warning that the remote is idle.
		idle := strings.Replace(src, "policy_index p;", "", 2)
		if _, r := load(t, idle); r.HasErrors() {
			t.Errorf("idle remote without %s gives errors:\n%s", tc.drop, reportText(r))
		}
	}
}

func TestAlgorithmChecks(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"kmp_hash_alg { hmac_sha2_256; }", "kmp_hash_alg { sha1; }", "sha1 is a hash algorithm; kmp_hash_alg wants integrity"},
		{"kmp_enc_alg { aes128_cbc; }", "kmp_enc_alg { aes_ctr; }", "aes_ctr needs a key length"},
		{"kmp_enc_alg { aes128_cbc; }", "kmp_enc_alg { aes128_cbc,256; }", "fixed key length"},
		{"kmp_enc_alg { aes128_cbc; }", "kmp_enc_alg { blowfish_cbc; }", "not supported here"},
		{"kmp_dh_group { modp2048; }", "kmp_dh_group { ec2n155; }", "not supported here"},
		{"kmp_prf_alg { hmac_sha2_256; }", "kmp_prf_alg { des_mac; }", "not supported here"},
		{"kmp_auth_method { psk; }", "kmp_auth_method { rsasig; }", "needs my_public_key"},
		{"esp_auth_alg { hmac_sha1; }", "esp_auth_alg { md5; }", "md5 is a hash algorithm"},
		{"esp_enc_alg { aes128_cbc; }; esp_auth_alg { hmac_sha1; }", "esp_enc_alg { aes128_cbc; }", "esp needs esp_auth_alg"},
	} {
		_, r := load(t, strings.Replace(minimal, tc.from, tc.to, 1))
		if !hasError(r, tc.want) {
			t.Errorf("%s: no error %q:\n%s", tc.to, tc.want, reportText(r))
		}
	}
}

// Extensions: AEADs, ChaCha20-Poly1305, ECP and Curve25519 groups, with
// their IANA numbers (RFC 4106, RFC 7634, RFC 5903, RFC 8031).
func TestExtensionKeywords(t *testing.T) {
	src := strings.NewReplacer(
		"kmp_enc_alg { aes128_cbc; };", "kmp_enc_alg { aes_gcm_16,256; chacha20_poly1305; aes128_gcm_12; };",
		"kmp_hash_alg { hmac_sha2_256; };", "",
		"kmp_dh_group { modp2048; };", "kmp_dh_group { 19; 20; 21; 31; curve25519; };",
		"esp_enc_alg { aes128_cbc; }; esp_auth_alg { hmac_sha1; };", "esp_enc_alg { aes256_gcm_16; chacha20_poly1305; };",
	).Replace(minimal)
	c, r := mustLoad(t, src)
	k := c.Remote("r").IKEv2
	ids := func(l []Algorithm, f func(*AlgInfo) uint16) []uint16 {
		var out []uint16
		for _, a := range l {
			out = append(out, f(a.Info()))
		}
		return out
	}
	if got := ids(k.EncAlg, func(a *AlgInfo) uint16 { return a.Encr }); len(got) != 3 || got[0] != 20 || got[1] != 28 || got[2] != 19 {
		t.Errorf("enc ids %v", got)
	}
	if k.EncAlg[0].Bits() != 256 || k.EncAlg[2].Bits() != 128 || k.EncAlg[0].Info().ICV != 16 {
		t.Errorf("key lengths %d %d", k.EncAlg[0].Bits(), k.EncAlg[2].Bits())
	}
	if got := ids(k.DHGroup, func(a *AlgInfo) uint16 { return a.Group }); len(got) != 5 || got[0] != 19 || got[1] != 20 || got[2] != 21 || got[3] != 31 || got[4] != 31 {
		t.Errorf("groups %v", got)
	}
	if hasWarning(r, "esp_auth_alg") || r.HasErrors() {
		t.Errorf("diagnostics:\n%s", reportText(r))
	}
	for _, a := range Algorithms() {
		if a.Extension && !reserved[a.Name] {
			t.Errorf("%s is not reserved", a.Name)
		}
	}
}

func TestAlgorithmTableIANA(t *testing.T) {
	// RFC 7296 3.3.2 / RFC 4868 numbers for racoon2's own keywords.
	for _, tc := range []struct {
		name                  string
		encr, prf, integ, grp uint16
	}{
		{"3des_cbc", 3, 0, 0, 0}, {"aes256_cbc", 12, 0, 0, 0}, {"aes_ctr", 13, 0, 0, 0}, {"null_enc", 11, 0, 0, 0},
		{"hmac_sha1", 0, 2, 2, 0}, {"hmac_sha2_256", 0, 5, 12, 0}, {"hmac_sha2_512", 0, 7, 14, 0},
		{"aes_xcbc", 0, 4, 5, 0}, {"aes_cmac", 0, 8, 8, 0}, {"modp1536", 0, 0, 0, 5}, {"modp8192", 0, 0, 0, 18},
	} {
		a, ok := LookupAlgorithm(tc.name)
		if !ok || a.Encr != tc.encr || a.PRF != tc.prf || a.Integ != tc.integ || a.Group != tc.grp {
			t.Errorf("%s = %+v", tc.name, a)
		}
	}
}

func TestMacroExpansion(t *testing.T) {
	c, r := mustLoad(t, `interface { ike { MY_IP port 500; MY_IPV6_GLOBAL port 4500; MY_IPV6_LINKLOCAL; MY_IP%eth0 port 501; MY_IPV4; 192.0.2.99; }; spmd { unix "/s"; }; };`)
	var got []string
	for _, a := range c.Interface.IKE {
		got = append(got, a.String())
	}
	want := "0.0.0.0:500 [::]:500 [2001:db8::10]:4500 [fe80::10%eth0]:0 192.0.2.10:501 [2001:db8::10]:501 [fe80::10%eth0]:501 0.0.0.0:0 192.0.2.99:0"
	if strings.Join(got, " ") != want {
		t.Errorf("IKE =\n%s\nwant\n%s\n%s", strings.Join(got, " "), want, reportText(r))
	}
	_, r = load(t, `interface { ike { MY_IP%nosuch; }; };`)
	if !hasWarning(r, "matches no address") {
		t.Errorf("no warning: %s", reportText(r))
	}
	c, _ = mustLoad(t, `remote x { };`)
	if len(c.Interface.IKE) != 2 {
		t.Errorf("default listen = %v", c.Interface.IKE)
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	good, weak := filepath.Join(dir, "good.psk"), filepath.Join(dir, "weak.psk")
	os.WriteFile(good, []byte("k"), 0o600)
	os.WriteFile(weak, []byte("k"), 0o644)
	os.Chmod(weak, 0o644)
	run := func(psk string, uid int) *Report {
		src := strings.Replace(minimal, `"/psk"`, `"`+psk+`"`, 1)
		o := memOpts(map[string]string{"t.conf": src})
		o.NoSecretChecks = false
		o.UID = uid
		_, r := Load("t.conf", o)
		return r
	}
	me := os.Geteuid()
	if r := run(good, me); r.HasErrors() {
		t.Errorf("good file refused:\n%s", reportText(r))
	}
	if r := run(weak, me); !hasError(r, "weak.psk") || !hasError(r, "weak file permission") {
		t.Errorf("weak file accepted:\n%s", reportText(r))
	}
	if r := run(good, me+1); !hasError(r, "owned by uid") {
		t.Errorf("foreign owner accepted:\n%s", reportText(r))
	}
	if r := run(filepath.Join(dir, "none.psk"), me); !hasError(r, "none.psk") {
		t.Errorf("missing psk accepted:\n%s", reportText(r))
	}
	// spmd_password: weak is an error, missing only a warning (q17).
	o := memOpts(map[string]string{"t.conf": `interface { spmd_password "` + weak + `"; };`})
	o.NoSecretChecks, o.UID = false, me
	if _, r := Load("t.conf", o); !hasError(r, "spmd_password file") {
		t.Errorf("weak spmd_password accepted:\n%s", reportText(r))
	}
}

func TestDiagFormat(t *testing.T) {
	d := Diag{File: "f.conf", Line: 3, Col: 7, Msg: "boom"}
	if d.String() != "f.conf:3:7: error: boom" {
		t.Error(d.String())
	}
	d.Warning = true
	if d.String() != "f.conf:3:7: warning: boom" {
		t.Error(d.String())
	}
	_, r := load(t, "policy p { action none };\npolicy q { action bogus; };")
	var b bytes.Buffer
	n, err := r.WriteTo(&b)
	if err != nil || n != int64(b.Len()) || strings.Count(b.String(), "\n") != len(r.Diags) || r.Errors() != 2 {
		t.Errorf("WriteTo %d %v:\n%s", n, err, b.String())
	}
	if !strings.HasPrefix(b.String(), "t.conf:1:24: error: syntax error: missing ';' before '}'") {
		t.Errorf("first diagnostic: %s", b.String())
	}
}

func TestErrorLimit(t *testing.T) {
	_, r := load(t, strings.Repeat("bogus;\n", 200))
	if r.Errors() != 200 || len(r.Diags) != maxErrors || !strings.Contains(reportText(r), "150 more") {
		t.Errorf("errors %d diags %d", r.Errors(), len(r.Diags))
	}
}

func TestTrace(t *testing.T) {
	var tr bytes.Buffer
	o := memOpts(map[string]string{"t.conf": minimal})
	o.Trace = &tr
	Load("t.conf", o)
	if !strings.Contains(tr.String(), "t.conf:2:1: remote r { 2 statements };") {
		t.Errorf("trace:\n%s", tr.String())
	}
}

func TestConfigFileSafety(t *testing.T) {
	p := filepath.Join(t.TempDir(), "w.conf")
	os.WriteFile(p, []byte("remote r { };\n"), 0o666)
	os.Chmod(p, 0o666)
	o := diskOpts()
	o.NoSecretChecks, o.UID = false, os.Geteuid()+1
	_, r := Load(p, o)
	if !hasWarning(r, "writable by group or others") || !hasWarning(r, "racoon2 refuses such a file") || r.HasErrors() {
		t.Errorf("diagnostics:\n%s", reportText(r))
	}
}

func TestIncludeInMemory(t *testing.T) {
	c, r := Load("t.conf", memOpts(map[string]string{
		"t.conf":     `include "inc/*.conf"; selector z { };`,
		"inc/b.conf": `selector b { };`,
		"inc/a.conf": `selector a { };`,
	}))
	if r.HasErrors() || len(c.Selectors) != 3 || c.Selectors[0].Name != "a" || c.Files[1] != "inc/a.conf" {
		t.Errorf("%v %v\n%s", c.Selectors, c.Files, reportText(r))
	}
}

// sa sections reached from a selector (racoon2's IPSEC_CONF/SA_CONF checks).
func TestSAChecks(t *testing.T) {
	for _, tc := range []struct {
		sa, want string
		warn     bool
	}{
		{`sa e { esp_enc_alg aes128_cbc; esp_auth_alg hmac_sha1; };`, "lacks sa_protocol", false},
		{`sa e { sa_protocol ah; };`, "ah needs ah_auth_alg", false},
		{`sa e { sa_protocol ah; ah_auth_alg hmac_sha1; esp_enc_alg aes128_cbc; };`, "esp_enc_alg is not used with sa_protocol ah", true},
		{`sa e { sa_protocol ipcomp; };`, "ipcomp needs ipcomp_alg", false},
		{`sa e { sa_protocol ipcomp; ipcomp_alg deflate; };`, "", false},
		{`sa e { sa_protocol ipcomp; ipcomp_alg aes128_cbc; };`, "wants compression", false},
		{`sa e { sa_protocol esp; esp_enc_alg aes_gcm_16,128; esp_auth_alg hmac_sha1; };`, "not used with combined-mode", true},
		{`sa e { sa_protocol esp; esp_enc_alg aes_gcm_16,100; };`, "128, 192 or 256", false},
		{`sa e { sa_protocol esp; esp_enc_alg aes128_cbc; esp_auth_alg hmac_sha1; spi 0x100000000; };`, "spi 4294967296 out of range", false},
		{`sa e { sa_protocol esp; esp_enc_alg aes128_cbc; esp_auth_alg hmac_sha1; ipcomp_alg lzs; };`, "ipcomp_alg is not used", true},
	} {
		src := strings.Replace(minimal, "sa e { sa_protocol esp; esp_enc_alg { aes128_cbc; }; esp_auth_alg { hmac_sha1; }; };", tc.sa, 1)
		_, r := load(t, src)
		switch {
		case tc.want == "":
			if r.HasErrors() {
				t.Errorf("%s:\n%s", tc.sa, reportText(r))
			}
		case tc.warn && !hasWarning(r, tc.want), !tc.warn && !hasError(r, tc.want):
			t.Errorf("%s: no %q:\n%s", tc.sa, tc.want, reportText(r))
		}
	}
}

func TestSyntaxRecovery(t *testing.T) {
	_, r := load(t, "remote a { } x;\nremote b { ikev2 { passive maybe; }; };\n}\nselector c { direction sideways; };")
	for _, want := range []string{"t.conf:1:14: error: syntax error: missing ';' after '}'", "t.conf:2:28: error: syntax error: passive wants on or off", "t.conf:3:1: error: syntax error: unexpected '}'", "t.conf:4:24: error: syntax error: direction wants one of inbound, outbound"} {
		if !strings.Contains(reportText(r), want) {
			t.Errorf("missing %q in:\n%s", want, reportText(r))
		}
	}
}

// MY_IP%iface with the host's own interfaces (no fake): loopback exists
// everywhere the tests run.
func TestHostAddrs(t *testing.T) {
	o := memOpts(map[string]string{"t.conf": `interface { ike { MY_IPV4%lo port 500; }; };`})
	o.Addrs = nil
	c, r := Load("t.conf", o)
	if r.HasErrors() {
		t.Fatal(reportText(r))
	}
	if len(c.Interface.IKE) == 0 && !hasWarning(r, "matches no address") {
		t.Errorf("no address and no warning: %v", c.Interface.IKE)
	}
}

func TestUnimplementedZeroIsQuiet(t *testing.T) {
	_, r := load(t, `remote z { ikev2 { kmp_sa_lifetime_byte infinite; }; ikev1 { max_padlen 0; }; };`)
	if hasWarning(r, "not implemented") {
		t.Errorf("warning for a zero value:\n%s", reportText(r))
	}
}

func TestUndefinedSectionNameDropsSection(t *testing.T) {
	c, r := load(t, `remote "${NOPE}" { }; selector "${NOPE}" { };`)
	if !hasError(r, "${NOPE} is not defined") || len(c.Remotes) != 0 || len(c.Selectors) != 0 || r.Errors() != 2 {
		t.Errorf("remotes %v selectors %v\n%s", c.Remotes, c.Selectors, reportText(r))
	}
}

func TestNoHostAddrs(t *testing.T) {
	o := memOpts(map[string]string{"t.conf": `interface { ike { MY_IP%eth0; MY_IPV4 port 500; }; };`})
	o.NoHostAddrs = true
	o.Addrs = func() ([]IfaceAddr, error) { t.Fatal("Addrs called"); return nil, nil }
	c, r := Load("t.conf", o)
	if len(r.Diags) != 0 || len(c.Interface.IKE) != 1 || c.Interface.IKE[0].String() != "0.0.0.0:500" {
		t.Errorf("IKE %v\n%s", c.Interface.IKE, reportText(r))
	}
}
