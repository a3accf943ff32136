package crypto

import (
	"bytes"
	"crypto"
	"crypto/dsa" //lint:ignore SA1019 DSS verification (auth method 3) is still required for interoperability
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha1" // register crypto.SHA1
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// sigKind is the signature scheme behind an AUTH method or an RFC 7427
// AlgorithmIdentifier.
type sigKind uint8

const (
	sigRSAPKCS1 sigKind = iota + 1
	sigRSAPSS
	sigECDSA
	sigDSA
	sigEd25519
)

// Object identifiers of RFC 7427 appendix A (from RFC 5912) and RFC 8420.
var (
	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 3}
	oidDSAWithSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 2}
	oidECDSAWithSHA1 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA2 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3} // .2 .3 .4
	oidEd25519       = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidSHA1          = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA2          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2} // .1 .2 .3
)

// cryptoHash maps the IANA hash IDs to Go's; Identity maps to 0.
func (h HashAlgorithm) cryptoHash() (crypto.Hash, bool) {
	switch h {
	case HashSHA1:
		return crypto.SHA1, true
	case HashSHA2_256:
		return crypto.SHA256, true
	case HashSHA2_384:
		return crypto.SHA384, true
	case HashSHA2_512:
		return crypto.SHA512, true
	case HashIdentity:
		return 0, true
	}
	return 0, false
}

// hashOID returns the OID of a hash; SHA2-256/384/512 end in arcs 1, 2, 3.
func hashOID(h HashAlgorithm) asn1.ObjectIdentifier {
	if h == HashSHA1 {
		return oidSHA1
	}
	return append(slices.Clone(oidSHA2), int(h-HashSHA2_256)+1)
}

// SignOptions choose the signature of the Digital Signature method (14).
type SignOptions struct {
	// Hash is the hash negotiated with SIGNATURE_HASH_ALGORITHMS; it is
	// ignored for Ed25519, which signs the octets themselves.
	Hash HashAlgorithm
	// PSS selects RSASSA-PSS (salt length = hash length, MGF1 with the same
	// hash) instead of PKCS#1 v1.5 for RSA keys.
	PSS bool
}

// AlgorithmIdentifier returns the DER AlgorithmIdentifier that method 14
// sends for a key of pub's type with these options (RFC 7427 3, appendix A).
func (o SignOptions) AlgorithmIdentifier(pub crypto.PublicKey) ([]byte, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		if o.PSS {
			return pssAlgorithmIdentifier(o.Hash)
		}
		switch o.Hash {
		case HashSHA1:
			return derAlgID(oidSHA1WithRSA, true), nil
		case HashSHA2_256:
			return derAlgID(oidSHA256WithRSA, true), nil
		case HashSHA2_384:
			return derAlgID(oidSHA384WithRSA, true), nil
		case HashSHA2_512:
			return derAlgID(oidSHA512WithRSA, true), nil
		}
	case *ecdsa.PublicKey:
		switch o.Hash {
		case HashSHA1:
			return derAlgID(oidECDSAWithSHA1, false), nil
		case HashSHA2_256, HashSHA2_384, HashSHA2_512:
			return derAlgID(append(slices.Clone(oidECDSAWithSHA2), int(o.Hash-HashSHA2_256)+2), false), nil
		}
	case ed25519.PublicKey:
		return derAlgID(oidEd25519, false), nil
	default:
		return nil, fmt.Errorf("crypto: unsupported public key %T", pub)
	}
	return nil, fmt.Errorf("crypto: hash %s not usable with %T", o.Hash, pub)
}

// derAlgID encodes SEQUENCE { oid, NULL } or SEQUENCE { oid }.
func derAlgID(oid asn1.ObjectIdentifier, null bool) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if null {
			b.AddASN1NULL()
		}
	})
	return b.BytesOrPanic()
}

// pssAlgorithmIdentifier encodes id-RSASSA-PSS with explicit parameters as
// in RFC 7427 A.4.3: hash, MGF1 with the same hash, salt length equal to the
// hash length, trailer field 1.
func pssAlgorithmIdentifier(h HashAlgorithm) ([]byte, error) {
	ch, ok := h.cryptoHash()
	if !ok || ch == 0 {
		return nil, fmt.Errorf("crypto: RSASSA-PSS with hash %s", h)
	}
	hashAlg := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(hashOID(h))
			b.AddASN1NULL()
		})
	}
	ctx := func(n uint8) cbasn1.Tag { return cbasn1.Tag(n).Constructed().ContextSpecific() }
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidRSAPSS)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(ctx(0), hashAlg)
			b.AddASN1(ctx(1), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidMGF1)
					hashAlg(b)
				})
			})
			b.AddASN1(ctx(2), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(ch.Size())) })
			b.AddASN1(ctx(3), func(b *cryptobyte.Builder) { b.AddASN1Int64(1) })
		})
	})
	return b.Bytes()
}

