package conf

import (
	"strings"
	"testing"
)

// Tests of the issue-2 audit: every directive iked cannot honour yet is a
// warning with file:line, never silence (reference 1.4), and the
// built-in defaults are those of Appendix A.

// warnedAt reports whether r holds a warning on line that contains sub.
func warnedAt(r *Report, line int, sub string) bool {
	for _, d := range r.Diags {
		if d.Warning && d.Line == line && strings.Contains(d.Msg, sub) {
			return true
		}
	}
	return false
}

// warnedAny reports whether any warning contains sub.
func warnedAny(r *Report, sub string) bool {
	for _, d := range r.Diags {
		if d.Warning && strings.Contains(d.Msg, sub) {
			return true
		}
	}
	return false
}

// withIKEv2 puts extra directives (one per line, from line 3) into the
// ikev2{} block of the minimal configuration.
func withIKEv2(extra ...string) string {
	return strings.Replace(minimal, "\tikev2 {\n", "\tikev2 {\n"+strings.Join(extra, "\n")+"\n", 1)
}

// Each of these ikev2{} lines draws a warning on its own line (the
// lines start at 5 in withIKEv2), naming the directive.
func TestUnhonoured_Ref1_4_IKEv2DirectivesWarn(t *testing.T) {
	for _, lines := range [][]string{
		{"logmode debug;", `logfile "/tmp/r.log";`},
		{"selector_check obey;"},
		{"random_pad_content on;", "random_padlen yes;", "max_padlen 50 bytes;"},
		{"kmp_sa_grace_period 30 sec;"},
		{"provide { mip6_home_prefix 2001:db8::/64; };"},
	} {
		_, r := mustLoad(t, withIKEv2(lines...))
		for i, l := range lines {
			kw := strings.Fields(l)[0]
			if kw == "provide" {
				kw = "mip6_home_prefix"
			}
			if !warnedAt(r, 5+i, kw) {
				t.Errorf("no warning for %s on line %d:\n%s", kw, 5+i, reportText(r))
			}
		}
	}
}

// What the engine does anyway is honoured: no warning.
func TestUnhonoured_Ref1_4_EngineBehaviourIsQuiet(t *testing.T) {
	for _, lines := range [][]string{
		{"logmode normal;"},
		{"random_pad_content off;", "random_padlen off;", "max_padlen 0;"},
	} {
		_, r := mustLoad(t, withIKEv2(lines...))
		for _, l := range lines {
			if kw := strings.Fields(l)[0]; warnedAny(r, kw) {
				t.Errorf("warning for honoured %s:\n%s", l, reportText(r))
			}
		}
	}
}

func TestUnhonoured_Ref1_4_SelectorIndexWarns(t *testing.T) {
	src := strings.Replace(minimal, "\tacceptable_kmp { ikev2; };\n", "\tacceptable_kmp { ikev2; };\n\tselector_index \"out\";\n", 1)
	_, r := mustLoad(t, src)
	if !warnedAt(r, 4, "selector_index") {
		t.Errorf("no warning for selector_index:\n%s", reportText(r))
	}
}

func TestUnhonoured_Ref1_4_IKEv1BlockWarns(t *testing.T) {
	src := strings.Replace(minimal, "\tacceptable_kmp { ikev2; };\n",
		"\tacceptable_kmp { ikev2; ikev1; };\n\tikev1 { peers_ipaddr 192.0.2.2; kmp_enc_alg 3des_cbc; kmp_hash_alg sha1; kmp_dh_group modp1024; kmp_auth_method psk; pre_shared_key \"/psk\"; };\n", 1)
	_, r := mustLoad(t, src)
	if !warnedAt(r, 4, "IKEv1") {
		t.Errorf("no warning for the ikev1 block:\n%s", reportText(r))
	}
}

