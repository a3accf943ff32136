package ikev2

import (
	"net/netip"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// manager owns one IKE SA's message IDs (RFC 7296 section 2.3), the
// requests in flight with their retransmission schedule, and the response
// cache. It deals in encoded packets only; tasks give it their bytes.
//
// Our receive window is 1 (racoon2's), so one cached response suffices; our
// send window is what the peer announced with SET_WINDOW_SIZE (1 unless).
type manager struct {
	nextID uint32 // message ID of our next request
	window uint32 // requests we may have in flight (peer's window)
	seq    uint32 // transmission generation, the timer's Arg
	out    []outReq

	peerNext uint32 // message ID we expect in the peer's next request
	busy     bool   // processing request peerNext (async work pending)
	// reqFrom and reqTo are the addresses of the request being answered:
	// a response goes back the way the request came (RFC 7296 2.11).
	reqFrom, reqTo netip.AddrPort
	respID         uint32   // message ID of the cached response
	resp           [][]byte // cached response packets (fragments)
	lastResend     time.Time
}

// outReq is one request in flight.
type outReq struct {
	id    uint32
	seq   uint32
	sends int // transmissions so far
	pkts  [][]byte
	t     task
}

// Timer kinds of the IKEv2 engine (ike.TimerKey.Kind). IKEv1 uses 0x100+.
const (
	timerRetransmit uint16 = 0x200 + iota // Arg: request generation
	timerNegoLimit                        // kmp_sa_nego_time_limit
	timerDPD                              // liveness poll
	timerLifetime                         // IKE SA hard lifetime

	timerKindFirst = timerRetransmit
	timerKindLast  = 0x2ff
)

func (m *manager) init() {
	m.window = 1
	m.respID = ^uint32(0)
}

// free reports whether another request may be sent now.
func (m *manager) free() bool { return uint32(len(m.out)) < m.window }

// allocID takes the message ID of a new request.
func (m *manager) allocID() uint32 {
	id := m.nextID
	m.nextID++
	return id
}

// pending returns the request in flight with message ID id.
func (m *manager) pending(id uint32) *outReq {
	for i := range m.out {
		if m.out[i].id == id {
			return &m.out[i]
		}
	}
	return nil
}

// bySeq returns the request in flight whose timer generation is seq.
func (m *manager) bySeq(seq uint32) *outReq {
	for i := range m.out {
		if m.out[i].seq == seq {
			return &m.out[i]
		}
	}
	return nil
}

// track records a request about to be sent for the first time and returns
// its timer generation.
func (m *manager) track(id uint32, pkts [][]byte, t task) *outReq {
	m.seq++
	m.out = append(m.out, outReq{id: id, seq: m.seq, pkts: pkts, t: t})
	return &m.out[len(m.out)-1]
}

// done forgets the request with message ID id (answered or abandoned).
func (m *manager) done(id uint32) {
	for i := range m.out {
		if m.out[i].id == id {
			m.out[i] = outReq{}
			m.out = append(m.out[:i], m.out[i+1:]...)
			return
		}
	}
}

// reqVerdict is what to do with an incoming request, judged on its message
// ID alone (RFC 7296 2.3), before anything is decrypted or changed.
type reqVerdict uint8

const (
	reqNew    reqVerdict = iota // the next request: process it
	reqResend                   // a retransmission of the last one: resend the cached response
	reqDrop                     // old, out of window or being processed: drop
)

func (m *manager) judgeRequest(id uint32) reqVerdict {
	switch {
	case id == m.peerNext && !m.busy:
		return reqNew
	case id == m.respID && m.resp != nil:
		return reqResend
	}
	return reqDrop
}

// accepted marks request id, received on local from remote, as being
// processed.
func (m *manager) accepted(id uint32, local, remote netip.AddrPort) {
	m.busy = true
	m.reqTo, m.reqFrom = local, remote
}

// responded caches the response to request id and opens the window for the
// next request.
func (m *manager) responded(id uint32, pkts [][]byte, now time.Time) {
	m.respID = id
	m.resp = pkts
	m.lastResend = now
	m.peerNext = id + 1
	m.busy = false
}

// abandoned reopens the window after a request that gets no response
// (dropped after processing started, e.g. failed integrity later on).
func (m *manager) abandoned() { m.busy = false }

// resendOK rate-limits resending the cached response to one copy per
// minGap, so a burst of duplicates costs one packet (racoon2 allows one a
// second; we allow two, below the smallest sane retransmission interval).
func (m *manager) resendOK(now time.Time) bool {
	const minGap = 500 * time.Millisecond
	if now.Sub(m.lastResend) < minGap {
		return false
	}
	m.lastResend = now
	return true
}

// retransmit arms the next retransmission of r after transmission number
// r.sends (1 is the first send) at the racoon2 schedule.
func retransmitAt(now time.Time, rt ike.Retransmit, sends int) time.Time {
	return now.Add(rt.Wait(sends - 1))
}
