package ikev2

import (
	"errors"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// Bounds on IKE fragment reassembly (RFC 7383 2.6.1 leaves them to the
// implementation). Fragments are only kept after their integrity check,
// but a half-open SA's peer holds the keys too, so an attacker with many
// half-open SAs must not be able to pin much memory: one message per SA,
// at most MaxFragments fragments (codec), maxReasmBytes of plaintext, and
// reasmTimeout to complete.
const (
	maxReasmBytes = 64 << 10
	reasmTimeout  = 10 * time.Second
)

// Header bytes around an IKE message in an IP datagram.
const (
	ipv4HeaderLen   = 20
	ipv6HeaderLen   = 40
	udpHeaderLen    = 8
	nonESPMarkerLen = 4 // RFC 3948 2.2, on port 4500
)

// fragLimit is the largest IKE message sa sends whole: the peer's
// ike_frag_size, which counts the whole IP datagram (RFC 7383 2.5.1), less
// the IP and UDP headers and the non-ESP marker the transport adds on
// port 4500. Without this a 1280-byte IKE message over IPv6 would make a
// 1328-byte datagram, past IPv6's minimum MTU.
func (e *Engine) fragLimit(sa *IKESA) int {
	n := e.o.MaxPacket
	if sa.peer != nil && sa.peer.FragmentSize > 0 {
		n = sa.peer.FragmentSize
	}
	n -= udpHeaderLen
	if sa.remote.Addr().Unmap().Is4() {
		n -= ipv4HeaderLen
	} else {
		n -= ipv6HeaderLen
	}
	if sa.local.Port() == ike.PortNATT {
		n -= nonESPMarkerLen
	}
	return n
}

var errReasmTooBig = errors.New("ikev2: reassembly: message too big")

// size is the plaintext kept so far.
func (r *Reassembly) size() int {
	n := 0
	for _, p := range r.parts {
		n += len(p)
	}
	return n
}

// reasmBounded drops a reassembly that grew past maxReasmBytes.
func (e *Engine) reasmBounded(sa *IKESA) error {
	if sa.reasm.size() <= maxReasmBytes {
		return nil
	}
	sa.reasm = nil
	return errReasmTooBig
}

// armReasm bounds the time a reassembly of message id may take.
func (e *Engine) armReasm(sa *IKESA, id uint32) {
	e.o.Sched.Schedule(e.now().Add(reasmTimeout), ike.TimerKey{Kind: timerReasm, Arg: id, SPI: sa.ourSPI()})
}

// reasmExpired drops an incomplete reassembly of message id.
func (e *Engine) reasmExpired(sa *IKESA, id uint32) {
	if sa.reasm != nil && sa.reasmID == id {
		sa.log.Debug("incomplete fragmented message dropped", "message-id", id, "fragments", sa.reasm.have)
		sa.reasm = nil
		e.stats.DropMalformed++
	}
}
