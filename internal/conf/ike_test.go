package conf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

const ikeTestConf = `
interface { ike { 127.0.0.1 port 500; }; spmd { unix "/tmp/spmif"; }; spmd_password "/tmp/pw"; };
default {
	remote { ikev2 { max_retry_to_send 3; interval_to_send 2 sec; times_per_send 2; }; };
	ipsec { ipsec_sa_lifetime_time 3600 sec; };
	policy { ipsec_mode tunnel; };
};
remote peer {
	acceptable_kmp { ikev2; };
	ikev2 {
		my_id fqdn "me.example";
		peers_id ipaddr "127.0.0.2";
		peers_ipaddr 127.0.0.2 port 500;
		kmp_enc_alg { aes256_gcm_16; aes128_cbc; 3des_cbc; };
		kmp_prf_alg { hmac_sha2_256; };
		kmp_hash_alg { hmac_sha2_256; };
		kmp_dh_group { curve25519; modp2048; };
		kmp_auth_method { psk; };
		pre_shared_key "/keys/psk";
		cookie_required on;
	};
};
selector out {
	direction outbound;
	src 10.1.0.0/16;
	dst 10.2.0.0/16 port 80;
	upper_layer_protocol "tcp";
	policy_index pol;
	reqid 5;
};
selector in {
	direction inbound;
	src 10.2.0.0/16;
	dst 10.1.0.0/16;
	policy_index pol;
};
policy pol {
	action auto_ipsec;
	remote_index peer;
	ipsec_index { ipsec_esp; };
	my_sa_ipaddr 127.0.0.1;
	peers_sa_ipaddr 127.0.0.2;
};
ipsec ipsec_esp { sa_index esp_sa; };
sa esp_sa { sa_protocol esp; esp_enc_alg { aes128_cbc; }; esp_auth_alg { hmac_sha2_256; }; };
`

func TestIKEConfigFromRacoon2Conf(t *testing.T) {
	_, ic := loadIKE(t, ikeTestConf)
	p := ic.PeerByName("peer")
	if p == nil {
		t.Fatal("remote peer missing")
	}
	if string(p.PSK) != "secret\n" || p.Auth != ike.AuthPSK {
		t.Errorf("PSK %q auth %v", p.PSK, p.Auth)
	}
	if !p.MyID.Equal(ike.ID{Type: ike.IDFQDN, Data: []byte("me.example")}) ||
		len(p.PeersIDs) != 1 || !p.PeersIDs[0].Equal(ike.IDFromAddr(netip.MustParseAddr("127.0.0.2"))) {
		t.Errorf("IDs %+v %+v", p.MyID, p.PeersIDs)
	}
	want := ike.IKEProposal{
		Encr: []ike.EncrAlg{{ID: 20, KeyBits: 256}, {ID: 12, KeyBits: 128}, {ID: 3}},
		PRF:  []uint16{5}, Integ: []uint16{12}, DH: []uint16{31, 14},
	}
	if !sameProposal(p.Proposal, want) {
		t.Errorf("proposal %+v", p.Proposal)
	}
	if p.Retransmit != (ike.Retransmit{Interval: 2 * time.Second, TimesPerSend: 2, MaxRetry: 3}) {
		t.Errorf("retransmit %+v", p.Retransmit)
	}
	// Built-in IKEv2 defaults (racoon2 Appendix A).
	if p.NonceSize != 32 || p.Lifetime != 86400*time.Second || p.NegoLimit != 600*time.Second ||
		p.DPDDelay != 3600*time.Second || !p.NATTraversal || !p.VerifyID || !p.CookieReq || p.ProposalCheck != ike.ProposalObey {
		t.Errorf("defaults %+v", p)
	}
	if len(p.Addrs) != 1 || p.Addrs[0] != netip.MustParseAddr("127.0.0.2") {
		t.Errorf("peers_ipaddr %v", p.Addrs)
	}
	if len(ic.Children) != 1 {
		t.Fatalf("%d children (only the outbound selector counts)", len(ic.Children))
	}
	ch := ic.Children[0]
	if ch.Selector != "out" || ch.Remote != "peer" || ch.Mode != ike.ModeTunnel || ch.ReqID != 5 ||
		ch.Sel.Proto != 6 || ch.Sel.DstPort != 80 || ch.Sel.Src != netip.MustParsePrefix("10.1.0.0/16") ||
		ch.SALocal != netip.MustParseAddr("127.0.0.1") || ch.SAPeer != netip.MustParseAddr("127.0.0.2") ||
		ch.Lifetime.HardTime != time.Hour || ch.Replay != 32 {
		t.Errorf("child %+v", ch)
	}
	if len(ch.Proposals) != 1 || ch.Proposals[0].Proto != ike.ProtoESP || ch.Proposals[0].Encr[0] != (ike.EncrAlg{ID: 12, KeyBits: 128}) || ch.Proposals[0].Integ[0] != 12 {
		t.Errorf("child proposals %+v", ch.Proposals)
	}
}

