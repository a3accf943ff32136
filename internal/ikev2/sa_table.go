package ikev2

import (
	"github.com/racoon2go/iked/internal/ike"
	"net/netip"
)

// saTable holds the IKE SAs of one engine, keyed by our SPI (the one we
// chose, whatever our role), plus the responder's index of half-open SAs
// by the initiator's SPI and address so that a retransmitted IKE_SA_INIT
// finds its SA instead of making a new one (RFC 7296 2.1).
type saTable struct {
	bySPI    map[uint64]*IKESA
	byInit   map[initKey]uint64
	halfPeer map[netip.Addr]uint16
	halfOpen int
}

type initKey struct {
	peer netip.AddrPort
	spiI uint64
}

func newSATable() saTable {
	return saTable{
		bySPI:    map[uint64]*IKESA{},
		byInit:   map[initKey]uint64{},
		halfPeer: map[netip.Addr]uint16{},
	}
}

func (t *saTable) get(spi uint64) *IKESA { return t.bySPI[spi] }

func (t *saTable) add(sa *IKESA) {
	t.bySPI[sa.ourSPI()] = sa
	if sa.role == ike.Responder && sa.hs != nil {
		t.byInit[initKey{sa.hs.initFrom, sa.spiI}] = sa.spiR
	}
}

// responderFor finds the SA a responder made for an IKE_SA_INIT.
func (t *saTable) responderFor(peer netip.AddrPort, spiI uint64) *IKESA {
	if spi, ok := t.byInit[initKey{peer, spiI}]; ok {
		return t.bySPI[spi]
	}
	return nil
}

// addHalfOpen counts sa as half-open.
func (t *saTable) addHalfOpen(sa *IKESA) {
	if sa.halfOpen {
		return
	}
	sa.halfOpen = true
	t.halfOpen++
	t.halfPeer[sa.remote.Addr()]++
}

// doneHalfOpen stops counting sa as half-open.
func (t *saTable) doneHalfOpen(sa *IKESA) {
	if !sa.halfOpen {
		return
	}
	sa.halfOpen = false
	t.halfOpen--
	a := sa.remote.Addr()
	if n := t.halfPeer[a]; n <= 1 {
		delete(t.halfPeer, a)
	} else {
		t.halfPeer[a] = n - 1
	}
}

func (t *saTable) remove(sa *IKESA) {
	t.doneHalfOpen(sa)
	if t.bySPI[sa.ourSPI()] == sa {
		delete(t.bySPI, sa.ourSPI())
	}
	t.forgetInit(sa)
}

func (t *saTable) len() int { return len(t.bySPI) }

// forgetInit drops the responder's IKE_SA_INIT index entry once IKE_AUTH
// is done: no retransmission of IKE_SA_INIT can follow it, and 100k
// established SAs should not pay for the index.
func (t *saTable) forgetInit(sa *IKESA) {
	if sa.role != ike.Responder || sa.hs == nil {
		return
	}
	k := initKey{sa.hs.initFrom, sa.spiI}
	if t.byInit[k] == sa.spiR {
		delete(t.byInit, k)
	}
}
