package ikev2

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Golden messages captured from strongSwan 5.9.8 by
// testdata/ikev2/capture.sh: two IKE SAs (AES-CBC-256 + HMAC-SHA2-256-128
// with MODP 2048, then AES-GCM-16-128 with X25519), each set up with PSK
// authentication, its Child SA rekeyed with PFS, then deleted; the
// responder fragments its larger replies.
const goldenDir = "../../testdata/ikev2"

type golden struct {
	name string
	data []byte
}

func loadGolden(t testing.TB) []golden {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.bin"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden captures in %s: %v", goldenDir, err)
	}
	slices.Sort(files)
	var out []golden
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, golden{filepath.Base(f), b})
	}
	return out
}

// goldenKeys reads keys.txt: per IKE SA, in order, "name hex" lines.
func goldenKeys(t testing.TB) []map[string][]byte {
	f, err := os.Open(filepath.Join(goldenDir, "keys.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sas []map[string][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, h, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		k, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		if name == "d" {
			sas = append(sas, map[string][]byte{})
		}
		sas[len(sas)-1][name] = k
	}
	return sas
}

// RFC 7296 3: every captured datagram decodes, passes the structural
// checks and re-encodes byte for byte.
func TestGoldenRoundTrip(t *testing.T) {
	for _, g := range loadGolden(t) {
		t.Run(g.name, func(t *testing.T) {
			m, err := ParseMessage(g.data)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckProtection(m); err != nil {
				t.Fatal(err)
			}
			if m.Exchange == ExchangeIKESAInit {
				if err := m.Check(); err != nil {
					t.Fatal(err)
				}
			}
			b, err := m.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, g.data) {
				t.Fatalf("re-encoding differs:\n got % x\nwant % x", b, g.data)
			}
		})
	}
}

func ikeSAs(t *testing.T, gs []golden) ([][]*Message, [][]string) {
	var sas [][]*Message
	var names [][]string
	var spis []uint64
	for _, g := range gs {
		m, err := ParseMessage(append([]byte(nil), g.data...))
		if err != nil {
			t.Fatal(err)
		}
		i := slices.Index(spis, m.SPIi)
		if i < 0 {
			spis = append(spis, m.SPIi)
			sas = append(sas, nil)
			names = append(names, nil)
			i = len(sas) - 1
		}
		sas[i] = append(sas[i], m)
		names[i] = append(names[i], g.name)
	}
	return sas, names
}

// goldenSA is what capture.sh set up for each IKE SA, in order.
type goldenSA struct {
	encr, keyBits int    // chosen ENCR transform
	group         uint16 // KE group of the chosen proposal
	keLen         int
	aead          bool
	idType        IDType
	idi, idr      string
	auth          AuthMethod
	certs         bool
}

var goldenSAs = []goldenSA{
	{12, 256, 14, 256, false, IDRFC822Addr, "left@golden.test", "right@golden.test", AuthSharedKeyMIC, false},
	{20, 128, 31, 32, true, IDRFC822Addr, "left@golden.test", "right@golden.test", AuthSharedKeyMIC, false},
	{20, 256, 20, 96, true, IDFQDN, "left.golden.test", "right.golden.test", AuthDigitalSignature, true},
}

