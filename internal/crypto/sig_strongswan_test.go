package crypto

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"strings"
	"testing"
)

// TestStrongSwanSignatures verifies the AUTH payloads that strongSwan 5.9.8
// produced in the test bed (testdata/strongswan/capture.sh with AUTH=pubkey)
// over the signed octets it logged, with the certificates' public keys, and
// checks that this package encodes the same AlgorithmIdentifiers.
func TestStrongSwanSignatures(t *testing.T) {
	all := []HashAlgorithm{HashSHA1, HashSHA2_256, HashSHA2_384, HashSHA2_512, HashIdentity}
	for _, v := range []struct {
		file        string
		left, right string
		mi, mr      AuthMethod
		oi, or      *SignOptions // expected method 14 encodings
	}{
		// LEFT=rsa RIGHT=p256 CHARON_EXTRA="rsa_pss = yes"
		{"sig-pss.log", "rsa", "p256", AuthDigitalSignature, AuthDigitalSignature,
			&SignOptions{Hash: HashSHA2_256, PSS: true}, &SignOptions{Hash: HashSHA2_256}},
		// LEFT=rsa RIGHT=p384 CHARON_EXTRA="signature_authentication = no"
		{"sig-legacy.log", "rsa", "p384", AuthRSASig, AuthECDSA384, nil, nil},
		// LEFT=ed RIGHT=ed
		{"sig-ed25519.log", "ed", "ed", AuthDigitalSignature, AuthDigitalSignature,
			&SignOptions{Hash: HashIdentity}, &SignOptions{Hash: HashIdentity}},
	} {
		t.Run(v.file, func(t *testing.T) {
			entries := parseStrongSwanLog(t, "testdata/strongswan/"+v.file)
			l := &ssLog{t: t, e: entries}
			octI := l.next("octets = message + nonce + prf(Sk_px, IDx')")
			octR := l.next("octets = message + nonce + prf(Sk_px, IDx')")
			// The IKE_AUTH plaintexts: the first after "generating IKE_AUTH
			// request" is ours (IDi first), the next the response (IDr first).
			var plains [][]byte
			seen := false
			for _, e := range entries {
				if strings.HasPrefix(e.label, "generating IKE_AUTH request") {
					seen = true
				}
				if seen && e.label == "plain" && len(plains) < 2 {
					plains = append(plains, e.data)
				}
			}
			if len(plains) != 2 {
				t.Fatalf("found %d IKE_AUTH plaintexts", len(plains))
			}
			const idi, idr, auth = 35, 36, 39
			for _, s := range []struct {
				name   string
				first  byte
				plain  []byte
				octets []byte
				key    string
				m      AuthMethod
				o      *SignOptions
			}{
				{"initiator", idi, plains[0], octI, v.left, v.mi, v.oi},
				{"responder", idr, plains[1], octR, v.right, v.mr, v.or},
			} {
				a := payloads(t, s.first, s.plain)[auth]
				if len(a) < 5 {
					t.Fatalf("%s: no AUTH payload", s.name)
				}
				if AuthMethod(a[0]) != s.m {
					t.Fatalf("%s: method %s, want %s", s.name, AuthMethod(a[0]), s.m)
				}
				pub := certKey(t, "testdata/strongswan/keys/"+s.key+".crt")
				if err := VerifyAUTH(s.m, pub, a[4:], s.octets, all); err != nil {
					t.Errorf("%s: %v", s.name, err)
				}
				bad := bytes.Clone(s.octets)
				bad[len(bad)-1] ^= 1
				if VerifyAUTH(s.m, pub, a[4:], bad, all) == nil {
					t.Errorf("%s: verified over changed octets", s.name)
				}
				if s.o == nil {
					continue
				}
				want, err := s.o.AlgorithmIdentifier(pub)
				if err != nil {
					t.Fatal(err)
				}
				got := a[5 : 5+a[4]]
				if s.o.PSS {
					// strongSwan omits the DEFAULT trailerField that RFC 7427
					// A.4.3 spells out; we send the RFC's form, and both
					// must parse to the same parameters.
					ga, err1 := parseAlgorithmIdentifier(got)
					wa, err2 := parseAlgorithmIdentifier(want)
					if err1 != nil || err2 != nil || ga != wa {
						t.Errorf("%s: PSS parameters differ: %+v %v / %+v %v", s.name, ga, err1, wa, err2)
					}
					continue
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: strongSwan sent AlgorithmIdentifier %x, we encode %x", s.name, got, want)
				}
			}
		})
	}
}

func certKey(t *testing.T, path string) crypto.PublicKey {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c.PublicKey
}
