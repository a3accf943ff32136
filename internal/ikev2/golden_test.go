package ikev2

import (
	"bufio"
	"bytes"
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

// The IKE_SA_INIT pair of the first SA: SPIs, both proposals, the choice and
// the notifications strongSwan sends (see ../shared/spec/interop-notes.md).
func TestGoldenIKESAInit(t *testing.T) {
	sas, _ := ikeSAs(t, loadGolden(t))
	if len(sas) != 2 {
		t.Fatalf("%d IKE SAs in the captures", len(sas))
	}
	wantChoice := []uint16{12, 20} // ENCR_AES_CBC, then ENCR_AES_GCM_16
	for n, msgs := range sas {
		req, resp := msgs[0], msgs[1]
		if req.Exchange != ExchangeIKESAInit || req.IsResponse() || !req.IsInitiator() || req.SPIr != 0 || req.MessageID != 0 {
			t.Fatalf("SA %d request header %+v", n, req.Header)
		}
		if resp.Exchange != ExchangeIKESAInit || !resp.IsResponse() || resp.IsInitiator() || resp.SPIr == 0 || resp.SPIi != req.SPIi {
			t.Fatalf("SA %d response header %+v", n, resp.Header)
		}
		sa := req.Get(PayloadSA).(*SA)
		if len(sa.Proposals) != 2 {
			t.Fatalf("SA %d: %d proposals", n, len(sa.Proposals))
		}
		cbc, gcm := sa.Proposals[0], sa.Proposals[1]
		if n == 1 {
			cbc, gcm = gcm, cbc
		}
		want := map[string][]Transform{
			"cbc": {{Type: TransformENCR, ID: 12, Attrs: KeyLengthAttr(256)}, {Type: TransformINTEG, ID: 12},
				{Type: TransformPRF, ID: 5}, {Type: TransformKE, ID: 14}},
			"gcm": {{Type: TransformENCR, ID: 20, Attrs: KeyLengthAttr(128)}, {Type: TransformPRF, ID: 5},
				{Type: TransformKE, ID: 31}},
		}
		for name, p := range map[string]Proposal{"cbc": cbc, "gcm": gcm} {
			if p.Protocol != ProtoIKE || len(p.SPI) != 0 {
				t.Errorf("SA %d %s proposal %+v", n, name, p)
			}
			for _, w := range want[name] {
				if !slices.ContainsFunc(p.Transforms, func(tr Transform) bool {
					return tr.Type == w.Type && tr.ID == w.ID && reflect.DeepEqual(tr.Attrs, w.Attrs)
				}) {
					t.Errorf("SA %d %s proposal lacks %v %d: %+v", n, name, w.Type, w.ID, p.Transforms)
				}
			}
		}
		chosen := resp.Get(PayloadSA).(*SA)
		if len(chosen.Proposals) != 1 || chosen.Proposals[0].Transforms[0].ID != wantChoice[n] {
			t.Errorf("SA %d: response chose %+v", n, chosen.Proposals)
		}
		ke := req.Get(PayloadKE).(*KE)
		if wantLen := map[uint16]int{14: 256, 31: 32}[ke.Group]; len(ke.Data) != wantLen {
			t.Errorf("SA %d: KE group %d with %d bytes", n, ke.Group, len(ke.Data))
		}
		for _, m := range []*Message{req, resp} {
			for _, nt := range []NotifyType{NotifyNATDetectionSourceIP, NotifyNATDetectionDestinationIP,
				NotifyIKEv2FragmentationSupported} {
				if m.Notify(nt) == nil {
					t.Errorf("SA %d response=%v: no %v", n, m.IsResponse(), nt)
				}
			}
			if nd := m.Notify(NotifyNATDetectionSourceIP); nd != nil && len(nd.Data) != 20 {
				t.Errorf("NAT_DETECTION_SOURCE_IP of %d bytes", len(nd.Data))
			}
		}
		for _, nt := range []NotifyType{NotifySignatureHashAlgorithms, NotifyRedirectSupported} {
			if req.Notify(nt) == nil {
				t.Errorf("SA %d request: no %v", n, nt)
			}
		}
	}
}

// RFC 7296 3.14, RFC 5282, RFC 7383: the captured IKE_AUTH and
// INFORMATIONAL messages open with the keys charon logged, and their inner
// payloads pass the rules.
func TestGoldenOpen(t *testing.T) {
	sas, names := ikeSAs(t, loadGolden(t))
	keys := goldenKeys(t)
	var summary []string
	if len(keys) != len(sas) {
		t.Fatalf("%d key sets for %d SAs", len(keys), len(sas))
	}
	for n, msgs := range sas {
		k := keys[n]
		var ci, cr SKCipher
		if n == 0 {
			ci, cr = newTestCBC(k["ei"], k["ai"]), newTestCBC(k["er"], k["ar"])
		} else {
			ci, cr = newTestGCM(k["ei"]), newTestGCM(k["er"])
		}
		var frags Reassembly
		opened, rekeys := 0, 0
		want := len(msgs) - 2 - countFragments(msgs) + countMessages(msgs)
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
			e := m.Encrypted()
			if e.Fragment {
				plain, err := m.OpenSK(pkt, c)
				if err != nil {
					t.Fatalf("SA %d fragment %d/%d: %v", n, e.Number, e.Total, err)
				}
				summary = append(summary, names[n][i]+": "+m.String())
				done, err := frags.Add(e, plain)
				if err != nil || !done {
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
			if m.Exchange == ExchangeCreateChildSA && !m.IsResponse() {
				// RFC 7296 1.3.3: Child SA rekey with PFS.
				if m.Notify(NotifyRekeySA) == nil || m.Get(PayloadKE) == nil || m.Get(PayloadTSi) == nil {
					t.Errorf("SA %d: CREATE_CHILD_SA request %v", n, m)
				}
				rekeys++
			}
			if m.Exchange != ExchangeIKEAuth {
				continue
			}
			if !m.IsResponse() {
				id := m.Get(PayloadIDi).(*ID)
				if id.IDType != IDRFC822Addr || string(id.Data) != "left@golden.test" {
					t.Errorf("IDi %v %q", id.IDType, id.Data)
				}
			} else {
				id := m.Get(PayloadIDr).(*ID)
				if string(id.Data) != "right@golden.test" {
					t.Errorf("IDr %q", id.Data)
				}
			}
			if a := m.Get(PayloadAUTH).(*Auth); a.Method != AuthSharedKeyMIC || len(a.Data) != 32 {
				t.Errorf("AUTH %v with %d bytes", a.Method, len(a.Data))
			}
			tsi := m.Get(PayloadTSi).(*TS)
			if s := tsi.Selectors[0]; s.TSType != TSIPv4AddrRange || s.Start.String() != "10.99.0.1" || s.End != s.Start {
				t.Errorf("TSi %+v", s)
			}
		}
		if opened != want || rekeys != 1 {
			t.Errorf("SA %d: opened %d messages, %d child rekeys", n, opened, rekeys)
		}
	}
	checkGoldenText(t, "summary.txt", strings.Join(summary, "\n")+"\n")
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