// The IKE_SA_INIT pairs: SPIs, the three proposals offered, the one chosen
// and the notifications strongSwan sends (../shared/spec/interop-notes.md).
func TestGoldenIKESAInit(t *testing.T) {
	sas, _ := ikeSAs(t, loadGolden(t))
	if len(sas) != len(goldenSAs) {
		t.Fatalf("%d IKE SAs in the captures", len(sas))
	}
	offered := []Proposal{
		{Protocol: ProtoIKE, Transforms: []Transform{{Type: TransformENCR, ID: 12, Attrs: KeyLengthAttr(256)},
			{Type: TransformINTEG, ID: 12}, {Type: TransformPRF, ID: 5}, {Type: TransformKE, ID: 14}}},
		{Protocol: ProtoIKE, Transforms: []Transform{{Type: TransformENCR, ID: 20, Attrs: KeyLengthAttr(128)},
			{Type: TransformPRF, ID: 5}, {Type: TransformKE, ID: 31}}},
		{Protocol: ProtoIKE, Transforms: []Transform{{Type: TransformENCR, ID: 20, Attrs: KeyLengthAttr(256)},
			{Type: TransformPRF, ID: 6}, {Type: TransformKE, ID: 20}}},
	}
	for n, msgs := range sas {
		want := goldenSAs[n]
		req, resp := msgs[0], msgs[1]
		if req.Exchange != ExchangeIKESAInit || req.IsResponse() || !req.IsInitiator() || req.SPIr != 0 || req.MessageID != 0 {
			t.Fatalf("SA %d request header %+v", n, req.Header)
		}
		if resp.Exchange != ExchangeIKESAInit || !resp.IsResponse() || resp.IsInitiator() || resp.SPIr == 0 || resp.SPIi != req.SPIi {
			t.Fatalf("SA %d response header %+v", n, resp.Header)
		}
		sa := req.Get(PayloadSA).(*SA)
		if len(sa.Proposals) != len(offered) {
			t.Fatalf("SA %d: %d proposals", n, len(sa.Proposals))
		}
		for i, p := range sa.Proposals {
			if p.Num != uint8(i+1) {
				t.Errorf("SA %d: proposal %d numbered %d (RFC 7296 3.3.1)", n, i+1, p.Num)
			}
		}
		for _, w := range offered {
			if !slices.ContainsFunc(sa.Proposals, func(p Proposal) bool { return sameTransforms(p, w) }) {
				t.Errorf("SA %d: no proposal %+v", n, w.Transforms)
			}
		}
		chosen := resp.Get(PayloadSA).(*SA)
		if len(chosen.Proposals) != 1 {
			t.Fatalf("SA %d: response with %d proposals", n, len(chosen.Proposals))
		}
		encr := chosen.Proposals[0].Transforms[0]
		if bits, _ := encr.KeyLength(); encr.Type != TransformENCR || int(encr.ID) != want.encr || bits != want.keyBits {
			t.Errorf("SA %d: chose %+v", n, encr)
		}
		for _, m := range []*Message{req, resp} {
			ke := m.Get(PayloadKE).(*KE)
			if ke.Group != want.group || len(ke.Data) != want.keLen {
				t.Errorf("SA %d: KE group %d with %d bytes", n, ke.Group, len(ke.Data))
			}
			for _, nt := range []NotifyType{NotifyNATDetectionSourceIP, NotifyNATDetectionDestinationIP,
				NotifyIKEv2FragmentationSupported, NotifySignatureHashAlgorithms} {
				if m.Notify(nt) == nil {
					t.Errorf("SA %d response=%v: no %v", n, m.IsResponse(), nt)
				}
			}
			if nd := m.Notify(NotifyNATDetectionSourceIP); len(nd.Data) != 20 {
				t.Errorf("NAT_DETECTION_SOURCE_IP of %d bytes", len(nd.Data))
			}
			if h, ok := m.Notify(NotifySignatureHashAlgorithms).HashAlgorithms(); !ok || !slices.Contains(h, 2) {
				t.Errorf("SA %d: SIGNATURE_HASH_ALGORITHMS %v (RFC 7427 4: SHA2-256 is 2)", n, h)
			}
		}
		if req.Notify(NotifyRedirectSupported) == nil {
			t.Errorf("SA %d request: no REDIRECT_SUPPORTED", n)
		}
		if cr, ok := resp.Get(PayloadCERTREQ).(*CertReq); want.certs && (!ok || cr.Encoding != CertX509Signature) {
			t.Errorf("SA %d: IKE_SA_INIT response CERTREQ %+v", n, cr)
		} else if ok {
			if auths, ok := cr.Authorities(); !ok || len(auths) != 1 {
				t.Errorf("SA %d: CERTREQ authorities %d", n, len(auths))
			}
		}
	}
}

func sameTransforms(p, w Proposal) bool {
	if p.Protocol != w.Protocol || len(p.Transforms) != len(w.Transforms) {
		return false
	}
	for _, wt := range w.Transforms {
		if !slices.ContainsFunc(p.Transforms, func(tr Transform) bool {
			return tr.Type == wt.Type && tr.ID == wt.ID && reflect.DeepEqual(tr.Attrs, wt.Attrs)
		}) {
			return false
		}
	}
	return true
}

// RFC 7296 3.14, RFC 5282, RFC 7383: the captured protected messages open
// with the keys charon logged (AES-CBC + HMAC, AES-GCM-16 with 128- and
// 256-bit keys), fragments reassemble, and the inner payloads pass the rules.
func TestGoldenOpen(t *testing.T) {
	sas, names := ikeSAs(t, loadGolden(t))
	keys := goldenKeys(t)
	if len(keys) != len(sas) || len(sas) != len(goldenSAs) {
		t.Fatalf("%d key sets for %d SAs", len(keys), len(sas))
	}
	var summary []string
	for n, msgs := range sas {
		want, k := goldenSAs[n], keys[n]
		var ci, cr SKCipher
		if want.aead {
			ci, cr = newTestGCM(k["ei"]), newTestGCM(k["er"])
		} else {
			ci, cr = newTestCBC(k["ei"], k["ai"]), newTestCBC(k["er"], k["ar"])
		}
		var frags Reassembly
		opened, rekeys := 0, 0
		wantOpened := len(msgs) - 2 - countFragments(msgs) + countMessages(msgs)
		for i, m := range msgs {
			if i < 2 {
				summary = append(summary, names[n][i]+": "+m.String())
				continue
			}
			c := ci
			if !m.IsInitiator() {
				c = cr
			}
			pkt, err := m.Append(nil) // a private copy to open in place
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Parse(pkt); err != nil {
				t.Fatal(err)
			}
			if e := m.Encrypted(); e.Fragment {
				plain, err := m.OpenSK(pkt, c)
				if err != nil {
					t.Fatalf("SA %d fragment %d/%d: %v", n, e.Number, e.Total, err)
				}
				summary = append(summary, names[n][i]+": "+m.String())
				done, err := frags.Add(e, plain)
				if err != nil {
					t.Fatal(err)
				}
				if !done {
					continue
				}
				first, inner, err := frags.Inner()
				if err != nil {
					t.Fatal(err)
				}
				if err := m.DecodeInner(first, inner); err != nil {
					t.Fatal(err)
				}
				frags = Reassembly{}
			} else if err := m.Open(pkt, c); err != nil {
				t.Fatalf("SA %d %v mid %d: %v", n, m.Exchange, m.MessageID, err)
			}
			opened++
			summary = append(summary, names[n][i]+": "+m.String())
			if err := m.Check(); err != nil {
				t.Errorf("SA %d %v response=%v: %v", n, m.Exchange, m.IsResponse(), err)
			}
			switch m.Exchange {
			case ExchangeCreateChildSA:
				// RFC 7296 1.3.3: Child SA rekey with PFS.
				if !m.IsResponse() && (m.Notify(NotifyRekeySA) == nil || m.Get(PayloadKE) == nil || m.Get(PayloadTSi) == nil) {
					t.Errorf("SA %d: CREATE_CHILD_SA request %v", n, m)
				}
				if !m.IsResponse() {
					rekeys++
				}
			case ExchangeIKEAuth:
				checkGoldenAuth(t, n, m, want)
			}
		}
		if opened != wantOpened || rekeys != 1 {
			t.Errorf("SA %d: opened %d messages, %d child rekeys", n, opened, rekeys)
		}
	}
	checkGoldenText(t, "summary.txt", strings.Join(summary, "\n")+"\n")
}