// sigAlg is a parsed AlgorithmIdentifier.
type sigAlg struct {
	kind sigKind
	hash HashAlgorithm
	salt int // RSASSA-PSS salt length
}

// parseAlgorithmIdentifier decodes the AlgorithmIdentifier of method 14.
func parseAlgorithmIdentifier(der []byte) (sigAlg, error) {
	bad := func(what string) (sigAlg, error) {
		return sigAlg{}, fmt.Errorf("crypto: AlgorithmIdentifier: %s", what)
	}
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() || !seq.ReadASN1ObjectIdentifier(&oid) {
		return bad("malformed")
	}
	params := []byte(seq)
	noParams := len(params) == 0 || bytes.Equal(params, []byte{5, 0}) // absent or NULL
	switch {
	case oid.Equal(oidSHA1WithRSA), oid.Equal(oidSHA256WithRSA), oid.Equal(oidSHA384WithRSA), oid.Equal(oidSHA512WithRSA):
		if !noParams {
			return bad("unexpected parameters")
		}
		h := map[int]HashAlgorithm{5: HashSHA1, 11: HashSHA2_256, 12: HashSHA2_384, 13: HashSHA2_512}[oid[6]]
		return sigAlg{kind: sigRSAPKCS1, hash: h}, nil
	case oid.Equal(oidRSAPSS):
		return parsePSSParams(seq)
	case oid.Equal(oidECDSAWithSHA1), oid.Equal(oidDSAWithSHA1), oid.Equal(oidDSAWithSHA256), oid.Equal(oidEd25519),
		len(oid) == 7 && slices.Equal(oid[:6], oidECDSAWithSHA2) && oid[6] >= 2 && oid[6] <= 4:
		if len(params) != 0 {
			return bad("parameters must be absent")
		}
		switch {
		case oid.Equal(oidECDSAWithSHA1):
			return sigAlg{kind: sigECDSA, hash: HashSHA1}, nil
		case oid.Equal(oidDSAWithSHA1):
			return sigAlg{kind: sigDSA, hash: HashSHA1}, nil
		case oid.Equal(oidDSAWithSHA256):
			return sigAlg{kind: sigDSA, hash: HashSHA2_256}, nil
		case oid.Equal(oidEd25519):
			return sigAlg{kind: sigEd25519, hash: HashIdentity}, nil
		}
		return sigAlg{kind: sigECDSA, hash: HashAlgorithm(oid[6]) - 2 + HashSHA2_256}, nil
	}
	return bad("unsupported algorithm " + oid.String())
}

// parsePSSParams decodes RSASSA-PSS-params (RFC 4055 3.1), with its
// defaults SHA-1, MGF1-SHA-1, salt 20, trailer 1. The MGF1 hash must equal
// the message hash.
func parsePSSParams(s cryptobyte.String) (sigAlg, error) {
	bad := func(what string) (sigAlg, error) {
		return sigAlg{}, fmt.Errorf("crypto: RSASSA-PSS parameters: %s", what)
	}
	var p cryptobyte.String
	if !s.ReadASN1(&p, cbasn1.SEQUENCE) || !s.Empty() {
		return bad("malformed")
	}
	ctx := func(n uint8) cbasn1.Tag { return cbasn1.Tag(n).Constructed().ContextSpecific() }
	a := sigAlg{kind: sigRSAPSS, hash: HashSHA1, salt: 20}
	mgfHash := HashSHA1
	var f cryptobyte.String
	var present bool
	if !p.ReadOptionalASN1(&f, &present, ctx(0)) {
		return bad("hashAlgorithm")
	}
	if present {
		h, ok := parseHashAlgorithm(&f)
		if !ok || !f.Empty() {
			return bad("hashAlgorithm")
		}
		a.hash = h
	}
	if !p.ReadOptionalASN1(&f, &present, ctx(1)) {
		return bad("maskGenAlgorithm")
	}
	if present {
		var mgf cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !f.ReadASN1(&mgf, cbasn1.SEQUENCE) || !f.Empty() || !mgf.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidMGF1) {
			return bad("maskGenAlgorithm")
		}
		h, ok := parseHashAlgorithm(&mgf)
		if !ok || !mgf.Empty() {
			return bad("MGF1 hash")
		}
		mgfHash = h
	}
	var n int64
	if !p.ReadOptionalASN1(&f, &present, ctx(2)) {
		return bad("saltLength")
	}
	if present {
		if !f.ReadASN1Int64WithTag(&n, cbasn1.INTEGER) || !f.Empty() || n < 0 || n > 1024 {
			return bad("saltLength")
		}
		a.salt = int(n)
	}
	if !p.ReadOptionalASN1(&f, &present, ctx(3)) {
		return bad("trailerField")
	}
	if present && (!f.ReadASN1Int64WithTag(&n, cbasn1.INTEGER) || !f.Empty() || n != 1) {
		return bad("trailerField")
	}
	if !p.Empty() || mgfHash != a.hash {
		return bad("unsupported combination")
	}
	return a, nil
}

