package crypto

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"
)

// TestECPVectors runs RFC 5903 section 8: known private values give the
// published KE data (x || y, no 0x04) and the shared secret x.
func TestECPVectors(t *testing.T) {
	for _, v := range []struct {
		name                     string
		id                       DHID
		i, gix, giy, r, grx, gry string
		girx                     string
	}{
		{"RFC 5903 8.1 DHECP256", DHECP256,
			"c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
			"dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180",
			"5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
			"c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
			"d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63",
			"56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
			"d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de",
		},
		{"RFC 5903 8.2 DHECP384", DHECP384,
			"099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655e35b538041e649ee3faef896783ab194",
			"667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa",
			"9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
			"41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942e0308312916b8ed2960e4bd55a7448fc",
			"e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571",
			"dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
			"11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4d603135569b9e9d09cf5d4a270f59746",
		},
		{"RFC 5903 8.3 DHECP521", DHECP521,
			"0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a095aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d4a52",
			"0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbee1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176ced3e",
			"017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10ad8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f9582",
			"0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb151685eb9",
			"00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a219b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9460f",
			"015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0fc56a",
			"01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3ddea",
		},
	} {
		t.Run(v.name, func(t *testing.T) {
			g, err := NewDH(uint16(v.id))
			if err != nil {
				t.Fatal(err)
			}
			ki, err := g.GenerateKey(bytes.NewReader(hx(t, v.i)))
			if err != nil {
				t.Fatal(err)
			}
			kr, err := g.GenerateKey(bytes.NewReader(hx(t, v.r)))
			if err != nil {
				t.Fatal(err)
			}
			gi := append(hx(t, v.gix), hx(t, v.giy)...)
			gr := append(hx(t, v.grx), hx(t, v.gry)...)
			if !bytes.Equal(ki.PublicValue(), gi) || !bytes.Equal(kr.PublicValue(), gr) {
				t.Fatalf("public values\n%x\n%x", ki.PublicValue(), kr.PublicValue())
			}
			if len(gi) != g.PublicSize() {
				t.Fatalf("PublicSize = %d, want %d", g.PublicSize(), len(gi))
			}
			for _, side := range []struct {
				k    DHKey
				peer []byte
			}{{ki, gr}, {kr, gi}} {
				z, err := side.k.SharedSecret(side.peer)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(z, hx(t, v.girx)) {
					t.Fatalf("shared secret %x, want %s", z, v.girx)
				}
			}
			// RFC 6989 2.3: a point off the curve is rejected.
			bad := bytes.Clone(gr)
			bad[len(bad)-1] ^= 1
			if _, err := ki.SharedSecret(bad); !errors.Is(err, ErrDHPeerValue) {
				t.Fatalf("off-curve point: err = %v", err)
			}
			if _, err := ki.SharedSecret(make([]byte, len(gr))); !errors.Is(err, ErrDHPeerValue) {
				t.Fatalf("(0, 0): err = %v", err)
			}
			ki.Zero()
			if _, err := ki.SharedSecret(gr); !errors.Is(err, ErrDHZeroed) {
				t.Fatalf("after Zero: err = %v", err)
			}
		})
	}
}

// TestX25519Vectors runs RFC 7748 6.1 (referenced by RFC 8031 for
// Curve25519 in IKEv2) and the all-zero check of RFC 8031 2.
func TestX25519Vectors(t *testing.T) {
	const (
		alicePriv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
		alicePub  = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
		bobPriv   = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
		bobPub    = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
		shared    = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
	)
	g, err := NewDH(uint16(DHCurve25519))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := g.GenerateKey(bytes.NewReader(hx(t, alicePriv)))
	b, _ := g.GenerateKey(bytes.NewReader(hx(t, bobPriv)))
	if hex.EncodeToString(a.PublicValue()) != alicePub || hex.EncodeToString(b.PublicValue()) != bobPub {
		t.Fatalf("public values %x %x", a.PublicValue(), b.PublicValue())
	}
	for _, s := range []struct {
		k    DHKey
		peer string
	}{{a, bobPub}, {b, alicePub}} {
		z, err := s.k.SharedSecret(hx(t, s.peer))
		if err != nil || hex.EncodeToString(z) != shared {
			t.Fatalf("shared = %x, %v", z, err)
		}
	}
	// Low-order points give an all-zero secret, which RFC 8031 2 rejects:
	// u = 0, u = 1 and a point of order 8.
	for _, low := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	} {
		if _, err := a.SharedSecret(hx(t, low)); !errors.Is(err, ErrDHPeerValue) {
			t.Errorf("low-order %s: err = %v", low, err)
		}
	}
	if _, err := a.SharedSecret(hx(t, bobPub)[:31]); !errors.Is(err, ErrDHPeerValue) {
		t.Errorf("short value: err = %v", err)
	}
	a.Zero()
	if _, err := a.SharedSecret(hx(t, bobPub)); !errors.Is(err, ErrDHZeroed) {
		t.Fatalf("after Zero: err = %v", err)
	}
}

