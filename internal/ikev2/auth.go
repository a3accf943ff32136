package ikev2

import (
	"bytes"
	gocrypto "crypto"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/racoon2go/iked/internal/crypto"
	"github.com/racoon2go/iked/internal/ike"
)

// ourSigHashes are the hashes we announce in SIGNATURE_HASH_ALGORITHMS and
// accept in Digital Signature AUTH payloads (RFC 7427 4, RFC 8420).
var ourSigHashes = []crypto.HashAlgorithm{crypto.HashSHA2_256, crypto.HashSHA2_384, crypto.HashSHA2_512, crypto.HashIdentity}

var sigHashData = crypto.AppendSignatureHashAlgorithms(nil, ourSigHashes)

func certAuth(p *ike.PeerConfig) bool { return p.Auth != ike.AuthPSK }

// authIn is what IKE_AUTH processing keeps of a received message across
// work on the executor: the message itself is scratch and goes away.
type authIn struct {
	id     ID
	auth   Auth
	certs  [][]byte // CERT payloads with X.509 certificates, leaf first
	child  childMsg
	header Header
}

// childMsg is the CHILD_SA part of an IKE_AUTH or CREATE_CHILD_SA message.
type childMsg struct {
	hasSA     bool
	props     []prop
	tsi, tsr  []tsRange
	transport bool
	errNotify NotifyType // first error notify, 0 if none
}

func childMsgOf(m *Message) childMsg {
	var c childMsg
	if sap := getSA(m); sap != nil {
		c.hasSA = true
		c.props = fromSAPayload(sap)
	}
	c.tsi, c.tsr = fromTS(getTS(m, PayloadTSi)), fromTS(getTS(m, PayloadTSr))
	c.transport = m.Notify(NotifyUseTransportMode) != nil
	if n := m.ErrorNotify(); n != nil {
		c.errNotify = n.NotifyType
	}
	return c
}

// authInOf copies the IKE_AUTH payloads of m; ok is false when ID or AUTH
// is missing.
func authInOf(m *Message, idType PayloadType) (*authIn, bool) {
	id, a := getID(m, idType), authOf(m)
	if id == nil || a == nil {
		return nil, false
	}
	in := &authIn{header: m.Header, child: childMsgOf(m)}
	in.id = ID{Responder: id.Responder, IDType: id.IDType, Data: bytes.Clone(id.Data)}
	in.auth = Auth{Method: a.Method, Data: bytes.Clone(a.Data)}
	for _, p := range m.Payloads {
		if c, ok := p.(*Cert); ok && c.Encoding == CertX509Signature {
			in.certs = append(in.certs, bytes.Clone(c.Data))
		}
	}
	return in, true
}

// certPayloads are our CERT payloads (the whole chain, leaf first) for
// certificate authentication.
func certPayloads(p *ike.PeerConfig) []Payload {
	if !certAuth(p) {
		return nil
	}
	out := make([]Payload, 0, len(p.CertChain))
	for _, c := range p.CertChain {
		out = append(out, &Cert{Encoding: CertX509Signature, Data: c})
	}
	return out
}

// certReq is our CERTREQ (RFC 7296 3.7): the SHA-1 hashes of the public
// keys of the certificates we trust for this peer (peers_public_key).
func certReq(p *ike.PeerConfig) []Payload {
	if !certAuth(p) {
		return nil
	}
	var data []byte
	for _, der := range p.PeerCerts {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		h := sha1.Sum(c.RawSubjectPublicKeyInfo)
		data = append(data, h[:]...)
	}
	return []Payload{&CertReq{Encoding: CertX509Signature, Data: data}}
}

// signAuth makes our AUTH payload over octets with the configured key:
// the Digital Signature method when the peer announced hashes we share
// (RFC 7427), the legacy method of the key type otherwise.
func signAuth(p *ike.PeerConfig, peerHashes []crypto.HashAlgorithm, octets []byte) (*Auth, error) {
	if p.PrivateKey == nil {
		return nil, fmt.Errorf("ikev2: %v authentication without a private key (my_public_key)", p.Auth)
	}
	pub := p.PrivateKey.Public()
	if len(peerHashes) > 0 {
		if h, ok := crypto.SelectSignatureHash(ourSigHashes, peerHashes, pub); ok {
			d, err := crypto.SignAUTH(crypto.AuthDigitalSignature, p.PrivateKey, octets, crypto.SignOptions{Hash: h})
			if err != nil {
				return nil, err
			}
			return &Auth{Method: AuthDigitalSignature, Data: d}, nil
		}
	}
	m, ok := crypto.LegacyAuthMethod(pub)
	if !ok {
		return nil, errors.New("ikev2: the peer announced no signature hash usable with our key")
	}
	d, err := crypto.SignAUTH(m, p.PrivateKey, octets, crypto.SignOptions{})
	if err != nil {
		return nil, err
	}
	return &Auth{Method: AuthMethod(m), Data: d}, nil
}

// peerKey finds the public key that must have signed the peer's AUTH: the
// certificate the peer sent when it is one we trust or chains to one
// (peers_public_key as trust anchors, the system roots when none is
// configured), else our configured copy of its certificate. The peer's ID
// must name that certificate (subject or subjectAltName).
func peerKey(p *ike.PeerConfig, certs [][]byte, id ike.ID, now time.Time) (gocrypto.PublicKey, error) {
	var leaf *x509.Certificate
	if len(certs) > 0 {
		c, err := x509.ParseCertificate(certs[0])
		if err != nil {
			return nil, fmt.Errorf("peer certificate: %w", err)
		}
		leaf = c
		if err := trusted(p, leaf, certs[1:], now); err != nil {
			return nil, err
		}
	} else {
		if len(p.PeerCerts) == 0 {
			return nil, errors.New("peer sent no certificate and peers_public_key is not set")
		}
		c, err := x509.ParseCertificate(p.PeerCerts[0])
		if err != nil {
			return nil, err
		}
		leaf = c
	}
	if err := idMatchesCert(id, leaf); err != nil {
		return nil, err
	}
	return leaf.PublicKey, nil
}

