package crypto

import (
	"bytes"
	"crypto"
	"crypto/dsa" //lint:ignore SA1019 tests the DSS verification of auth method 3
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"errors"
	"math/big"
	"sync"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// rfc7427Blobs are the AlgorithmIdentifiers of RFC 7427 appendix A.
var rfc7427Blobs = []struct {
	name string
	der  string
	want sigAlg
}{
	{"A.1.1 sha1WithRSAEncryption", "300d06092a864886f70d0101050500", sigAlg{kind: sigRSAPKCS1, hash: HashSHA1}},
	{"A.1.2 sha256WithRSAEncryption", "300d06092a864886f70d01010b0500", sigAlg{kind: sigRSAPKCS1, hash: HashSHA2_256}},
	{"A.1.3 sha384WithRSAEncryption", "300d06092a864886f70d01010c0500", sigAlg{kind: sigRSAPKCS1, hash: HashSHA2_384}},
	{"A.1.4 sha512WithRSAEncryption", "300d06092a864886f70d01010d0500", sigAlg{kind: sigRSAPKCS1, hash: HashSHA2_512}},
	{"A.2.1 dsa-with-sha1", "300906072a8648ce380403", sigAlg{kind: sigDSA, hash: HashSHA1}},
	{"A.2.2 dsa-with-sha256", "300b0609608648016503040302", sigAlg{kind: sigDSA, hash: HashSHA2_256}},
	{"A.3.1 ecdsa-with-sha1", "300906072a8648ce3d0401", sigAlg{kind: sigECDSA, hash: HashSHA1}},
	{"A.3.2 ecdsa-with-sha256", "300a06082a8648ce3d040302", sigAlg{kind: sigECDSA, hash: HashSHA2_256}},
	{"A.3.3 ecdsa-with-sha384", "300a06082a8648ce3d040303", sigAlg{kind: sigECDSA, hash: HashSHA2_384}},
	{"A.3.4 ecdsa-with-sha512", "300a06082a8648ce3d040304", sigAlg{kind: sigECDSA, hash: HashSHA2_512}},
	{"A.4.1 RSASSA-PSS with empty parameters", "300d06092a864886f70d01010a3000", sigAlg{kind: sigRSAPSS, hash: HashSHA1, salt: 20}},
	{"A.4.2 RSASSA-PSS with default parameters",
		"303e06092a864886f70d01010a3031a00b300906052b0e03021a0500a118301606092a864886f70d010108300906052b0e03021a0500a203020114a303020101",
		sigAlg{kind: sigRSAPSS, hash: HashSHA1, salt: 20}},
	{"A.4.3 RSASSA-PSS with SHA-256",
		"304606092a864886f70d01010a3039a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120a303020101",
		sigAlg{kind: sigRSAPSS, hash: HashSHA2_256, salt: 32}},
	// RFC 8420 3: id-Ed25519, parameters absent.
	{"RFC 8420 Ed25519", "300506032b6570", sigAlg{kind: sigEd25519, hash: HashIdentity}},
}

func TestRFC7427AlgorithmIdentifiers(t *testing.T) {
	for _, v := range rfc7427Blobs {
		t.Run(v.name, func(t *testing.T) {
			got, err := parseAlgorithmIdentifier(hx(t, v.der))
			if err != nil {
				t.Fatal(err)
			}
			if got != v.want {
				t.Fatalf("parsed %+v, want %+v", got, v.want)
			}
		})
	}
	// Encoding: what this side sends must be the appendix's bytes.
	rsaPub, ecPub := &rsa.PublicKey{}, &ecdsa.PublicKey{}
	edPub := make(ed25519.PublicKey, 32)
	for _, v := range []struct {
		pub  crypto.PublicKey
		o    SignOptions
		blob int
	}{
		{rsaPub, SignOptions{Hash: HashSHA1}, 0}, {rsaPub, SignOptions{Hash: HashSHA2_256}, 1},
		{rsaPub, SignOptions{Hash: HashSHA2_384}, 2}, {rsaPub, SignOptions{Hash: HashSHA2_512}, 3},
		{ecPub, SignOptions{Hash: HashSHA1}, 6}, {ecPub, SignOptions{Hash: HashSHA2_256}, 7},
		{ecPub, SignOptions{Hash: HashSHA2_384}, 8}, {ecPub, SignOptions{Hash: HashSHA2_512}, 9},
		{rsaPub, SignOptions{Hash: HashSHA2_256, PSS: true}, 12},
		{edPub, SignOptions{}, 13},
	} {
		got, err := v.o.AlgorithmIdentifier(v.pub)
		if err != nil {
			t.Fatal(err)
		}
		if want := hx(t, rfc7427Blobs[v.blob].der); !bytes.Equal(got, want) {
			t.Errorf("%s: encoded %x", rfc7427Blobs[v.blob].name, got)
		}
	}
	// PSS with SHA-384/512 round-trips through the parser.
	for _, h := range []HashAlgorithm{HashSHA2_384, HashSHA2_512} {
		der, _ := SignOptions{Hash: h, PSS: true}.AlgorithmIdentifier(rsaPub)
		a, err := parseAlgorithmIdentifier(der)
		ch, _ := h.cryptoHash()
		if err != nil || a != (sigAlg{kind: sigRSAPSS, hash: h, salt: ch.Size()}) {
			t.Errorf("PSS %s: %+v %v", h, a, err)
		}
	}
	for _, bad := range []string{
		"", "30", "300d06092a864886f70d0101050500ff", // trailing data
		"300d06092a864886f70d0101050400", // parameters neither NULL nor absent
		"300c06082a8648ce3d0403020500",   // ECDSA with parameters
		"300906072a8648ce3d0402",         // unknown OID
		"304606092a864886f70d01010a3039a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020120a303020101", // MGF1-SHA384 with SHA-256
		"304606092a864886f70d01010a3039a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120a303020102", // trailer 2
	} {
		if _, err := parseAlgorithmIdentifier(hx(t, bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// TestECDSARFC4754 verifies the signatures of RFC 4754 section 8 over "abc"
// and checks the AUTH payloads printed there.
func TestECDSARFC4754(t *testing.T) {
	for _, v := range []struct {
		name                   string
		m                      AuthMethod
		curve                  elliptic.Curve
		w, gwx, gwy, r, s, pay string
	}{
		{"RFC 4754 8.1", AuthECDSA256, elliptic.P256(),
			"dc51d3866a15bacde33d96f992fca99da7e6ef0934e7097559c27f1614c88a7f",
			"2442a5cc0ecd015fa3ca31dc8e2bbc70bf42d60cbca20085e0822cb04235e970",
			"6fc98bd7e50211a4a27102fa3549df79ebcb4bf246b80945cddfe7d509bbfd7d",
			"cb28e0999b9c7715fd0a80d8e47a77079716cbbf917dd72e97566ea1c066957c",
			"86fa3bb4e26cad5bf90b7f81899256ce7594bb1ea0c89212748bff3b3d5b0315",
			"0000004800090000cb28e0999b9c7715fd0a80d8e47a77079716cbbf917dd72e97566ea1c066957c86fa3bb4e26cad5bf90b7f81899256ce7594bb1ea0c89212748bff3b3d5b0315",
		},
		{"RFC 4754 8.2", AuthECDSA384, elliptic.P384(),
			"0beb646634ba87735d77ae4809a0ebea865535de4c1e1dcb692e84708e81a5af62e528c38b2a81b35309668d73524d9f",
			"96281bf8dd5e0525ca049c048d345d3082968d10fedf5c5aca0c64e6465a97ea5ce10c9dfec21797415710721f437922",
			"447688ba94708eb6e2e4d59f6ab6d7edff9301d249fe49c33096655f5d502fad3d383b91c5e7edaa2b714cc99d5743ca",
			"fb017b914e29149432d8bac29a514640b46f53ddab2c69948084e2930f1c8f7e08e07c9c63f2d21a07dcb56a6af56eb3",
			"b263a1305e057f984d38726a1b46874109f417bca112674c528262a40a629af1cbb9f516ce0fa7d2ff630863a00e8b9f",
			"00000068000a0000fb017b914e29149432d8bac29a514640b46f53ddab2c69948084e2930f1c8f7e08e07c9c63f2d21a07dcb56a6af56eb3b263a1305e057f984d38726a1b46874109f417bca112674c528262a40a629af1cbb9f516ce0fa7d2ff630863a00e8b9f",
		},
		{"RFC 4754 8.3", AuthECDSA521, elliptic.P521(),
			"0065fda3409451dcab0a0ead45495112a3d813c17bfd34bdf8c1209d7df5849120597779060a7ff9d704adf78b570ffad6f062e95c7e0c5d5481c5b153b48b375fa1",
			"0151518f1af0f563517edd5485190df95a4bf57b5cba4cf2a9a3f6474725a35f7afe0a6ddeb8bedbcd6a197e592d40188901cecd650699c9b5e456aea5add19052a8",
			"006f3b142ea1bfff7e2837ad44c9e4ff6d2d34c73184bbad90026dd5e6e85317d9df45cad7803c6c20035b2f3ff63aff4e1ba64d1c077577da3f4286c58f0aeae643",
			"0154fd3836af92d0dca57dd5341d3053988534fde8318fc6aaaab68e2e6f4339b19f2f281a7e0b22c269d93cf8794a9278880ed7dbb8d9362caeacee544320552251",
			"017705a7030290d1ceb605a9a1bb03ff9cdd521e87a696ec926c8c10c8362df4975367101f67d1cf9bccbf2f3d239534fa509e70aac851ae01aac68d62f866472660",
			"0000008c000b00000154fd3836af92d0dca57dd5341d3053988534fde8318fc6aaaab68e2e6f4339b19f2f281a7e0b22c269d93cf8794a9278880ed7dbb8d9362caeacee544320552251017705a7030290d1ceb605a9a1bb03ff9cdd521e87a696ec926c8c10c8362df4975367101f67d1cf9bccbf2f3d239534fa509e70aac851ae01aac68d62f866472660",
		},
	} {
		t.Run(v.name, func(t *testing.T) {
			pub, err := ecdsa.ParseUncompressedPublicKey(v.curve, append(append([]byte{4}, hx(t, v.gwx)...), hx(t, v.gwy)...))
			if err != nil {
				t.Fatal(err)
			}
			data := append(hx(t, v.r), hx(t, v.s)...)
			payload := hx(t, v.pay)
			// The RFC prints the Auth Method as "0009 0000", one octet later
			// than RFC 7296 3.8 puts it; only the data after the 8-byte
			// header is compared with the layout.
			if payload[5] != byte(v.m) || !bytes.Equal(payload[8:], data) {
				t.Fatalf("AUTH payload %x does not carry method %d and r || s", payload, v.m)
			}
			if err := VerifyAUTH(v.m, pub, data, []byte("abc"), nil); err != nil {
				t.Fatal(err)
			}
			if err := VerifyAUTH(v.m, pub, data, []byte("abd"), nil); !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("wrong message: %v", err)
			}
			// The static key signs too, verified with the published public key.
			priv, err := ecdsa.ParseRawPrivateKey(v.curve, hx(t, v.w))
			if err != nil || !priv.PublicKey.Equal(pub) {
				t.Fatalf("private key w does not match g^w: %v", err)
			}
			sig, err := SignAUTH(v.m, priv, []byte("abc"), SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != len(data) {
				t.Fatalf("signature is %d bytes, want %d", len(sig), len(data))
			}
			if err := VerifyAUTH(v.m, pub, sig, []byte("abc"), nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

var (
	testKeysOnce sync.Once
	testRSA      *rsa.PrivateKey
	testEC       map[AuthMethod]*ecdsa.PrivateKey
	testEd       ed25519.PrivateKey
)

func testKeys(t testing.TB) {
	testKeysOnce.Do(func() {
		var err error
		if testRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		testEC = map[AuthMethod]*ecdsa.PrivateKey{}
		for m, c := range map[AuthMethod]elliptic.Curve{AuthECDSA256: elliptic.P256(), AuthECDSA384: elliptic.P384(), AuthECDSA521: elliptic.P521()} {
			testEC[m], _ = ecdsa.GenerateKey(c, rand.Reader)
		}
		_, testEd, _ = ed25519.GenerateKey(rand.Reader)
	})
}

// TestSignatureRoundTrip signs and verifies every supported combination and
// checks that changed octets, another key or a hash outside the announced
// list fail.
func TestSignatureRoundTrip(t *testing.T) {
	testKeys(t)
	octets := seq(0, 200)
	type tc struct {
		name string
		m    AuthMethod
		key  crypto.Signer
		o    SignOptions
	}
	cases := []tc{
		{"RSA method 1", AuthRSASig, testRSA, SignOptions{}},
		{"Ed25519 method 14", AuthDigitalSignature, testEd, SignOptions{Hash: HashIdentity}},
	}
	for _, h := range []HashAlgorithm{HashSHA2_256, HashSHA2_384, HashSHA2_512} {
		cases = append(cases,
			tc{"RSA PKCS1 method 14 " + h.String(), AuthDigitalSignature, testRSA, SignOptions{Hash: h}},
			tc{"RSA PSS method 14 " + h.String(), AuthDigitalSignature, testRSA, SignOptions{Hash: h, PSS: true}},
			tc{"ECDSA P-256 method 14 " + h.String(), AuthDigitalSignature, testEC[AuthECDSA256], SignOptions{Hash: h}})
	}
	for m, k := range testEC {
		cases = append(cases, tc{"ECDSA " + m.String(), m, k, SignOptions{}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := SignAUTH(c.m, c.key, octets, c.o)
			if err != nil {
				t.Fatal(err)
			}
			pub := c.key.Public()
			if err := VerifyAUTH(c.m, pub, data, octets, nil); err != nil {
				t.Fatal(err)
			}
			if err := VerifyAUTH(c.m, pub, data, octets[1:], nil); !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("changed octets: %v", err)
			}
			other := crypto.PublicKey(testEd.Public())
			if _, ok := pub.(ed25519.PublicKey); ok {
				other = testRSA.Public()
			}
			if err := VerifyAUTH(c.m, other, data, octets, nil); !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("other key: %v", err)
			}
			if c.m == AuthDigitalSignature {
				if err := VerifyAUTH(c.m, pub, data, octets, []HashAlgorithm{HashSHA1}); !errors.Is(err, ErrAuthFailed) {
					t.Fatalf("hash not announced: %v", err)
				}
				if err := VerifyAUTH(c.m, pub, data[:data[0]], octets, nil); !errors.Is(err, ErrAuthFailed) {
					t.Fatalf("truncated: %v", err)
				}
			}
		})
	}
	// Method/key mismatches are refused at signing.
	if _, err := SignAUTH(AuthECDSA256, testEC[AuthECDSA384], octets, SignOptions{}); err == nil {
		t.Error("P-384 key signed method 9")
	}
	if _, err := SignAUTH(AuthRSASig, testEd, octets, SignOptions{}); err == nil {
		t.Error("Ed25519 key signed method 1")
	}
	if _, err := SignAUTH(AuthDSS, testEd, octets, SignOptions{}); err == nil {
		t.Error("signed DSS")
	}
	// SHA-1 under method 14 verifies only when announced.
	data, _ := SignAUTH(AuthDigitalSignature, testRSA, octets, SignOptions{Hash: HashSHA1})
	// RFC 7427 B.1: the Authentication Data starts with 0f 300d...0500.
	if want := hx(t, "0f300d06092a864886f70d0101050500"); !bytes.HasPrefix(data, want) || len(data) != len(want)+256 {
		t.Fatalf("method 14 data %x does not follow RFC 7427 B.1", data[:20])
	}
	if err := VerifyAUTH(AuthDigitalSignature, testRSA.Public(), data, octets, []HashAlgorithm{HashSHA1}); err != nil {
		t.Fatal(err)
	}
	if err := VerifyAUTH(AuthDigitalSignature, testRSA.Public(), data, octets, nil); err == nil {
		t.Fatal("SHA-1 accepted by default")
	}
}

// TestDSSVerify checks method 3 (DSS with SHA-1, r || s of 20 bytes each)
// and dsa-with-sha1 under method 14 (DER Dss-Sig-Value).
func TestDSSVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("DSA parameter generation is slow")
	}
	var priv dsa.PrivateKey
	if err := dsa.GenerateParameters(&priv.Parameters, rand.Reader, dsa.L1024N160); err != nil {
		t.Fatal(err)
	}
	if err := dsa.GenerateKey(&priv, rand.Reader); err != nil {
		t.Fatal(err)
	}
	octets := []byte("signed octets")
	d := sha1.Sum(octets)
	r, s, err := dsa.Sign(rand.Reader, &priv, d[:])
	if err != nil {
		t.Fatal(err)
	}
	fixed := make([]byte, 40)
	r.FillBytes(fixed[:20])
	s.FillBytes(fixed[20:])
	if err := VerifyAUTH(AuthDSS, &priv.PublicKey, fixed, octets, nil); err != nil {
		t.Fatal(err)
	}
	fixed[5] ^= 1
	if err := VerifyAUTH(AuthDSS, &priv.PublicKey, fixed, octets, nil); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("bad DSS signature: %v", err)
	}
	der := hx(t, "300906072a8648ce380403")
	rs, _ := (&cryptobyteDER{r, s}).bytes()
	data := append(append([]byte{byte(len(der))}, der...), rs...)
	if err := VerifyAUTH(AuthDigitalSignature, &priv.PublicKey, data, octets, []HashAlgorithm{HashSHA1}); err != nil {
		t.Fatal(err)
	}
}

func TestSignatureHashAlgorithms(t *testing.T) {
	// RFC 7427 4: a list of 16-bit IDs without padding.
	data := AppendSignatureHashAlgorithms(nil, []HashAlgorithm{HashSHA2_256, HashSHA2_384, HashSHA2_512, HashIdentity})
	if want := hx(t, "0002000300040005"); !bytes.Equal(data, want) {
		t.Fatalf("encoded %x", data)
	}
	peer, err := ParseSignatureHashAlgorithms(append(data, 0, 7))
	if err != nil || len(peer) != 5 || peer[4] != 7 {
		t.Fatalf("parsed %v, %v", peer, err)
	}
	if _, err := ParseSignatureHashAlgorithms([]byte{0, 2, 0}); err == nil {
		t.Fatal("odd length accepted")
	}
	testKeys(t)
	ours := []HashAlgorithm{HashSHA2_512, HashSHA2_256, HashIdentity}
	for _, v := range []struct {
		pub  crypto.PublicKey
		peer []HashAlgorithm
		want HashAlgorithm
		ok   bool
	}{
		{testRSA.Public(), []HashAlgorithm{HashSHA2_256, HashSHA2_512}, HashSHA2_512, true},
		{testRSA.Public(), []HashAlgorithm{HashSHA1, HashSHA2_256}, HashSHA2_256, true},
		{testRSA.Public(), []HashAlgorithm{HashSHA1, HashIdentity}, 0, false},
		{testEd.Public(), []HashAlgorithm{HashSHA2_256, HashIdentity}, HashIdentity, true},
		{testEd.Public(), []HashAlgorithm{HashSHA2_256}, 0, false},
	} {
		got, ok := SelectSignatureHash(ours, v.peer, v.pub)
		if got != v.want || ok != v.ok {
			t.Errorf("%T %v: got %s %v", v.pub, v.peer, got, ok)
		}
	}
	if m, ok := LegacyAuthMethod(testEC[AuthECDSA384].Public()); !ok || m != AuthECDSA384 {
		t.Error("legacy method for P-384")
	}
	if _, ok := LegacyAuthMethod(testEd.Public()); ok {
		t.Error("legacy method for Ed25519")
	}
}

// cryptobyteDER encodes a Dss-Sig-Value for the test.
type cryptobyteDER struct{ r, s *big.Int }

func (p *cryptobyteDER) bytes() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(p.r)
		b.AddASN1BigInt(p.s)
	})
	return b.Bytes()
}