func sameProposal(a, b ike.IKEProposal) bool {
	eq := func(x, y []uint16) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if len(a.Encr) != len(b.Encr) {
		return false
	}
	for i := range a.Encr {
		if a.Encr[i] != b.Encr[i] {
			return false
		}
	}
	return eq(a.PRF, b.PRF) && eq(a.Integ, b.Integ) && eq(a.DH, b.DH)
}

type errNotFound string

func (e errNotFound) Error() string { return string(e) + ": not found" }

// racoon2 3.4: every ID type and its wire encoding.
func TestIKEIdentityTypes(t *testing.T) {
	der := selfSignedDER(t)
	pemCert := "-----BEGIN CERTIFICATE-----\n" + base64Lines(der) + "-----END CERTIFICATE-----\n"
	files := map[string]string{"/keyid": "\x01\x02key", "/cert.pem": pemCert}
	o := IKEOptions{ReadFile: func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, errNotFound(p)
	}}
	cert, _ := x509.ParseCertificate(der)
	for _, c := range []struct {
		id   ID
		want ike.ID
	}{
		{ID{Type: IDIPAddr, Value: "192.0.2.1"}, ike.ID{Type: ike.IDIPv4, Data: []byte{192, 0, 2, 1}}},
		{ID{Type: IDIPAddr, Value: "2001:db8::1"}, ike.IDFromAddr(netip.MustParseAddr("2001:db8::1"))},
		{ID{Type: IDFQDN, Value: "host.example"}, ike.ID{Type: ike.IDFQDN, Data: []byte("host.example")}},
		{ID{Type: IDEmail, Value: "user@example.org"}, ike.ID{Type: ike.IDRFC822, Data: []byte("user@example.org")}},
		{ID{Type: IDKeyID, Qual: QualTag, Value: "tag-1"}, ike.ID{Type: ike.IDKeyID, Data: []byte("tag-1")}},
		{ID{Type: IDKeyID, Qual: QualFile, Value: "/keyid"}, ike.ID{Type: ike.IDKeyID, Data: []byte("\x01\x02key")}},
		{ID{Type: IDKeyID, Value: "/keyid"}, ike.ID{Type: ike.IDKeyID, Data: []byte("\x01\x02key")}},
		{ID{Type: IDX509Subject, Value: "/cert.pem"}, ike.ID{Type: ike.IDDERASN1DN, Data: cert.RawSubject}},
	} {
		got, err := identity(c.id, o)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%v %q: got %+v %v, want %+v", c.id.Type, c.id.Value, got, err, c.want)
		}
	}
	if _, err := identity(ID{Type: IDKeyID, Value: "/missing"}, o); err == nil {
		t.Error("missing keyid file accepted")
	}
}

func selfSignedDER(t *testing.T) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "id test", Organization: []string{"racoon2go"}},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func base64Lines(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out string
	for len(s) > 64 {
		out += s[:64] + "\n"
		s = s[64:]
	}
	return out + s + "\n"
}

// proposal_check and kmp_sa_lifetime_byte are honoured by the IKEv2
// engine (extensions: racoon2's IKEv2 ignores both, reference section 1),
// so they reach ike.PeerConfig without the "not implemented" warning.
func TestIKEv2HonouredExtensionsNoWarning(t *testing.T) {
	src := strings.Replace(ikeTestConf, "cookie_required on;", "cookie_required on; proposal_check exact; kmp_sa_lifetime_byte 10 MB;", 1)
	rep, ic := loadIKE(t, src)
	if txt := reportText(rep); strings.Contains(txt, "proposal_check") || strings.Contains(txt, "kmp_sa_lifetime_byte") {
		t.Fatalf("warned about an honoured directive:\n%s", txt)
	}
	p := ic.PeerByName("peer")
	if p.ProposalCheck != ike.ProposalExact || p.LifetimeBytes != 10<<20 {
		t.Fatalf("proposal_check %v, kmp_sa_lifetime_byte %d", p.ProposalCheck, p.LifetimeBytes)
	}
}

// loadIKE loads text as /etc/racoon2.conf with the key file /keys/psk
// and builds its IKEv2 configuration; a load or build error fails t.
func loadIKE(t *testing.T, text string) (*Report, *ike.Config) {
	t.Helper()
	files := map[string]string{"/etc/racoon2.conf": text, "/keys/psk": "secret\n"}
	read := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, errNotFound(p)
	}
	c, rep := Load("/etc/racoon2.conf", Options{ReadFile: read, NoSecretChecks: true, LookupEnv: func(string) (string, bool) { return "", false }})
	if c == nil || rep.HasErrors() {
		t.Fatalf("load: %s", reportText(rep))
	}
	ic, err := c.IKEConfig(KMPIKEv2, IKEOptions{ReadFile: read})
	if err != nil {
		t.Fatal(err)
	}
	return rep, ic
}