func trusted(p *ike.PeerConfig, leaf *x509.Certificate, chain [][]byte, now time.Time) error {
	for _, der := range p.PeerCerts {
		if bytes.Equal(der, leaf.Raw) {
			return nil // exactly the certificate configured for the peer
		}
	}
	opts := x509.VerifyOptions{CurrentTime: now, Intermediates: x509.NewCertPool(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if len(p.PeerCerts) > 0 {
		opts.Roots = x509.NewCertPool()
		for _, der := range p.PeerCerts {
			if c, err := x509.ParseCertificate(der); err == nil {
				opts.Roots.AddCert(c)
			}
		}
	}
	for _, der := range chain {
		if c, err := x509.ParseCertificate(der); err == nil {
			opts.Intermediates.AddCert(c)
		}
	}
	if _, err := leaf.Verify(opts); err != nil {
		return fmt.Errorf("peer certificate not trusted: %w", err)
	}
	return nil
}

// idMatchesCert checks the ID payload against the certificate (RFC 7296
// 3.5: the ID must be bound to the key that authenticates it).
func idMatchesCert(id ike.ID, c *x509.Certificate) error {
	switch id.Type {
	case ike.IDDERASN1DN:
		if bytes.Equal(id.Data, c.RawSubject) {
			return nil
		}
	case ike.IDFQDN:
		if slices.Contains(c.DNSNames, string(id.Data)) {
			return nil
		}
	case ike.IDRFC822:
		if slices.Contains(c.EmailAddresses, string(id.Data)) {
			return nil
		}
	case ike.IDIPv4, ike.IDIPv6:
		a, _ := netip.AddrFromSlice(id.Data)
		for _, ip := range c.IPAddresses {
			if b, ok := netip.AddrFromSlice(ip); ok && b.Unmap() == a.Unmap() {
				return nil
			}
		}
	case ike.IDKeyID:
		return nil // an opaque key-id names no certificate field
	}
	return fmt.Errorf("peer ID (type %d) does not match its certificate %q", id.Type, c.Subject.String())
}

// verifySig checks a signature AUTH payload.
func verifySig(p *ike.PeerConfig, certs [][]byte, id ike.ID, a *Auth, octets []byte, now time.Time) error {
	pub, err := peerKey(p, certs, id, now)
	if err != nil {
		return err
	}
	return crypto.VerifyAUTH(crypto.AuthMethod(a.Method), pub, a.Data, octets, ourSigHashes)
}

// checkPeerID applies verify_id: the peer's ID must be one of peers_id.
func checkPeerID(p *ike.PeerConfig, id ike.ID) bool {
	if !p.VerifyID || len(p.PeersIDs) == 0 {
		return true
	}
	for _, want := range p.PeersIDs {
		if want.Equal(id) {
			return true
		}
	}
	return false
}

// verifyThen checks the peer's identity and AUTH (RFC 7296 2.15) and calls
// then(ok) on the loop: PSK inline, signatures on the executor. msg, nonce
// and skp are the peer's IKE_SA_INIT message, our nonce and its SK_p.
func (e *Engine) verifyThen(sa *IKESA, in *authIn, msg, nonce, skp []byte, then func(ok bool)) {
	pid := ike.ID{Type: ike.IDType(in.id.IDType), Data: in.id.Data}
	if !checkPeerID(sa.peer, pid) {
		sa.log.Info("peer ID does not match peers_id", "id-type", in.id.IDType, "id", printableID(pid))
		then(false)
		return
	}
	octets := signedOctets(sa.suite.prf, msg, nonce, skp, &in.id)
	peer := sa.peer
	if !certAuth(peer) {
		ok := in.auth.Method == AuthSharedKeyMIC && pskVerify(sa.suite.prf, peer.PSK, octets, in.auth.Data)
		if !ok {
			sa.log.Info("peer AUTH does not verify", "method", in.auth.Method)
		} else {
			sa.peerID = pid
		}
		then(ok)
		return
	}
	spi, now := sa.ourSPI(), e.now()
	e.o.Exec.Go(func() func() {
		err := verifySig(peer, in.certs, pid, &in.auth, octets, now)
		return func() {
			if !e.alive(sa, spi) {
				return
			}
			if err != nil {
				sa.log.Info("peer signature does not verify", "method", in.auth.Method, "err", err)
			} else {
				sa.peerID = pid
			}
			then(err == nil)
		}
	})
}

// authThen computes our AUTH payload for id and calls then on the loop:
// PSK inline, signatures on the executor.
func (e *Engine) authThen(sa *IKESA, id *ID, then func(*Auth, error)) {
	hs := sa.hs
	msg, nonce, skp := hs.initI, hs.nonceR, hs.skPi
	if !sa.initiator() {
		msg, nonce, skp = hs.initR, hs.nonceI, hs.skPr
	}
	octets := signedOctets(sa.suite.prf, msg, nonce, skp, id)
	peer := sa.peer
	if !certAuth(peer) {
		then(&Auth{Method: AuthSharedKeyMIC, Data: pskAuth(sa.suite.prf, peer.PSK, octets)}, nil)
		return
	}
	spi, hashes := sa.ourSPI(), hs.peerHashes
	e.o.Exec.Go(func() func() {
		a, err := signAuth(peer, hashes, octets)
		return func() {
			if e.alive(sa, spi) {
				then(a, err)
			}
		}
	})
}
