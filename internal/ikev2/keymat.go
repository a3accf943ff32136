package ikev2

import (
	"crypto/sha1"
	"encoding/binary"
	"net/netip"

	"github.com/racoon2go/iked/internal/crypto"
	"github.com/racoon2go/iked/internal/ike"
)

// keymat holds the keys an established IKE SA keeps (RFC 7296 2.14), in
// fixed arrays: SK_d and the raw SK_e/SK_a of both directions. The SK
// ciphers are built from them when a message is protected or opened and
// dropped when the SA is idle (release): an expanded AES-GCM key costs
// about 1.3 KiB, more than the rest of an established SA together.
type keymat struct {
	skD    [64]byte
	skDLen uint8
	prf    uint16
	encr   ike.EncrAlg
	integ  uint16
	keyIn  dirKeys // protects what the peer sends
	keyOut dirKeys // protects what we send
	in     SKCipher
	out    SKCipher
}

// dirKeys are one direction's SK_e (salt included) and SK_a.
type dirKeys struct {
	e    [36]byte
	a    [64]byte
	eLen uint8
	aLen uint8
}

func (d *dirKeys) set(e, a []byte) bool {
	if len(e) > len(d.e) || len(a) > len(d.a) {
		return false
	}
	d.eLen, d.aLen = uint8(copy(d.e[:], e)), uint8(copy(d.a[:], a))
	return true
}

func (k *keymat) d() []byte { return k.skD[:k.skDLen] }

// cipherIn returns the cipher for what the peer sends, making it if needed.
func (k *keymat) cipherIn() (SKCipher, error) {
	if k.in == nil {
		c, err := newSK(k.encr, k.integ, k.keyIn.e[:k.keyIn.eLen], k.keyIn.a[:k.keyIn.aLen])
		if err != nil {
			return nil, err
		}
		k.in = c
	}
	return k.in, nil
}

// cipherOut returns the cipher for what we send. A cipher made anew starts
// its AEAD IV counter at a random 64-bit value (internal/crypto), so IVs
// stay unique with overwhelming probability across rebuilds.
func (k *keymat) cipherOut() (SKCipher, error) {
	if k.out == nil {
		c, err := newSK(k.encr, k.integ, k.keyOut.e[:k.keyOut.eLen], k.keyOut.a[:k.keyOut.aLen])
		if err != nil {
			return nil, err
		}
		k.out = c
	}
	return k.out, nil
}

// release drops the expanded ciphers of an idle SA.
func (k *keymat) release() { k.in, k.out = nil, nil }

func (k *keymat) ready() bool { return k.keyIn.eLen > 0 }

func (k *keymat) zero() {
	*k = keymat{}
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
	child          *childSA  // the first CHILD_SA being negotiated
	childProps     []prop    // what we proposed for it
	childSPIs      [2]uint32 // our inbound SPIs: ESP, AH
	peerHashes     []crypto.HashAlgorithm
	initFrom       netip.AddrPort // responder: where IKE_SA_INIT came from
	// later holds the other selectors of the same remote that wanted an
	// SA while this one was being set up: CREATE_CHILD_SA makes them
	// once it is established (initiate.go).
	later []*ike.ChildConfig
}

func (h *handshake) zero() {
	if h.dh != nil {
		h.dh.Zero()
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
