package ikev2

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"testing"
)

// testGCM is AES-GCM with a 16-byte ICV as RFC 5282 uses it: 4-byte salt
// from the key material, 8-byte explicit IV, AAD = header up to the IV.
type testGCM struct {
	aead cipher.AEAD
	salt [4]byte
}

func newTestGCM(key []byte) *testGCM {
	blk, err := aes.NewCipher(key[:len(key)-4])
	if err != nil {
		panic(err)
	}
	a, err := cipher.NewGCM(blk)
	if err != nil {
		panic(err)
	}
	g := &testGCM{aead: a}
	copy(g.salt[:], key[len(key)-4:])
	return g
}

func (*testGCM) IVSize() int    { return 8 }
func (*testGCM) BlockSize() int { return 1 } // RFC 5282 3: no alignment
func (*testGCM) ICVSize() int   { return 16 }

func (g *testGCM) nonce(msg []byte, aadLen int) []byte {
	return append(g.salt[:], msg[aadLen:aadLen+8]...)
}

func (g *testGCM) Seal(msg []byte, aadLen int) error {
	p := msg[aadLen+8 : len(msg)-16]
	g.aead.Seal(p[:0], g.nonce(msg, aadLen), p, msg[:aadLen])
	return nil
}

func (g *testGCM) Open(msg []byte, aadLen int) ([]byte, error) {
	c := msg[aadLen+8:]
	return g.aead.Open(c[:0], g.nonce(msg, aadLen), c, msg[:aadLen])
}

// testCBC is AES-CBC with HMAC-SHA2-256-128 (RFC 7296 3.14, RFC 4868).
type testCBC struct {
	blk cipher.Block
	mac []byte
}

func newTestCBC(ek, ak []byte) *testCBC {
	blk, err := aes.NewCipher(ek)
	if err != nil {
		panic(err)
	}
	return &testCBC{blk: blk, mac: ak}
}

func (*testCBC) IVSize() int    { return 16 }
func (*testCBC) BlockSize() int { return 16 }
func (*testCBC) ICVSize() int   { return 16 }

func (c *testCBC) icv(msg []byte) []byte {
	h := hmac.New(sha256.New, c.mac)
	h.Write(msg[:len(msg)-16])
	return h.Sum(nil)[:16]
}

func (c *testCBC) Seal(msg []byte, aadLen int) error {
	iv, p := msg[aadLen:aadLen+16], msg[aadLen+16:len(msg)-16]
	cipher.NewCBCEncrypter(c.blk, iv).CryptBlocks(p, p)
	copy(msg[len(msg)-16:], c.icv(msg))
	return nil
}

func (c *testCBC) Open(msg []byte, aadLen int) ([]byte, error) {
	if !hmac.Equal(c.icv(msg), msg[len(msg)-16:]) {
		return nil, errors.New("bad ICV")
	}
	iv, p := msg[aadLen:aadLen+16], msg[aadLen+16:len(msg)-16]
	cipher.NewCBCDecrypter(c.blk, iv).CryptBlocks(p, p)
	return p, nil
}

func testCiphers() map[string]SKCipher {
	return map[string]SKCipher{
		"AES-GCM-16 (RFC 5282)":                newTestGCM(fill(20, 0x42)),
		"AES-CBC+HMAC-SHA2-256-128 (RFC 7296)": newTestCBC(fill(16, 0x24), fill(32, 0x99)),
	}
}

func seededRand(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0] = byte(seed)
	return rand.NewChaCha8(s)
}

func authHeader() Header {
	return Header{SPIi: 0x1111, SPIr: 0x2222, Exchange: ExchangeIKEAuth, Flags: FlagInitiator, MessageID: 1}
}

