//go:build linux

package interop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// pki is one CA and a certificate for each side, as PEM files.
type pki struct {
	caCert            string
	ikedCert, ikedKey string // the key in SEC1/PKCS#1 form
	peerCert, peerKey string // the key in PKCS#8 form
	peerKeyIsRSA      bool
	dir               string
}

// newPKI issues certificates for iked.example and peer.example (their
// DNS names, as the IKE IDs are FQDNs) from one CA, all with keys of kind
// "rsa" (2048 bits) or "ecdsa" (P-256).
func (c *caseRun) newPKI(kind string) *pki {
	dir := filepath.Join(c.dir, "pki")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		c.fail("%v", err)
	}
	p := &pki{dir: dir, peerKeyIsRSA: kind == "rsa"}
	caKey := c.newKey(kind)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "iked interop CA", Organization: []string{"racoon2go"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		c.fail("CA: %v", err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	p.caCert = filepath.Join(dir, "ca.pem")
	writePEM(c, p.caCert, "CERTIFICATE", caDER)
	issue := func(name string, serial int64, pkcs8 bool) (string, string) {
		key := c.newKey(kind)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name, Organization: []string{"racoon2go"}},
			DNSNames: []string{name}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
		if err != nil {
			c.fail("certificate %s: %v", name, err)
		}
		certPath, keyPath := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
		writePEM(c, certPath, "CERTIFICATE", der)
		switch k := key.(type) {
		case *rsa.PrivateKey:
			if pkcs8 {
				b, _ := x509.MarshalPKCS8PrivateKey(k)
				writePEM(c, keyPath, "PRIVATE KEY", b)
			} else {
				writePEM(c, keyPath, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k))
			}
		case *ecdsa.PrivateKey:
			if pkcs8 {
				b, _ := x509.MarshalPKCS8PrivateKey(k)
				writePEM(c, keyPath, "PRIVATE KEY", b)
			} else {
				b, _ := x509.MarshalECPrivateKey(k)
				writePEM(c, keyPath, "EC PRIVATE KEY", b)
			}
		}
		return certPath, keyPath
	}
	p.ikedCert, p.ikedKey = issue(ikedID, 2, false)
	p.peerCert, p.peerKey = issue(peerID, 3, true)
	return p
}

func (c *caseRun) newKey(kind string) crypto.Signer {
	if kind == "rsa" {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			c.fail("%v", err)
		}
		return k
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		c.fail("%v", err)
	}
	return k
}

func writePEM(c *caseRun, path, typ string, der []byte) {
	writeFile(c, path, string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})), 0o600)
}