// parseHashAlgorithm reads SEQUENCE { hash OID, optional NULL }.
func parseHashAlgorithm(s *cryptobyte.String) (HashAlgorithm, bool) {
	var seq cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&oid) {
		return 0, false
	}
	if !seq.Empty() && !bytes.Equal(seq, []byte{5, 0}) {
		return 0, false
	}
	if oid.Equal(oidSHA1) {
		return HashSHA1, true
	}
	if len(oid) == 9 && slices.Equal(oid[:8], oidSHA2) && oid[8] >= 1 && oid[8] <= 3 {
		return HashSHA2_256 + HashAlgorithm(oid[8]-1), true
	}
	return 0, false
}

// ecdsaMethod gives the curve and hash of auth methods 9, 10 and 11
// (RFC 4754 3).
func ecdsaMethod(m AuthMethod) (elliptic.Curve, HashAlgorithm, bool) {
	switch m {
	case AuthECDSA256:
		return elliptic.P256(), HashSHA2_256, true
	case AuthECDSA384:
		return elliptic.P384(), HashSHA2_384, true
	case AuthECDSA521:
		return elliptic.P521(), HashSHA2_512, true
	}
	return nil, 0, false
}

func digest(h HashAlgorithm, octets []byte) (crypto.Hash, []byte, error) {
	ch, ok := h.cryptoHash()
	if !ok {
		return 0, nil, fmt.Errorf("crypto: unsupported hash %s", h)
	}
	if ch == 0 {
		return 0, octets, nil
	}
	w := ch.New()
	w.Write(octets)
	return ch, w.Sum(nil), nil
}

// SignAUTH returns the Authentication Data of a signature AUTH payload over
// the signed octets (RFC 7296 2.15): method 1 (RSA PKCS#1 v1.5 with SHA-1),
// 9/10/11 (ECDSA with r || s of fixed size, RFC 4754 7) or 14 (RFC 7427 3:
// length-prefixed AlgorithmIdentifier followed by the signature; ECDSA
// signatures are DER there). DSS (3) is verify only.
func SignAUTH(m AuthMethod, key crypto.Signer, octets []byte, o SignOptions) ([]byte, error) {
	pub := key.Public()
	switch m {
	case AuthRSASig:
		if _, ok := pub.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("crypto: %s needs an RSA key, have %T", m, pub)
		}
		ch, d, _ := digest(HashSHA1, octets)
		return key.Sign(rand.Reader, d, ch)
	case AuthECDSA256, AuthECDSA384, AuthECDSA521:
		curve, h, _ := ecdsaMethod(m)
		ec, ok := pub.(*ecdsa.PublicKey)
		if !ok || ec.Curve != curve {
			return nil, fmt.Errorf("crypto: %s needs a %s key", m, curve.Params().Name)
		}
		ch, d, _ := digest(h, octets)
		der, err := key.Sign(rand.Reader, d, ch)
		if err != nil {
			return nil, err
		}
		return ecdsaDERToRS(der, (curve.Params().BitSize+7)/8)
	case AuthDigitalSignature:
		algID, err := o.AlgorithmIdentifier(pub)
		if err != nil {
			return nil, err
		}
		h := o.Hash
		if _, ok := pub.(ed25519.PublicKey); ok {
			h = HashIdentity
		}
		ch, d, err := digest(h, octets)
		if err != nil {
			return nil, err
		}
		var opts crypto.SignerOpts = ch
		if _, ok := pub.(*rsa.PublicKey); ok && o.PSS {
			opts = &rsa.PSSOptions{SaltLength: ch.Size(), Hash: ch}
		}
		sig, err := key.Sign(rand.Reader, d, opts)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, 1+len(algID)+len(sig))
		return append(append(append(out, byte(len(algID))), algID...), sig...), nil
	}
	return nil, fmt.Errorf("crypto: cannot sign with %s", m)
}