func TestUnhonoured_Ref1_4_PKCS12KeysWarn(t *testing.T) {
	src := strings.Replace(withIKEv2(`my_public_key pkcs12 "/c.p12" "/k.p12";`, `peers_public_key pkcs12 "/p.p12";`),
		"kmp_auth_method { psk; }", "kmp_auth_method { rsasig; }", 1)
	_, r := mustLoad(t, src)
	for i, kw := range []string{"my_public_key", "peers_public_key"} {
		if !warnedAt(r, 5+i, "pkcs12") {
			t.Errorf("no pkcs12 warning for %s on line %d:\n%s", kw, 5+i, reportText(r))
		}
	}
}

func TestUnhonoured_Ref1_4_PeersIPAddrHostAndPortWarn(t *testing.T) {
	src := strings.Replace(minimal, "peers_ipaddr 192.0.2.2 port 500;", "peers_ipaddr { peer.example; 192.0.2.2 port 4500; };", 1)
	_, r := mustLoad(t, src)
	if !warnedAny(r, "peer.example") {
		t.Errorf("no warning for a host name in peers_ipaddr:\n%s", reportText(r))
	}
	if !warnedAny(r, "port 4500") {
		t.Errorf("no warning for the ignored peers_ipaddr port:\n%s", reportText(r))
	}
	// port 500 is what iked sends to by default: nothing to say.
	_, r = mustLoad(t, minimal)
	if warnedAny(r, "peers_ipaddr") {
		t.Errorf("warning for port 500:\n%s", reportText(r))
	}
}

func TestUnhonoured_Ref1_4_IPCompAndBundleWarn(t *testing.T) {
	src := strings.Replace(minimal, "sa_index e;", "sa_index { e; c; a; };", 1) +
		"sa c { sa_protocol ipcomp; ipcomp_alg deflate; };\nsa a { sa_protocol ah; ah_auth_alg hmac_sha1; };\n"
	_, r := mustLoad(t, src)
	if !warnedAny(r, "IPComp") {
		t.Errorf("no warning for an ipcomp sa:\n%s", reportText(r))
	}
	if !warnedAny(r, "bundle") {
		t.Errorf("no warning for an ah+esp bundle:\n%s", reportText(r))
	}
}

func TestUnhonoured_Ref1_4_LaterProposalLifetimeWarns(t *testing.T) {
	src := strings.Replace(minimal, "ipsec_index { i; };", "ipsec_index { i; j; };", 1) +
		"ipsec j { ipsec_sa_lifetime_time 2 hours; sa_index e; };\n"
	_, r := mustLoad(t, src)
	if !warnedAny(r, "lifetime") {
		t.Errorf("no warning for the second proposal's lifetime:\n%s", reportText(r))
	}
}

func TestUnhonoured_Ref1_4_SelectorICMPTypeAndMacroWarn(t *testing.T) {
	src := strings.Replace(minimal, "selector out { direction outbound; src 10.0.0.0/24; dst 10.0.1.0/24;",
		"selector out { direction outbound; src 10.0.0.0/24; dst 10.0.1.0/24; upper_layer_protocol \"icmp\" 8 0;", 1)
	_, r := mustLoad(t, src)
	if !warnedAny(r, "ICMP type") {
		t.Errorf("no warning for the ICMP type/code of an IKEv2 selector:\n%s", reportText(r))
	}
	src = strings.Replace(minimal, "src 10.0.0.0/24; dst 10.0.1.0/24; policy_index p;", "src MY_IPV4; dst 10.0.1.0/24; policy_index p;", 1)
	_, r = mustLoad(t, src)
	if !warnedAny(r, "MY_IPV4") {
		t.Errorf("no warning for a macro in an IKEv2 selector:\n%s", reportText(r))
	}
}

func TestBuiltinDefaults_RefAppA_IKEv2ProposalCheckObey(t *testing.T) {
	c, _ := mustLoad(t, minimal)
	if got := c.Remote("r").IKEv2.ProposalCheck; got != CheckObey {
		t.Errorf("IKEv2 proposal_check = %v, Appendix A says obey", got)
	}
	if got := c.Remote("r").IKEv2.ProposalCheck; got == CheckObey {
		ic, err := c.IKEConfig(KMPIKEv2, IKEOptions{ReadFile: func(string) ([]byte, error) { return []byte("k"), nil }})
		if err != nil || ic.Peers[0].ProposalCheck != proposalCheck(CheckObey) {
			t.Errorf("engine proposal check %v, %v", ic.Peers[0].ProposalCheck, err)
		}
	}
}

