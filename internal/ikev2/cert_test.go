package ikev2

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

type testCert struct {
	der  []byte
	cert *x509.Certificate
	key  crypto.Signer
}

var testRSAKeys = map[string]*rsa.PrivateKey{}

func rsaKey(t testing.TB, name string) *rsa.PrivateKey {
	if k := testRSAKeys[name]; k != nil {
		return k
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	testRSAKeys[name] = k
	return k
}

// mkCert makes a certificate for cn (also its DNS name), signed by parent
// (self-signed when nil).
func mkCert(t testing.TB, cn string, key crypto.Signer, parent *testCert, ca bool) *testCert {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"racoon2go test"}},
		DNSNames:              []string{cn},
		NotBefore:             time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		BasicConstraintsValid: true,
		IsCA:                  ca,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	pt, pk := tmpl, key
	if parent != nil {
		pt, pk = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, pt, key.Public(), pk)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCert{der: der, cert: c, key: key}
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func useCert(p *ike.PeerConfig, me *testCert, chain []*testCert, trust ...*testCert) {
	p.Auth, p.PSK = ike.AuthRSASig, nil
	if _, ok := me.key.(*ecdsa.PrivateKey); ok {
		p.Auth = ike.AuthECDSA
	}
	p.PrivateKey = me.key
	p.CertChain = [][]byte{me.der}
	for _, c := range chain {
		p.CertChain = append(p.CertChain, c.der)
	}
	p.PeerCerts = nil
	for _, c := range trust {
		p.PeerCerts = append(p.PeerCerts, c.der)
	}
}

// RFC 7296 2.15 and RFC 7427: RSA certificates named by peers_public_key
// (racoon2's way), FQDN IDs bound to subjectAltName, CERT payloads sent.
func TestCertRSAPeersPublicKey_RFC7427(t *testing.T) {
	ca := mkCert(t, "a.example", rsaKey(t, "a"), nil, false)
	cb := mkCert(t, "b.example", rsaKey(t, "b"), nil, false)
	p := newPair(t, func(a, b *ike.Config) {
		useCert(a.Peers[0], ca, nil, cb)
		useCert(b.Peers[0], cb, nil, ca)
	})
	p.establish(t)
	if p.kb.Count() != 2 || p.ka.Count() != 2 {
		t.Fatal("children not installed")
	}
	m := authResponse(t, p)
	if a := authOf(m); a == nil || a.Method != AuthDigitalSignature {
		t.Fatalf("AUTH %+v, want method 14", a)
	}
	if c, ok := m.Get(PayloadCERT).(*Cert); !ok || c.Encoding != CertX509Signature {
		t.Fatal("no CERT payload")
	}
}

// ECDSA with a CA as trust anchor, DN IDs, a chain with an intermediate,
// and messages cut into SKF fragments (RFC 7383).
func TestCertECDSAChainAndFragments_RFC7383(t *testing.T) {
	root := mkCert(t, "Test Root", ecKey(t), nil, true)
	inter := mkCert(t, "Test Intermediate", ecKey(t), root, true)
	ca := mkCert(t, "a.example", ecKey(t), inter, false)
	cb := mkCert(t, "b.example", ecKey(t), inter, false)
	p := newPair(t, func(a, b *ike.Config) {
		useCert(a.Peers[0], ca, []*testCert{inter}, root)
		useCert(b.Peers[0], cb, []*testCert{inter}, root)
		a.Peers[0].MyID = ike.ID{Type: ike.IDDERASN1DN, Data: ca.cert.RawSubject}
		b.Peers[0].MyID = ike.ID{Type: ike.IDDERASN1DN, Data: cb.cert.RawSubject}
		a.Peers[0].PeersIDs = []ike.ID{{Type: ike.IDDERASN1DN, Data: cb.cert.RawSubject}}
		b.Peers[0].PeersIDs = []ike.ID{{Type: ike.IDDERASN1DN, Data: ca.cert.RawSubject}}
	})
	p.a.o.MaxPacket, p.b.o.MaxPacket = 500, 500
	p.establish(t)
	frags := 0
	for _, q := range p.w.Log {
		if len(q.Data) > 500 {
			t.Fatalf("datagram of %d bytes with MaxPacket 500", len(q.Data))
		}
		if h, _ := HeaderView(q.Data); h.NextPayload() == PayloadSKF {
			frags++
		}
	}
	if frags < 4 {
		t.Fatalf("%d fragments", frags)
	}
}

// Failures: an untrusted certificate, an ID its certificate does not name.
func TestCertAuthenticationFailures(t *testing.T) {
	ca := mkCert(t, "a.example", ecKey(t), nil, false)
	cb := mkCert(t, "b.example", ecKey(t), nil, false)
	other := mkCert(t, "other.example", ecKey(t), nil, false)
	for name, mod := range map[string]func(a, b *ike.Config){
		"untrusted": func(a, b *ike.Config) {
			useCert(a.Peers[0], ca, nil, cb)
			useCert(b.Peers[0], cb, nil, other)
		},
		"id not in certificate": func(a, b *ike.Config) {
			useCert(a.Peers[0], ca, nil, cb)
			useCert(b.Peers[0], cb, nil, ca)
			a.Peers[0].MyID = ike.ID{Type: ike.IDFQDN, Data: []byte("c.example")}
			b.Peers[0].PeersIDs = []ike.ID{{Type: ike.IDFQDN, Data: []byte("c.example")}}
		},
		"responder untrusted by initiator": func(a, b *ike.Config) {
			useCert(a.Peers[0], ca, nil, other)
			useCert(b.Peers[0], cb, nil, ca)
		},
	} {
		t.Run(name, func(t *testing.T) {
			p := newPair(t, mod)
			_ = p.a.InitiateSelector("a-out")
			p.w.Run()
			if p.a.Len() != 0 || p.b.Len() != 0 || p.ka.Count() != 0 || len(p.ka.Larval) != 0 || p.kb.Count() != 0 {
				t.Fatalf("SAs %d/%d, kernel %d larval %d", p.a.Len(), p.b.Len(), p.ka.Count(), len(p.ka.Larval))
			}
		})
	}
}