// VerifyAUTH checks the Authentication Data of a signature method against
// pub and the signed octets. For method 14 the hash named by the
// AlgorithmIdentifier must be in allowed (the hashes this side announced in
// SIGNATURE_HASH_ALGORITHMS); nil allows SHA2-256/384/512 and Identity.
func VerifyAUTH(m AuthMethod, pub crypto.PublicKey, data, octets []byte, allowed []HashAlgorithm) error {
	if err := verifyAUTH(m, pub, data, octets, allowed); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrAuthFailed, m, err)
	}
	return nil
}

var defaultSigHashes = []HashAlgorithm{HashSHA2_256, HashSHA2_384, HashSHA2_512, HashIdentity}

func verifyAUTH(m AuthMethod, pub crypto.PublicKey, data, octets []byte, allowed []HashAlgorithm) error {
	switch m {
	case AuthRSASig:
		return verifySig(sigAlg{kind: sigRSAPKCS1, hash: HashSHA1}, pub, data, octets, false)
	case AuthDSS:
		return verifySig(sigAlg{kind: sigDSA, hash: HashSHA1}, pub, data, octets, true)
	case AuthECDSA256, AuthECDSA384, AuthECDSA521:
		curve, h, _ := ecdsaMethod(m)
		if ec, ok := pub.(*ecdsa.PublicKey); !ok || ec.Curve != curve {
			return fmt.Errorf("needs a %s key", curve.Params().Name)
		}
		return verifySig(sigAlg{kind: sigECDSA, hash: h}, pub, data, octets, true)
	case AuthDigitalSignature:
		if len(data) < 1 || len(data) < 1+int(data[0]) {
			return errors.New("truncated AlgorithmIdentifier")
		}
		alg, err := parseAlgorithmIdentifier(data[1 : 1+int(data[0])])
		if err != nil {
			return err
		}
		if allowed == nil {
			allowed = defaultSigHashes
		}
		if !slices.Contains(allowed, alg.hash) {
			return fmt.Errorf("hash %s not allowed", alg.hash)
		}
		return verifySig(alg, pub, data[1+int(data[0]):], octets, false)
	}
	return fmt.Errorf("not a signature method")
}

// verifySig checks one signature; fixed selects the r || s encoding of
// methods 3 and 9-11 for DSA and ECDSA instead of DER.
func verifySig(a sigAlg, pub crypto.PublicKey, sig, octets []byte, fixed bool) error {
	ch, d, err := digest(a.hash, octets)
	if err != nil {
		return err
	}
	wrongKey := fmt.Errorf("key %T does not match the signature algorithm", pub)
	switch a.kind {
	case sigRSAPKCS1, sigRSAPSS:
		k, ok := pub.(*rsa.PublicKey)
		if !ok || ch == 0 {
			return wrongKey
		}
		if a.kind == sigRSAPSS {
			return rsa.VerifyPSS(k, ch, d, sig, &rsa.PSSOptions{SaltLength: a.salt, Hash: ch})
		}
		return rsa.VerifyPKCS1v15(k, ch, d, sig)
	case sigECDSA:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || ch == 0 {
			return wrongKey
		}
		if fixed {
			n := (k.Curve.Params().BitSize + 7) / 8
			if len(sig) != 2*n {
				return fmt.Errorf("ECDSA signature is %d bytes, want %d", len(sig), 2*n)
			}
			r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
			if !ecdsa.Verify(k, d, r, s) {
				return errors.New("bad ECDSA signature")
			}
			return nil
		}
		if !ecdsa.VerifyASN1(k, d, sig) {
			return errors.New("bad ECDSA signature")
		}
		return nil
	case sigDSA:
		k, ok := pub.(*dsa.PublicKey)
		if !ok || ch == 0 {
			return wrongKey
		}
		var r, s *big.Int
		if fixed {
			if len(sig) != 40 {
				return fmt.Errorf("DSS signature is %d bytes, want 40", len(sig))
			}
			r, s = new(big.Int).SetBytes(sig[:20]), new(big.Int).SetBytes(sig[20:])
		} else if r, s, err = parseDERPair(sig); err != nil {
			return err
		}
		if !dsa.Verify(k, d, r, s) {
			return errors.New("bad DSA signature")
		}
		return nil
	case sigEd25519:
		k, ok := pub.(ed25519.PublicKey)
		if !ok || len(k) != ed25519.PublicKeySize {
			return wrongKey
		}
		if !ed25519.Verify(k, octets, sig) {
			return errors.New("bad Ed25519 signature")
		}
		return nil
	}
	return errors.New("unsupported signature algorithm")
}