func TestUnhonoured_Ref1_4_PeersIPAddrPrefixWarns(t *testing.T) {
	src := strings.Replace(minimal, "peers_ipaddr 192.0.2.2 port 500;", "peers_ipaddr 192.0.2.0/24;", 1)
	_, r := mustLoad(t, src)
	if !warnedAny(r, "prefixes") {
		t.Errorf("no warning for a prefix in peers_ipaddr:\n%s", reportText(r))
	}
}

// iked initiates only with the first acceptable_kmp entry (reference 1.4,
// remote): with kink or ikev1 first, the IKEv2 engine must only respond.
func TestInitiateKMP_Ref1_4_OnlyFirstAcceptableKMPInitiates(t *testing.T) {
	read := IKEOptions{ReadFile: func(string) ([]byte, error) { return []byte("k"), nil }}
	for _, tc := range []struct {
		list    string
		passive bool
		warn    bool
	}{
		{"{ ikev2; kink; }", false, false},
		{"{ kink; ikev2; }", true, false},
		{"{ ikev1; ikev2; }", true, true},
	} {
		src := strings.Replace(minimal, "acceptable_kmp { ikev2; };", "acceptable_kmp "+tc.list+";", 1)
		if strings.Contains(tc.list, "ikev1") {
			src = strings.Replace(src, "\tikev2 {\n", "\tikev1 { peers_ipaddr 192.0.2.2; kmp_enc_alg 3des_cbc; kmp_hash_alg sha1; kmp_dh_group modp1024; kmp_auth_method psk; pre_shared_key \"/psk\"; };\n\tikev2 {\n", 1)
		}
		c, r := mustLoad(t, src)
		ic, err := c.IKEConfig(KMPIKEv2, read)
		if err != nil || len(ic.Peers) != 1 {
			t.Fatalf("%s: %v %v", tc.list, err, ic)
		}
		if ic.Peers[0].Passive != tc.passive {
			t.Errorf("acceptable_kmp %s: IKEv2 passive = %v, want %v", tc.list, ic.Peers[0].Passive, tc.passive)
		}
		if got := warnedAny(r, "initiates"); got != tc.warn {
			t.Errorf("acceptable_kmp %s: warning %v, want %v:\n%s", tc.list, got, tc.warn, reportText(r))
		}
	}
}

// IP_ANY stands for any address of either family (reference 1.4,
// selector src/dst macros): facing an IPv6 prefix it must be ::/0.
func TestChildConfig_Ref1_4_IPAnyTakesOtherSideFamily(t *testing.T) {
	src := strings.Replace(minimal, "src 10.0.0.0/24; dst 10.0.1.0/24; policy_index p;", "src IP_ANY; dst 2001:db8:1::/48; policy_index p;", 1)
	c, _ := mustLoad(t, src)
	ic, err := c.IKEConfig(KMPIKEv2, IKEOptions{ReadFile: func(string) ([]byte, error) { return []byte("k"), nil }})
	if err != nil || len(ic.Children) != 1 {
		t.Fatalf("%v %v", err, ic)
	}
	if got := ic.Children[0].Sel.Src.String(); got != "::/0" {
		t.Errorf("IP_ANY facing an IPv6 dst became %s, want ::/0", got)
	}
}

// 0 and infinite mean "unset" (reference 1.5, 7.2 item 2): where a
// built-in default is not zero, the value written cannot take effect, and
// the loader says so.
func TestZeroMeansUnset_Ref1_5_WarnsWhereBuiltinApplies(t *testing.T) {
	_, r := mustLoad(t, withIKEv2("kmp_sa_lifetime_time infinite;", "dpd_delay 0;", "kmp_sa_grace_period 0;", "kmp_sa_lifetime_byte infinite;"))
	for i, kw := range []string{"kmp_sa_lifetime_time", "dpd_delay"} {
		if !warnedAt(r, 5+i, "means unset") {
			t.Errorf("no 0-means-unset warning for %s on line %d:\n%s", kw, 5+i, reportText(r))
		}
	}
	for i, kw := range []string{"kmp_sa_grace_period", "kmp_sa_lifetime_byte"} {
		if warnedAt(r, 7+i, "means unset") {
			t.Errorf("0-means-unset warning for %s, whose built-in is 0:\n%s", kw, reportText(r))
		}
	}
}

