package ikev2

import (
	"crypto/sha1"
	"encoding/binary"
	"net/netip"
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
	child          *childSA  // the first CHILD_SA being negotiated
	childProps     []prop    // what we proposed for it
	childSPIs      [2]uint32 // our inbound SPIs: ESP, AH
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