// checkGoldenAuth checks the identities, AUTH and certificates of an opened
// IKE_AUTH message (RFC 7296 3.5, 3.6, 3.8; RFC 7427 3).
func checkGoldenAuth(t *testing.T, n int, m *Message, want goldenSA) {
	t.Helper()
	idPT, name := PayloadIDi, want.idi
	if m.IsResponse() {
		idPT, name = PayloadIDr, want.idr
	}
	if id := m.Get(idPT).(*ID); id.IDType != want.idType || string(id.Data) != name {
		t.Errorf("SA %d: %v %v %q", n, idPT, id.IDType, id.Data)
	}
	a := m.Get(PayloadAUTH).(*Auth)
	switch want.auth {
	case AuthSharedKeyMIC:
		if a.Method != AuthSharedKeyMIC || len(a.Data) != 32 { // prf HMAC-SHA2-256
			t.Errorf("SA %d: AUTH %v with %d bytes", n, a.Method, len(a.Data))
		}
	case AuthDigitalSignature:
		alg, sig, ok := a.SignatureAlgorithm()
		if !ok || len(sig) < 64 {
			t.Fatalf("SA %d: AUTH %v not a digital signature", n, a.Method)
		}
		var ai struct {
			Algorithm asn1.ObjectIdentifier
		}
		ecdsaSHA256 := asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
		if _, err := asn1.Unmarshal(alg, &ai); err != nil || !ai.Algorithm.Equal(ecdsaSHA256) {
			t.Errorf("SA %d: signature algorithm %v %v", n, ai.Algorithm, err)
		}
	}
	cert, ok := m.Get(PayloadCERT).(*Cert)
	if ok != want.certs {
		t.Fatalf("SA %d: CERT present %v", n, ok)
	}
	if ok {
		c, err := x509.ParseCertificate(cert.Data)
		if err != nil {
			t.Fatalf("SA %d: CERT: %v", n, err)
		}
		if cert.Encoding != CertX509Signature || !slices.Contains(c.DNSNames, name) {
			t.Errorf("SA %d: CERT %v for %v", n, cert.Encoding, c.DNSNames)
		}
	}
	tsi := m.Get(PayloadTSi).(*TS)
	if s := tsi.Selectors[0]; s.TSType != TSIPv4AddrRange || s.Start.String() != "10.99.0.1" || s.End != s.Start {
		t.Errorf("TSi %+v", s)
	}
}

var update = flag.Bool("update", false, "rewrite golden text files under testdata")

// checkGoldenText compares got with a golden text file, or rewrites it
// with -update.
func checkGoldenText(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test -update rewrites it):\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func countFragments(ms []*Message) (n int) {
	for _, m := range ms {
		if e := m.Encrypted(); e != nil && e.Fragment {
			n++
		}
	}
	return n
}

// countMessages counts fragmented messages (one per fragment 1).
func countMessages(ms []*Message) (n int) {
	for _, m := range ms {
		if e := m.Encrypted(); e != nil && e.Fragment && e.Number == 1 {
			n++
		}
	}
	return n
}

// One Message reused for every capture parses each as a fresh one does.
func TestParseReuse(t *testing.T) {
	var m Message
	for round := 0; round < 2; round++ {
		for _, g := range loadGolden(t) {
			if err := m.Parse(g.data); err != nil {
				t.Fatal(err)
			}
			fresh, err := ParseMessage(g.data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fresh.Payloads, m.Payloads) || fresh.Header != m.Header {
				t.Fatalf("%s: reused Message differs", g.name)
			}
		}
	}
}