// The rule holds for IPSEC_CONF too: a default ipsec section's lifetime
// replaces one written as 0 or infinite, and the loader says so; with no
// default there is nothing to warn about (0 is no lifetime).
func TestZeroMeansUnset_Ref1_5_IPsecLifetimeFromDefault(t *testing.T) {
	mine := "ipsec i { ipsec_sa_lifetime_time infinite; ipsec_sa_lifetime_byte 0; sa_index e; };"
	src := strings.Replace(minimal, "ipsec i { ipsec_sa_lifetime_time 1 hour; sa_index e; };", mine, 1)
	// A later directive replaces the 0: nothing to warn about.
	again := strings.Replace(src, "ipsec_sa_lifetime_time infinite;", "ipsec_sa_lifetime_time infinite; ipsec_sa_lifetime_time 30 min;", 1)
	if _, r := mustLoad(t, "default { ipsec { ipsec_sa_lifetime_time 2 hours; }; };\n"+again); warnedAny(r, "ipsec_sa_lifetime_time infinite means unset") {
		t.Errorf("warning for a 0 that a later directive replaced:\n%s", reportText(r))
	}
	for _, tc := range []struct {
		dflt       string
		time, byte bool
	}{
		{"", false, false},
		{"default { ipsec { ipsec_sa_lifetime_time 2 hours; }; };\n", true, false},
		{"default { ipsec { ipsec_sa_lifetime_byte 1 MB; }; };\n", false, true},
		// The default section may come after the ipsec section.
		{"", true, true},
	} {
		text := tc.dflt + src
		if tc.dflt == "" && tc.time {
			text = src + "default { ipsec { ipsec_sa_lifetime_time 2 hours; ipsec_sa_lifetime_byte 1 MB; }; };\n"
		}
		_, r := mustLoad(t, text)
		if got := warnedAny(r, "ipsec_sa_lifetime_time infinite means unset in racoon2: the default ipsec section's 2h0m0s applies"); got != tc.time {
			t.Errorf("%q: time warning %v, want %v:\n%s", tc.dflt, got, tc.time, reportText(r))
		}
		if got := warnedAny(r, "ipsec_sa_lifetime_byte 0 means unset in racoon2: the default ipsec section's 1048576 bytes applies"); got != tc.byte {
			t.Errorf("%q: byte warning %v, want %v:\n%s", tc.dflt, got, tc.byte, reportText(r))
		}
	}
}

func TestUnhonoured_Ref1_4_IKEv2SecondAuthMethodWarns(t *testing.T) {
	src := strings.Replace(minimal, "kmp_auth_method { psk; };", "kmp_auth_method { psk; rsasig; };", 1)
	src = strings.Replace(src, `pre_shared_key "/psk";`, `pre_shared_key "/psk"; my_public_key x509pem "/c" "/k"; peers_public_key x509pem "/p";`, 1)
	_, r := mustLoad(t, src)
	if !warnedAt(r, 12, "only the first kmp_auth_method") {
		t.Errorf("no warning for the second IKEv2 auth method:\n%s", reportText(r))
	}
}

// isZeroNumber agrees with parseNumber on what is 0.
func TestIsZeroNumberMatchesParseNumber(t *testing.T) {
	for _, s := range []string{"0", "00", "-0", "0x0", "0X00", "-0x0", "1", "10", "0x10", "x0", "0x", "-", "", "abc", "0abc", "007", "0.0", "٠"} {
		x, ok := parseNumber(token{Kind: tokWord, Text: s})
		if want := ok && x == 0; isZeroNumber(s) != want {
			t.Errorf("isZeroNumber(%q) = %v, parseNumber says %v", s, !want, want)
		}
	}
}
