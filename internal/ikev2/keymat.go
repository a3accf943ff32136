package ikev2

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/racoon2go/iked/internal/ike"
)

// keymat holds the keys an established IKE SA keeps (RFC 7296 2.14): SK_d
// in a fixed array (no separate allocation) and the two SK ciphers.
type keymat struct {
	skD    [64]byte
	skDLen uint8
	prf    uint16
	in     SKCipher // protects what the peer sends
	out    SKCipher // protects what we send
}

func (k *keymat) d() []byte { return k.skD[:k.skDLen] }

func (k *keymat) zero() {
	clear(k.skD[:])
	k.in, k.out = nil, nil
}

// handshake holds what only IKE_SA_INIT and IKE_AUTH need; it is dropped
// (and zeroed) when the SA is established or dies.
type handshake struct {
	group          uint16
	dh             dhKey
	nonceI, nonceR []byte
	initI, initR   []byte // the IKE_SA_INIT messages, signed by AUTH
	skPi, skPr     []byte
	cookie         []byte // initiator: the cookie to echo
	cookieTries    uint8
	keTries        uint8
	natOut         [2][20]byte // NAT-D hashes we sent: source, destination
	child          *childSA    // the first CHILD_SA being negotiated
	childProps     []prop      // what we proposed for it
	childSPIs      [2]uint32   // our inbound SPIs: ESP, AH
	sigHashes      uint16      // bitmask of SIGNATURE_HASH_ALGORITHMS received
}

func (h *handshake) zero() {
	if h.dh != nil {
		h.dh.zero()
		h.dh = nil
	}
	clear(h.skPi)
	clear(h.skPr)
	clear(h.nonceI)
	clear(h.nonceR)
}

// ikeKeys is the result of the IKE SA key derivation, computed on a worker.
type ikeKeys struct {
	km         keymat
	skPi, skPr []byte
}

// deriveIKE computes SKEYSEED and the seven keys (RFC 7296 2.14):
//
//	SKEYSEED = prf(Ni | Nr, g^ir)
//	{SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
func deriveIKE(s suite, ni, nr, shared []byte, spiI, spiR uint64, initiator bool) (ikeKeys, error) {
	var k ikeKeys
	ps := prfSize(s.prf)
	ek := encrKeyLen(s.encr)
	ik := integKeyLen(s.integ)
	if ps <= 0 || ps > len(k.km.skD) || ek < 0 || ik < 0 {
		return k, errors.New("ikev2: unsupported IKE transforms")
	}
	nn := make([]byte, 0, len(ni)+len(nr)+16)
	nn = append(append(nn, ni...), nr...)
	seed := prfCompute(s.prf, nn, shared)
	nn = binary.BigEndian.AppendUint64(nn, spiI)
	nn = binary.BigEndian.AppendUint64(nn, spiR)
	km := prfPlus(s.prf, seed, nn, 3*ps+2*ik+2*ek)
	clear(seed)
	off := 0
	next := func(n int) []byte { b := km[off : off+n : off+n]; off += n; return b }
	skd, ai, ar, ei, er := next(ps), next(ik), next(ik), next(ek), next(ek)
	k.skPi, k.skPr = next(ps), next(ps)
	k.km.skDLen = uint8(copy(k.km.skD[:], skd))
	k.km.prf = s.prf
	ci, err := newSK(s.encr, s.integ, ei, ai)
	if err != nil {
		return k, err
	}
	cr, err := newSK(s.encr, s.integ, er, ar)
	if err != nil {
		return k, err
	}
	clear(km[:3*ps])
	if initiator {
		k.km.out, k.km.in = ci, cr
	} else {
		k.km.out, k.km.in = cr, ci
	}
	return k, nil
}

// childKeys derives a CHILD_SA's keys (RFC 7296 2.17): KEYMAT = prf+(SK_d,
// Ni | Nr), taken as encryption then integrity key for the initiator to
// responder SA, then the same for the other direction.
func childKeys(prf uint16, skd, ni, nr []byte, encr ike.EncrAlg, integ uint16) (eI, aI, eR, aR []byte, err error) {
	ek := encrKeyLen(encr)
	ik := integKeyLen(integ)
	if ek < 0 || ik < 0 {
		return nil, nil, nil, nil, errors.New("ikev2: unsupported child transforms")
	}
	seed := make([]byte, 0, len(ni)+len(nr))
	seed = append(append(seed, ni...), nr...)
	km := prfPlus(prf, skd, seed, 2*(ek+ik))
	return km[:ek:ek], km[ek : ek+ik : ek+ik], km[ek+ik : 2*ek+ik : 2*ek+ik], km[2*ek+ik:], nil
}

// keyPad is the PSK pad string of RFC 7296 2.15.
var keyPad = []byte("Key Pad for IKEv2")

// signedOctets returns the octets AUTH signs (RFC 7296 2.15): the sender's
// IKE_SA_INIT message, the peer's nonce and prf(SK_px, IDx').
func signedOctets(prf uint16, msg, nonce, skp []byte, id *ID) []byte {
	idb := id.appendBody(make([]byte, 0, 4+len(id.Data)))
	mac := prfCompute(prf, skp, idb)
	out := make([]byte, 0, len(msg)+len(nonce)+len(mac))
	return append(append(append(out, msg...), nonce...), mac...)
}

// pskAuth computes AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>).
func pskAuth(prf uint16, psk, octets []byte) []byte {
	k := prfCompute(prf, psk, keyPad)
	a := prfCompute(prf, k, octets)
	clear(k)
	return a
}

func authEqual(a, b []byte) bool { return hmac.Equal(a, b) }

// natHash is the NAT_DETECTION_*_IP data (RFC 7296 2.23):
// SHA1(SPIi | SPIr | IP | Port).
func natHash(spiI, spiR uint64, a netip.AddrPort) [20]byte {
	var b [8 + 8 + 16 + 2]byte
	binary.BigEndian.PutUint64(b[0:], spiI)
	binary.BigEndian.PutUint64(b[8:], spiR)
	n := 16
	if ip := a.Addr().Unmap(); ip.Is4() {
		v := ip.As4()
		n += copy(b[16:], v[:])
	} else {
		v := ip.As16()
		n += copy(b[16:], v[:])
	}
	binary.BigEndian.PutUint16(b[n:], a.Port())
	return sha1.Sum(b[:n+2])
}
