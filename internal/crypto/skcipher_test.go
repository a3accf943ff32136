package crypto

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"testing"
)

// counterStart returns a reader that makes the IV counter's first value iv.
func counterStart(iv uint64) *bytes.Reader {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], iv-1)
	return bytes.NewReader(b[:])
}

// TestChaCha20Poly1305RFC7634 feeds the whole INFORMATIONAL message of
// RFC 7634 appendix B through Open and rebuilds it with Seal.
func TestChaCha20Poly1305RFC7634(t *testing.T) {
	key := append(seq(0x80, 32), 0xa0, 0xa1, 0xa2, 0xa3) // key || salt
	msg := hx(t, `
		c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d7 2e202500000000090000004529000029
		1011121314151617610394701f8d017f 7c12924889 6b71bfe25236efd7cdc6706690
		6315b2`)
	plain := hx(t, "0000000c000040010000000a00")
	c, err := NewSKCipherRand(uint16(EncrChaCha20Poly1305), 0, 0, key, nil, counterStart(0x1011121314151617))
	if err != nil {
		t.Fatal(err)
	}
	if c.IVSize() != 8 || c.ICVSize() != 16 || c.BlockSize() != 1 {
		t.Fatalf("sizes %d %d %d", c.IVSize(), c.ICVSize(), c.BlockSize())
	}
	in := bytes.Clone(msg)
	got, err := c.Open(in, 32)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Fatalf("plaintext %x", got)
	}
	out := make([]byte, len(msg))
	copy(out, msg[:32])
	copy(out[40:], plain)
	if err := c.Seal(out, 32); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, msg) {
		t.Fatalf("Seal:\n got %x\nwant %x", out, msg)
	}
	// Any flipped bit, in the AAD, IV, ciphertext or ICV, fails.
	for _, i := range []int{0, 27, 31, 33, 45, 68} {
		bad := bytes.Clone(msg)
		bad[i] ^= 0x10
		if _, err := c.Open(bad, 32); !errors.Is(err, ErrIntegrity) {
			t.Errorf("flip byte %d: err = %v", i, err)
		}
	}
}

// TestAESGCMVectors uses test cases 4, 10 and 16 of McGrew and Viega, "The
// Galois/Counter Mode of Operation (GCM)" (the NIST submission), with the
// 96-bit IV split as salt (4 bytes) || IV (8 bytes) per RFC 5282, and the
// tag truncated for the 8- and 12-byte ICVs (NIST SP 800-38D 5.2.1.2).
func TestAESGCMVectors(t *testing.T) {
	const (
		k128 = "feffe9928665731c6d6a8f9467308308"
		aad  = "feedfacedeadbeeffeedfacedeadbeefabaddad2"
		pt   = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
			"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
	)
	for _, v := range []struct {
		name     string
		key, ct  string
		tag      string
		keyBits  int
		verified bool
	}{
		{"GCM test case 4 (AES-128)", k128,
			"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
				"21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
			"5bc94fbc3221a5db94fae95ae7121a47", 128, true},
		{"GCM test case 10 (AES-192)", k128 + "feffe9928665731c",
			"3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c" +
				"7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
			"2519498e80f1478f37ba55bd6d27618c", 192, true},
		{"GCM test case 16 (AES-256)", k128 + k128,
			"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
				"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
			"76fc6ece0f4e1768cddf8853bb2d551b", 256, true},
	} {
		for _, id := range []EncrID{EncrAESGCM8, EncrAESGCM12, EncrAESGCM16} {
			t.Run(v.name+" "+id.String(), func(t *testing.T) {
				icv := map[EncrID]int{EncrAESGCM8: 8, EncrAESGCM12: 12, EncrAESGCM16: 16}[id]
				key := append(hx(t, v.key), 0xca, 0xfe, 0xba, 0xbe)
				c, err := NewSKCipherRand(uint16(id), v.keyBits, 0, key, nil, counterStart(0xfacedbaddecaf888))
				if err != nil {
					t.Fatal(err)
				}
				a, p := hx(t, aad), hx(t, pt)
				want := append(append(append(bytes.Clone(a), hx(t, "facedbaddecaf888")...), hx(t, v.ct)...), hx(t, v.tag)[:icv]...)
				msg := make([]byte, len(want))
				copy(msg, a)
				copy(msg[len(a)+8:], p)
				if err := c.Seal(msg, len(a)); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(msg, want) {
					t.Fatalf("Seal:\n got %x\nwant %x", msg, want)
				}
				got, err := c.Open(msg, len(a))
				if err != nil || !bytes.Equal(got, p) {
					t.Fatalf("Open: %v %x", err, got)
				}
				bad := bytes.Clone(want)
				bad[len(bad)-1] ^= 1
				if _, err := c.Open(bad, len(a)); !errors.Is(err, ErrIntegrity) {
					t.Fatalf("bad ICV: err = %v", err)
				}
				bad = bytes.Clone(want)
				bad[len(a)+10] ^= 1
				if _, err := c.Open(bad, len(a)); !errors.Is(err, ErrIntegrity) {
					t.Fatalf("bad ciphertext: err = %v", err)
				}
				// Go's GCM zeroes the output of a failed Open; the truncated
				// path never decrypts msg: no plaintext is left either way.
				if bytes.Equal(bad[len(a)+8:len(a)+8+16], p[:16]) {
					t.Fatal("failed Open left plaintext behind")
				}
			})
		}
	}
}

