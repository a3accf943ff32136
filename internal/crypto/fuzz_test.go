package crypto

import (
	"bytes"
	"crypto/rand"
	"testing"
)

// FuzzSKOpen: Open on any input and any AAD length never panics, and a
// successful Open is only possible for messages this key sealed; messages
// sealed here always open to the same plaintext.
func FuzzSKOpen(f *testing.F) {
	f.Add([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"), uint16(32), uint8(0))
	f.Add(make([]byte, 100), uint16(28), uint8(5))
	f.Add([]byte{}, uint16(0), uint8(8))
	ciphers := make([]SKCipher, len(skConfigs))
	for i, c := range skConfigs {
		ciphers[i] = c.new(f)
	}
	f.Fuzz(func(t *testing.T, data []byte, aadLen uint16, which uint8) {
		sk := ciphers[int(which)%len(ciphers)]
		msg := bytes.Clone(data)
		if pt, err := sk.Open(msg, int(aadLen)); err == nil {
			t.Fatalf("random %d-byte input opened to %d bytes", len(data), len(pt))
		}
		// Round trip: seal data as plaintext, open it again.
		a := int(aadLen) % 64
		n := (len(data) + sk.BlockSize()) / sk.BlockSize() * sk.BlockSize()
		m := make([]byte, a+sk.IVSize()+n+sk.ICVSize())
		copy(m[a+sk.IVSize():], data)
		if err := sk.Seal(m, a); err != nil {
			t.Fatal(err)
		}
		pt, err := sk.Open(m, a)
		if err != nil || !bytes.HasPrefix(pt, data) || len(pt) != n {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzDHSharedSecret: SharedSecret with any peer value never panics, and an
// accepted value yields a secret of the group's length.
func FuzzDHSharedSecret(f *testing.F) {
	ids := []DHID{DHMODP768, DHMODP1024, DHMODP1536, DHMODP2048, DHECP256, DHECP384, DHECP521, DHCurve25519}
	keys := make([]DHKey, len(ids))
	for i, id := range ids {
		g, _ := NewDH(uint16(id))
		k, err := g.GenerateKey(rand.Reader)
		if err != nil {
			f.Fatal(err)
		}
		keys[i] = k
		f.Add(k.PublicValue(), uint8(i))
	}
	f.Add([]byte{}, uint8(0))
	f.Add(make([]byte, 32), uint8(7))
	f.Fuzz(func(t *testing.T, peer []byte, which uint8) {
		i := int(which) % len(keys)
		z, err := keys[i].SharedSecret(peer)
		if err != nil {
			return
		}
		g, _ := NewDH(uint16(ids[i]))
		if n := len(z); n != g.PublicSize() && n != g.PublicSize()/2 {
			t.Fatalf("%s: %d-byte secret", ids[i], n)
		}
		if bytes.Equal(z, make([]byte, len(z))) {
			t.Fatalf("%s: all-zero secret accepted", ids[i])
		}
	})
}

// FuzzVerifyDigitalSignature: the AUTH data of method 14 (AlgorithmIdentifier
// and signature) never panics the parser or the verifiers, and random data
// never verifies.
func FuzzVerifyDigitalSignature(f *testing.F) {
	for _, v := range rfc7427Blobs {
		der := hx(f, v.der)
		f.Add(append(append([]byte{byte(len(der))}, der...), make([]byte, 64)...), uint8(0))
	}
	testKeys(f)
	pubs := []any{testRSA.Public(), testEC[AuthECDSA256].Public(), testEC[AuthECDSA521].Public(), testEd.Public()}
	all := []HashAlgorithm{HashSHA1, HashSHA2_256, HashSHA2_384, HashSHA2_512, HashIdentity}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		if len(data) > 0 {
			end := min(len(data), 1+int(data[0]))
			parseAlgorithmIdentifier(data[1:end])
		}
		for _, m := range []AuthMethod{AuthDigitalSignature, AuthRSASig, AuthDSS, AuthECDSA256, AuthECDSA521} {
			if VerifyAUTH(m, pubs[int(which)%len(pubs)], data, []byte("octets"), all) == nil {
				t.Fatalf("random AUTH data verified under %s", m)
			}
		}
	})
}

// FuzzSignatureHashAlgorithms: decode then encode gives the input back.
func FuzzSignatureHashAlgorithms(f *testing.F) {
	f.Add([]byte{0, 2, 0, 3, 0, 4, 0, 5})
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, data []byte) {
		algs, err := ParseSignatureHashAlgorithms(data)
		if err != nil {
			if len(data)%2 == 0 {
				t.Fatal(err)
			}
			return
		}
		if got := AppendSignatureHashAlgorithms(nil, algs); !bytes.Equal(got, data) {
			t.Fatalf("re-encoded %x, want %x", got, data)
		}
	})
}