// RFC 7296 3.14, RFC 5282: seal then open gives the inner payloads back; any
// flipped bit is caught.
func TestSKSealOpen(t *testing.T) {
	for name, c := range testCiphers() {
		t.Run(name, func(t *testing.T) {
			h := authHeader()
			pkt, err := AppendEncrypted([]byte("prefix"), &h, sampleAuthInner(), c, seededRand(1))
			if err != nil {
				t.Fatal(err)
			}
			pkt = pkt[len("prefix"):]
			if int(h.Length) != len(pkt) {
				t.Fatalf("length %d vs %d", h.Length, len(pkt))
			}
			clean := append([]byte(nil), pkt...)
			m, err := ParseMessage(pkt)
			if err != nil {
				t.Fatal(err)
			}
			if e := m.Encrypted(); e == nil || e.Inner != PayloadIDi || e.Offset != HeaderLen {
				t.Fatalf("encrypted payload: %+v", e)
			}
			// Re-encoding the still-protected message is byte-exact.
			if b := mustAppend(t, m); !bytes.Equal(b, clean) {
				t.Fatal("protected message does not re-encode byte for byte")
			}
			if err := m.Open(pkt, c); err != nil {
				t.Fatal(err)
			}
			want := sampleAuthInner()
			if len(m.Payloads) != len(want) {
				t.Fatalf("%d payloads", len(m.Payloads))
			}
			for i := range want {
				a, _, _ := AppendPayloads(nil, want[i:i+1])
				b, _, _ := AppendPayloads(nil, m.Payloads[i:i+1])
				if !bytes.Equal(a, b) {
					t.Errorf("payload %d (%v) differs", i, want[i].Type())
				}
			}
			// Every single-bit flip in the protected bytes fails the integrity check.
			for i := 0; i < len(clean); i += 7 {
				bad := append([]byte(nil), clean...)
				bad[i] ^= 0x10
				m, err := ParseMessage(bad)
				if err != nil {
					continue // the header or the SK header no longer parses
				}
				if err := m.Open(bad, c); err == nil {
					t.Fatalf("flip at %d not detected", i)
				}
			}
		})
	}
}

// RFC 7383 2.5, 2.6: a message cut into fragments comes back whole, in any
// order, with duplicates, and after a restart with a larger Total.
func TestSKFFragments(t *testing.T) {
	for name, c := range testCiphers() {
		t.Run(name, func(t *testing.T) {
			inner := sampleAuthInner()
			whole, _, _ := AppendPayloads(nil, inner)
			frags, err := SealFragments(authHeader(), inner, 300, c, seededRand(2))
			if err != nil {
				t.Fatal(err)
			}
			if len(frags) < 3 {
				t.Fatalf("only %d fragments for %d bytes", len(frags), len(whole))
			}
			// A first attempt with bigger fragments leaves stale parts behind.
			big, err := SealFragments(authHeader(), inner, 700, c, seededRand(3))
			if err != nil {
				t.Fatal(err)
			}
			var r Reassembly
			add := func(pkt []byte) bool {
				t.Helper()
				pkt = append([]byte(nil), pkt...) // opening works in place
				if len(pkt) > 700 {
					t.Fatalf("fragment of %d bytes", len(pkt))
				}
				m, err := ParseMessage(pkt)
				if err != nil {
					t.Fatal(err)
				}
				e := m.Encrypted()
				if e == nil || !e.Fragment || int(e.Total) != len(frags) && int(e.Total) != len(big) {
					t.Fatalf("fragment header %+v", e)
				}
				plain, err := m.OpenSK(pkt, c)
				if err != nil {
					t.Fatal(err)
				}
				done, err := r.Add(e, plain)
				if err != nil {
					t.Fatal(err)
				}
				return done
			}
			if add(big[1]) {
				t.Fatal("complete too early")
			}
			order := rand.New(seededRand(4)).Perm(len(frags))
			for i, j := range order {
				done := add(frags[j])
				if i > 0 {
					done = add(frags[order[i-1]]) // duplicate
				}
				if done != (i == len(order)-1) {
					t.Fatalf("done=%v after %d of %d", done, i+1, len(order))
				}
			}
			if add(big[0]) != true { // smaller Total: ignored
				t.Fatal("stale fragment disturbed a complete message")
			}
			first, plain, err := r.Inner()
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodePayloads(nil, first, plain)
			if err != nil {
				t.Fatal(err)
			}
			again, _, _ := AppendPayloads(nil, got)
			if !bytes.Equal(again, whole) {
				t.Fatal("reassembled payloads differ")
			}
		})
	}
}

func TestSKOpenErrors(t *testing.T) {
	c := newTestCBC(fill(16, 1), fill(32, 2))
	h := authHeader()
	pkt, err := AppendEncrypted(nil, &h, []Payload{&Notify{NotifyType: NotifyInitialContact}}, c, seededRand(5))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMessage(pkt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.OpenSK(pkt, newTestCBC(fill(16, 1), fill(32, 3))); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := m.OpenSK(pkt, newTestGCM(fill(20, 1))); err == nil {
		t.Fatal("GCM opened a CBC message")
	}
	if _, err := m.OpenSK(pkt[:len(pkt)-1], c); err == nil {
		t.Fatal("short buffer accepted")
	}
	plain := &Message{Header: h, Payloads: []Payload{&Notify{NotifyType: NotifyInitialContact}}}
	if err := plain.Open(mustAppend(t, plain), c); !errors.Is(err, ErrNotEncrypted) {
		t.Fatalf("cleartext: %v", err)
	}
}
