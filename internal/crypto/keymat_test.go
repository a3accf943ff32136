package crypto

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"hash"
	"log/slog"
	"strings"
	"testing"
)

// hmacPlus evaluates prf+ with HMAC straight from RFC 7296 2.13.
func hmacPlus(h func() hash.Hash, key, seed []byte, n int) []byte {
	var out, prev []byte
	for i := byte(1); len(out) < n; i++ {
		m := hmac.New(h, key)
		m.Write(prev)
		m.Write(seed)
		m.Write([]byte{i})
		prev = m.Sum(nil)
		out = append(out, prev...)
	}
	return out[:n]
}

func hmacOf(h func() hash.Hash, key []byte, data ...[]byte) []byte {
	m := hmac.New(h, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

// TestDeriveIKESAKeys checks RFC 7296 2.14: SKEYSEED = prf(Ni | Nr, g^ir),
// then SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr =
// prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), for AES-CBC-256 + SHA2-256-128
// and for AES-GCM-16-128 (16-byte key + 4-byte salt, no integrity keys).
func TestDeriveIKESAKeys(t *testing.T) {
	ni, nr, gir := seq(0x10, 32), seq(0x40, 32), seq(0x90, 256)
	spii, spir := seq(0xc0, 8), seq(0xd0, 8)
	p, _ := NewPRF(PRFHMACSHA2_256)
	seedWant := hmacOf(sha256.New, append(bytes.Clone(ni), nr...), gir)
	for _, l := range []IKESAKeyLengths{{EncrLen: 32, IntegLen: 32}, {EncrLen: 20, IntegLen: 0}} {
		t.Run(fmt.Sprint(l), func(t *testing.T) {
			k, err := DeriveIKESAKeys(p, ni, nr, gir, spii, spir, l)
			if err != nil {
				t.Fatal(err)
			}
			s := append(append(append(append([]byte{}, ni...), nr...), spii...), spir...)
			km := hmacPlus(sha256.New, seedWant, s, 3*32+2*l.IntegLen+2*l.EncrLen)
			var got []byte
			for _, b := range [][]byte{k.SKd, k.SKai, k.SKar, k.SKei, k.SKer, k.SKpi, k.SKpr} {
				got = append(got, b...)
			}
			if !bytes.Equal(got, km) {
				t.Fatal("keys are not the prf+ stream in RFC 7296 2.14 order")
			}
			if len(k.SKd) != 32 || len(k.SKpi) != 32 || len(k.SKei) != l.EncrLen || len(k.SKai) != l.IntegLen {
				t.Fatalf("lengths %d %d %d %d", len(k.SKd), len(k.SKpi), len(k.SKei), len(k.SKai))
			}
			// Keys never show in logs.
			var sb strings.Builder
			slog.New(slog.NewTextHandler(&sb, nil)).Info("x", "keys", k)
			if fmt.Sprint(k) != "[redacted]" || !strings.Contains(sb.String(), "[redacted]") {
				t.Fatalf("key material printed: %q", sb.String())
			}
			k.Zero()
			if !bytes.Equal(k.SKd, make([]byte, 32)) {
				t.Fatal("Zero left SK_d")
			}
		})
	}
	if _, err := DeriveIKESAKeys(p, ni, nr, gir, spii[:4], spir, IKESAKeyLengths{}); err == nil {
		t.Fatal("4-byte SPI accepted")
	}
}

// TestSKEYSEEDNonceTruncation: for AES-XCBC-PRF-128 and AES-CMAC-PRF-128 the
// key of SKEYSEED is the first 64 bits of Ni and of Nr (RFC 7296 2.14).
func TestSKEYSEEDNonceTruncation(t *testing.T) {
	ni, nr, gir := seq(1, 32), seq(50, 32), seq(9, 64)
	for _, id := range []PRFID{PRFAES128XCBC, PRFAES128CMAC} {
		p, _ := NewPRF(id)
		got, err := SKEYSEED(p, ni, nr, gir)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := p.Compute(nil, append(bytes.Clone(ni[:8]), nr[:8]...), gir)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: SKEYSEED not keyed with Ni[:8] | Nr[:8]", id)
		}
		if _, err := SKEYSEED(p, ni[:7], nr, gir); err == nil {
			t.Fatalf("%s: 7-byte nonce accepted", id)
		}
	}
}

// TestDeriveRekeyedIKESAKeys checks RFC 7296 2.18: SKEYSEED = prf(SK_d (old),
// g^ir (new) | Ni | Nr) with the old SA's PRF (HMAC-SHA1 here), the keys
// from the new SA's PRF (HMAC-SHA2-256) over the new nonces and SPIs.
func TestDeriveRekeyedIKESAKeys(t *testing.T) {
	oldPRF, _ := NewPRF(PRFHMACSHA1)
	newPRF, _ := NewPRF(PRFHMACSHA2_256)
	skd, gir, ni, nr := seq(3, 20), seq(5, 32), seq(7, 16), seq(11, 16)
	spii, spir := seq(0xa0, 8), seq(0xb0, 8)
	l := IKESAKeyLengths{EncrLen: 16, IntegLen: 32}
	k, err := DeriveRekeyedIKESAKeys(oldPRF, skd, newPRF, gir, ni, nr, spii, spir, l)
	if err != nil {
		t.Fatal(err)
	}
	seed := hmacOf(sha1.New, skd, gir, ni, nr)
	s := append(append(append(append([]byte{}, ni...), nr...), spii...), spir...)
	km := hmacPlus(sha256.New, seed, s, 3*32+2*32+2*16)
	if !bytes.Equal(k.SKd, km[:32]) || !bytes.Equal(k.SKpr, km[len(km)-32:]) {
		t.Fatal("rekeyed keys differ from RFC 7296 2.18")
	}
}

// TestDeriveChildKeys checks RFC 7296 2.17: KEYMAT = prf+(SK_d, Ni | Nr), or
// prf+(SK_d, g^ir (new) | Ni | Nr) with PFS; initiator-to-responder keys
// first, encryption before integrity.
func TestDeriveChildKeys(t *testing.T) {
	p, _ := NewPRF(PRFHMACSHA2_256)
	skd, ni, nr, gir := seq(1, 32), seq(2, 32), seq(3, 32), seq(4, 32)
	for _, pfs := range []bool{false, true} {
		var g []byte
		if pfs {
			g = gir
		}
		k, err := DeriveChildKeys(p, skd, g, ni, nr, 36, 0) // AES-GCM-16-256 + salt
		if err != nil {
			t.Fatal(err)
		}
		km := hmacPlus(sha256.New, skd, append(append(append([]byte{}, g...), ni...), nr...), 72)
		if !bytes.Equal(k.EncrI, km[:36]) || !bytes.Equal(k.EncrR, km[36:]) || len(k.IntegI) != 0 {
			t.Fatalf("pfs=%v: KEYMAT split wrong", pfs)
		}
		k, _ = DeriveChildKeys(p, skd, g, ni, nr, 16, 20) // AES-CBC-128 + SHA1-96
		km = hmacPlus(sha256.New, skd, append(append(append([]byte{}, g...), ni...), nr...), 72)
		if !bytes.Equal(k.EncrI, km[:16]) || !bytes.Equal(k.IntegI, km[16:36]) ||
			!bytes.Equal(k.EncrR, km[36:52]) || !bytes.Equal(k.IntegR, km[52:]) {
			t.Fatalf("pfs=%v: KEYMAT order wrong", pfs)
		}
	}
}

// TestSharedKeyAUTH checks RFC 7296 2.15: AUTH = prf(prf(Shared Secret,
// "Key Pad for IKEv2"), <SignedOctets>) with SignedOctets = RealMessage |
// NonceData | prf(SK_p, RestOfIDPayload).
func TestSharedKeyAUTH(t *testing.T) {
	p, _ := NewPRF(PRFHMACSHA2_256)
	msg, nonce, skp := seq(0, 300), seq(9, 32), seq(77, 32)
	id := append([]byte{2, 0, 0, 0}, "gw.example.com"...) // ID_FQDN
	so, err := SignedOctets(p, msg, nonce, skp, id)
	if err != nil {
		t.Fatal(err)
	}
	wantSO := append(append(bytes.Clone(msg), nonce...), hmacOf(sha256.New, skp, id)...)
	if !bytes.Equal(so, wantSO) {
		t.Fatal("signed octets wrong")
	}
	psk := []byte("correct horse battery staple")
	auth, err := SharedKeyAUTH(p, psk, so)
	if err != nil {
		t.Fatal(err)
	}
	want := hmacOf(sha256.New, hmacOf(sha256.New, psk, []byte("Key Pad for IKEv2")), so)
	if !bytes.Equal(auth, want) {
		t.Fatal("AUTH differs")
	}
	if err := VerifySharedKeyAUTH(p, psk, so, auth); err != nil {
		t.Fatal(err)
	}
	if err := VerifySharedKeyAUTH(p, []byte("wrong"), so, auth); err != ErrAuthFailed {
		t.Fatalf("wrong PSK: %v", err)
	}
	if err := VerifySharedKeyAUTH(p, psk, so, auth[:31]); err != ErrAuthFailed {
		t.Fatalf("short AUTH: %v", err)
	}
}

// TestRedacted: nothing holding a secret prints its bytes.
func TestRedacted(t *testing.T) {
	var vals []any
	for _, id := range []DHID{DHMODP1024, DHECP256, DHCurve25519} {
		g, _ := NewDH(uint16(id))
		k, _ := g.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{0x42}, 200)))
		vals = append(vals, k)
	}
	for _, c := range skConfigs {
		vals = append(vals, c.new(t))
	}
	g, _ := NewInteg(IntegHMACSHA1_96, seq(0x42, 20))
	vals = append(vals, g, &ChildKeys{EncrI: seq(0x42, 16)})
	for _, v := range vals {
		var sb strings.Builder
		// No time attribute: its digits could hold "66", 0x42 in decimal.
		noTime := func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}
		slog.New(slog.NewTextHandler(&sb, &slog.HandlerOptions{ReplaceAttr: noTime})).Info("x", "v", v)
		if s := fmt.Sprintf("%v %+v %s", v, v, sb.String()); strings.Contains(s, "42 42") || strings.Contains(s, "4242") ||
			!strings.Contains(s, "[redacted]") || strings.Contains(s, "66") {
			t.Errorf("%T printed %q", v, s)
		}
	}
}