// ike_frag_size (our extension, RFC 7383 2.5.1): per remote, merged from
// default{}, 1280 when unset, bounded, IKEv2 only, and dumped.
func TestIKEFragSize(t *testing.T) {
	_, ic := loadIKE(t, ikeTestConf)
	if got := ic.PeerByName("peer").FragmentSize; got != DefaultIKEFragSize {
		t.Errorf("default FragmentSize %d, want %d", got, DefaultIKEFragSize)
	}
	set := strings.Replace(ikeTestConf, "cookie_required on;", "cookie_required on; ike_frag_size 576;", 1)
	if _, ic := loadIKE(t, set); ic.PeerByName("peer").FragmentSize != 576 {
		t.Errorf("ike_frag_size 576: FragmentSize %d", ic.PeerByName("peer").FragmentSize)
	}
	merged := strings.Replace(ikeTestConf, "times_per_send 2;", "times_per_send 2; ike_frag_size 1 KB;", 1)
	if _, ic := loadIKE(t, merged); ic.PeerByName("peer").FragmentSize != 1024 {
		t.Errorf("default{} ike_frag_size 1 KB: FragmentSize %d", ic.PeerByName("peer").FragmentSize)
	}
	for _, tc := range []struct{ src, want string }{
		{`remote r { ikev2 { ike_frag_size 575; }; };`, "t.conf:1:20: error: ike_frag_size must be 576 to 65535 bytes, not 575"},
		{`remote r { ikev2 { ike_frag_size 64 KB; }; };`, "ike_frag_size must be 576 to 65535 bytes, not 65536"},
		{`remote r { ikev1 { ike_frag_size 1280; }; };`, "ike_frag_size is not allowed in ikev1{}"},
	} {
		_, r := load(t, tc.src)
		if !strings.Contains(reportText(r), tc.want) {
			t.Errorf("%s: want error %q:\n%s", tc.src, tc.want, reportText(r))
		}
	}
	c, _ := mustLoad(t, strings.Replace(minimal, `pre_shared_key "/psk";`, `pre_shared_key "/psk"; ike_frag_size 1400;`, 1))
	var b strings.Builder
	if err := c.Dump(&b); err != nil || !strings.Contains(b.String(), "ike_frag_size 1400 bytes;") {
		t.Errorf("dump (%v):\n%s", err, b.String())
	}
}

// RFC 7296 1.7: IKEv2 has no SA bundles. An ipsec{} with AH and ESP gives
// an IKEv2 remote ESP alone (racoon2's AH-or-ESP proposal could leave the
// traffic unencrypted) and IPComp is not negotiated; both are warned about,
// once per ipsec{}, at its line.
func TestIKEv2NoBundles_RFC7296_1_7(t *testing.T) {
	text := strings.Replace(ikeTestConf, `ipsec ipsec_esp { sa_index esp_sa; };`,
		`ipsec ipsec_esp { sa_index { ah_sa; esp_sa; comp_sa; }; };
sa ah_sa { sa_protocol ah; ah_auth_alg { hmac_sha1; }; };
sa comp_sa { sa_protocol ipcomp; ipcomp_alg { deflate; }; };`, 1)
	rep, ic := loadIKE(t, text)
	txt := reportText(rep)
	for _, want := range []string{
		"ipsec ipsec_esp: IKEv2 cannot negotiate an AH+ESP bundle (RFC 7296 1.7); with remote peer iked uses only ESP (sa esp_sa), not sa ah_sa",
		"ipsec ipsec_esp: IPComp is not negotiated by IKEv2 (as in racoon2); with remote peer sa comp_sa is ignored",
	} {
		if strings.Count(txt, want) != 1 {
			t.Errorf("want one warning %q:\n%s", want, txt)
		}
	}
	ch := ic.ChildBySelector("out")
	if ch == nil || len(ch.Proposals) != 1 || ch.Proposals[0].Proto != ike.ProtoESP {
		t.Fatalf("proposals %+v, want ESP alone", ch)
	}
	// Alternatives across ipsec_index entries are not bundles.
	alt := strings.Replace(ikeTestConf, `ipsec_index { ipsec_esp; };`, `ipsec_index { ipsec_esp; ipsec_ah; };`, 1) +
		"ipsec ipsec_ah { sa_index ah_sa; };\nsa ah_sa { sa_protocol ah; ah_auth_alg { hmac_sha1; }; };\n"
	rep, ic = loadIKE(t, alt)
	if ch := ic.ChildBySelector("out"); len(ch.Proposals) != 2 || ch.Proposals[1].Proto != ike.ProtoAH || strings.Contains(reportText(rep), "bundle") {
		t.Fatalf("alternatives: %+v\n%s", ch.Proposals, reportText(rep))
	}
}