// skCases are the non-AEAD combinations with their key sizes.
var skCases = []struct {
	encr    EncrID
	keyBits int
	encrLen int
	integ   IntegID
}{
	{EncrAESCBC, 128, 16, IntegHMACSHA2_256_128},
	{EncrAESCBC, 192, 24, IntegHMACSHA2_384_192},
	{EncrAESCBC, 256, 32, IntegHMACSHA2_512_256},
	{EncrAESCBC, 128, 16, IntegHMACSHA1_96},
	{EncrAESCBC, 128, 16, IntegAESXCBC_96},
	{EncrAESCBC, 128, 16, IntegAESCMAC_96},
	{EncrAESCBC, 128, 16, IntegHMACMD5_96},
	{EncrDES3, 0, 24, IntegHMACSHA1_96},
	{EncrAESCTR, 128, 20, IntegHMACSHA2_256_128},
	{EncrAESCTR, 256, 36, IntegHMACSHA2_256_128},
}

// TestSKRoundTrip seals and opens each CBC/CTR + INTEG combination (RFC 7296
// 3.14: the ICV covers the header through the ciphertext) and checks that
// the ICV is the integrity transform over exactly that range.
func TestSKRoundTrip(t *testing.T) {
	for _, v := range skCases {
		t.Run(v.encr.String()+"/"+v.integ.String(), func(t *testing.T) {
			it, _ := LookupTransform(TransformInteg, uint16(v.integ))
			ek, ik := seq(1, v.encrLen), seq(100, it.KeySize)
			c, err := NewSKCipher(uint16(v.encr), v.keyBits, uint16(v.integ), ek, ik)
			if err != nil {
				t.Fatal(err)
			}
			const aadLen = 32
			n := 3 * c.BlockSize() * 16 / c.BlockSize()
			msg := make([]byte, aadLen+c.IVSize()+n+c.ICVSize())
			rand.Read(msg[:aadLen])
			plain := seq(7, n)
			copy(msg[aadLen+c.IVSize():], plain)
			if err := c.Seal(msg, aadLen); err != nil {
				t.Fatal(err)
			}
			ct := msg[aadLen+c.IVSize() : len(msg)-c.ICVSize()]
			if bytes.Equal(ct, plain) {
				t.Fatal("not encrypted")
			}
			g, _ := NewInteg(v.integ, ik)
			if !g.Verify(msg[len(msg)-c.ICVSize():], msg[:len(msg)-c.ICVSize()]) {
				t.Fatal("ICV is not the MAC of header..ciphertext")
			}
			sealed := bytes.Clone(msg)
			got, err := c.Open(msg, aadLen)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("Open: %v", err)
			}
			for _, i := range []int{0, aadLen, aadLen + c.IVSize(), len(sealed) - 1} {
				bad := bytes.Clone(sealed)
				bad[i] ^= 0x80
				if _, err := c.Open(bad, aadLen); !errors.Is(err, ErrIntegrity) {
					t.Errorf("flip %d: err = %v", i, err)
				}
			}
			// A second Seal uses a fresh IV.
			msg2 := make([]byte, len(sealed))
			copy(msg2[aadLen+c.IVSize():], plain)
			c.Seal(msg2, aadLen)
			if bytes.Equal(msg2[aadLen:aadLen+c.IVSize()], sealed[aadLen:aadLen+c.IVSize()]) {
				t.Fatal("IV repeated")
			}
		})
	}
}