// modpSums are SHA-256 digests of the primes as printed in RFC 2409 6.1, 6.2
// and RFC 3526 2-7 (computed from the RFC text, independently of the Go
// tables), with the bit lengths.
var modpSums = []struct {
	id   DHID
	bits int
	sum  string
}{
	{DHMODP768, 768, "b52ba6a3026520a6c49d37e4587601801bee500123b3259b6bf03e7cecc3e63d"},
	{DHMODP1024, 1024, "3f35a3f5f6c4376a744acad409bb22f8d897f949d2311d885adaa890981b67a0"},
	{DHMODP1536, 1536, "64fcc83ec403930bf18393dbc883ccaa1fbb08ac876f77f7aa99748ca945019b"},
	{DHMODP2048, 2048, "d66436f79bbd6b2e38c0ffbd079be904d2641415e2e67140e09448be9a60890e"},
	{DHMODP3072, 3072, "48cf8b092fbce4359d9871abf74f98e25b6163379eaa15cd9087e800c6d1c55c"},
	{DHMODP4096, 4096, "4ee95187682bcb230ad26a95205f6920e84708f6251b3894329b09ec23919e33"},
	{DHMODP6144, 6144, "d1bfe6d0925ce7e4da262b62861514a7755e35831e429f343e7b864848657efd"},
	{DHMODP8192, 8192, "39ab4feab950a3128fb71accb9fc3965d857012e081998a85996e3ea8b3c3bcf"},
}

// TestMODPConstants checks the group primes: digest of the RFC hex, bit
// length, the 64 top and bottom bits set (RFC 2412 E / RFC 3526 form), and
// for groups up to 4096 bits that p and (p-1)/2 pass the probable-prime test.
func TestMODPConstants(t *testing.T) {
	for _, v := range modpSums {
		t.Run(v.id.String(), func(t *testing.T) {
			gi, err := NewDH(uint16(v.id))
			if err != nil {
				t.Fatal(err)
			}
			g := gi.(*modpGroup)
			b := g.p.Bytes()
			if s := sha256.Sum256(b); hex.EncodeToString(s[:]) != v.sum {
				t.Fatalf("prime digest %x, want %s", s, v.sum)
			}
			if g.p.BitLen() != v.bits || g.PublicSize()*8 != v.bits {
				t.Fatalf("bit length %d", g.p.BitLen())
			}
			ones := bytes.Repeat([]byte{0xff}, 8)
			if !bytes.Equal(b[:8], ones) || !bytes.Equal(b[len(b)-8:], ones) {
				t.Fatal("top or bottom 64 bits not all ones")
			}
			tr, ok := LookupTransform(TransformDH, uint16(v.id))
			if !ok || tr.PubSize != v.bits/8 || tr.Weak != (v.bits < 2048) {
				t.Fatalf("registry entry %+v", tr)
			}
			if v.bits > 4096 || testing.Short() {
				return
			}
			q := new(big.Int).Rsh(g.p, 1)
			if !g.p.ProbablyPrime(1) || !q.ProbablyPrime(1) {
				t.Fatal("p is not a safe prime")
			}
		})
	}
}

// TestMODPExchange runs both sides of each MODP group and checks the RFC
// 6989 2.1 range checks and the fixed-length encoding of RFC 7296 2.14.
func TestMODPExchange(t *testing.T) {
	for _, v := range modpSums {
		t.Run(v.id.String(), func(t *testing.T) {
			if v.bits > 3072 && testing.Short() {
				t.Skip("slow")
			}
			g, _ := NewDH(uint16(v.id))
			a, err := g.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := g.GenerateKey(rand.Reader)
			za, err := a.SharedSecret(b.PublicValue())
			if err != nil {
				t.Fatal(err)
			}
			zb, err := b.SharedSecret(a.PublicValue())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(za, zb) || len(za) != g.PublicSize() || len(a.PublicValue()) != g.PublicSize() {
				t.Fatalf("secrets differ or wrong length: %d %d", len(za), len(zb))
			}
			p := g.(*modpGroup).p
			pm1 := new(big.Int).Sub(p, big.NewInt(1))
			for name, y := range map[string]*big.Int{
				"0": big.NewInt(0), "1": big.NewInt(1), "p-1": pm1, "p": p,
			} {
				if _, err := a.SharedSecret(y.FillBytes(make([]byte, g.PublicSize()))); !errors.Is(err, ErrDHPeerValue) {
					t.Errorf("y = %s: err = %v", name, err)
				}
			}
			if _, err := a.SharedSecret(b.PublicValue()[1:]); !errors.Is(err, ErrDHPeerValue) {
				t.Error("short value accepted")
			}
			a.Zero()
			if _, err := a.SharedSecret(b.PublicValue()); !errors.Is(err, ErrDHZeroed) {
				t.Fatalf("after Zero: err = %v", err)
			}
		})
	}
}

// TestMODPKnownExponent checks g^x mod p with a fixed exponent against
// math/big directly, and the left padding of short values.
func TestMODPKnownExponent(t *testing.T) {
	g, _ := NewDH(uint16(DHMODP2048))
	x := bytes.Repeat([]byte{0x5a}, 40) // 320 bits
	k, err := g.GenerateKey(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	p := g.(*modpGroup).p
	want := new(big.Int).Exp(big.NewInt(2), new(big.Int).SetBytes(x), p).FillBytes(make([]byte, 256))
	if !bytes.Equal(k.PublicValue(), want) {
		t.Fatal("public value mismatch")
	}
	// y = 2 has g^xy = 2^x, whose encoding must be padded to 256 bytes.
	two := make([]byte, 256)
	two[255] = 2
	z, err := k.SharedSecret(two)
	if err != nil || !bytes.Equal(z, want) {
		t.Fatalf("2^x: %v", err)
	}
}

func TestNewDHUnknown(t *testing.T) {
	for _, id := range []DHID{DHNone, 22, 32, 99} {
		if _, err := NewDH(uint16(id)); err == nil {
			t.Errorf("%s accepted", id)
		}
	}
}