// parseDERPair decodes SEQUENCE { INTEGER r, INTEGER s } (Ecdsa-Sig-Value,
// Dss-Sig-Value).
func parseDERPair(der []byte) (r, s *big.Int, err error) {
	r, s = new(big.Int), new(big.Int)
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1Integer(r) || !seq.ReadASN1Integer(s) || !seq.Empty() {
		return nil, nil, errors.New("malformed signature value")
	}
	return r, s, nil
}

// ecdsaDERToRS converts an Ecdsa-Sig-Value to r || s, each n bytes
// (RFC 4754 7).
func ecdsaDERToRS(der []byte, n int) ([]byte, error) {
	r, s, err := parseDERPair(der)
	if err != nil {
		return nil, err
	}
	if r.Sign() <= 0 || s.Sign() <= 0 || r.BitLen() > 8*n || s.BitLen() > 8*n {
		return nil, errors.New("crypto: ECDSA signature out of range")
	}
	out := make([]byte, 2*n)
	r.FillBytes(out[:n])
	s.FillBytes(out[n:])
	return out, nil
}

// SignatureHashAlgorithmsNotify is the Notify Message Type of
// SIGNATURE_HASH_ALGORITHMS (RFC 7427 4).
const SignatureHashAlgorithmsNotify = 16431

// AppendSignatureHashAlgorithms appends the Notification Data of
// SIGNATURE_HASH_ALGORITHMS: the 16-bit IDs, without padding (RFC 7427 4).
func AppendSignatureHashAlgorithms(dst []byte, algs []HashAlgorithm) []byte {
	for _, a := range algs {
		dst = binary.BigEndian.AppendUint16(dst, uint16(a))
	}
	return dst
}

// ParseSignatureHashAlgorithms decodes that Notification Data. Unknown IDs
// are kept: the caller only selects among those it knows.
func ParseSignatureHashAlgorithms(data []byte) ([]HashAlgorithm, error) {
	if len(data)%2 != 0 {
		return nil, fmt.Errorf("crypto: SIGNATURE_HASH_ALGORITHMS data of odd length %d", len(data))
	}
	out := make([]HashAlgorithm, 0, len(data)/2)
	for i := 0; i < len(data); i += 2 {
		out = append(out, HashAlgorithm(binary.BigEndian.Uint16(data[i:])))
	}
	return out, nil
}

// SelectSignatureHash picks, in this side's order of preference, the first
// hash that the peer announced and that suits a key of pub's type: Identity
// for Ed25519 (RFC 8420), a SHA family hash for RSA and ECDSA (RFC 7427 4).
func SelectSignatureHash(ours, peer []HashAlgorithm, pub crypto.PublicKey) (HashAlgorithm, bool) {
	_, ed := pub.(ed25519.PublicKey)
	for _, h := range ours {
		if !slices.Contains(peer, h) {
			continue
		}
		if _, ok := h.cryptoHash(); ok && (h == HashIdentity) == ed {
			return h, true
		}
	}
	return 0, false
}

// LegacyAuthMethod returns the pre-RFC 7427 method for a key, used when the
// peer did not send SIGNATURE_HASH_ALGORITHMS: 1 for RSA, 9/10/11 for ECDSA
// on the matching curve. Ed25519 has none.
func LegacyAuthMethod(pub crypto.PublicKey) (AuthMethod, bool) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return AuthRSASig, true
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return AuthECDSA256, true
		case elliptic.P384():
			return AuthECDSA384, true
		case elliptic.P521():
			return AuthECDSA521, true
		}
	}
	return 0, false
}