// TestAESCBCKnownAnswer checks the CBC layout with the first vector of
// RFC 3602 4 (case 1: AES-128-CBC, one block), the IV injected.
func TestAESCBCKnownAnswer(t *testing.T) {
	key := hx(t, "06a9214036b8a15b512e03d534120006")
	iv := hx(t, "3dafba429d9eb430b422da802c9fac41")
	c, err := NewSKCipherRand(uint16(EncrAESCBC), 128, uint16(IntegHMACSHA1_96), key, seq(0, 20), bytes.NewReader(iv))
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, 4+16+16+12)
	copy(msg[20:], "Single block msg")
	if err := c.Seal(msg, 4); err != nil {
		t.Fatal(err)
	}
	if want := hx(t, "e353779c1079aeb82708942dbe77181a"); !bytes.Equal(msg[20:36], want) {
		t.Fatalf("ciphertext %x, want %x", msg[20:36], want)
	}
}

func TestSKCipherRejects(t *testing.T) {
	for _, v := range []struct {
		name    string
		encr    EncrID
		keyBits int
		integ   IntegID
		ek, ik  int
	}{
		{"ENCR_NULL is ESP only", EncrNULL, 0, IntegHMACSHA1_96, 0, 20},
		{"AES-CBC 100-bit key", EncrAESCBC, 100, IntegHMACSHA1_96, 12, 20},
		{"AES-CBC key length mismatch", EncrAESCBC, 128, IntegHMACSHA1_96, 32, 20},
		{"AES-CBC without integrity", EncrAESCBC, 128, IntegNone, 16, 0},
		{"GCM with integrity", EncrAESGCM16, 128, IntegHMACSHA1_96, 20, 20},
		{"GCM without salt", EncrAESGCM16, 128, IntegNone, 16, 0},
		{"ChaCha20 key length attribute", EncrChaCha20Poly1305, 128, IntegNone, 20, 0},
		{"DES", 2, 0, IntegHMACSHA1_96, 8, 20},
	} {
		if _, err := NewSKCipher(uint16(v.encr), v.keyBits, uint16(v.integ), make([]byte, v.ek), make([]byte, v.ik)); err == nil {
			t.Errorf("%s: accepted", v.name)
		}
	}
	c, _ := NewSKCipher(uint16(EncrAESCBC), 128, uint16(IntegHMACSHA2_256_128), make([]byte, 16), make([]byte, 32))
	for _, n := range []int{0, 10, 32 + 16 + 16, 32 + 16 + 15 + 16, 32 + 16 + 17 + 16} {
		if _, err := c.Open(make([]byte, n), 32); !errors.Is(err, ErrSKLength) {
			t.Errorf("Open of %d bytes: err = %v", n, err)
		}
	}
	if _, err := c.Open(make([]byte, 100), -1); !errors.Is(err, ErrSKLength) {
		t.Errorf("negative aadLen: err = %v", err)
	}
	if err := c.Seal(make([]byte, 32+16+15+16), 32); !errors.Is(err, ErrSKLength) {
		t.Errorf("Seal of unpadded plaintext: err = %v", err)
	}
}
