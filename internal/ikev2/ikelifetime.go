package ikev2

import (
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// The byte lifetime of an IKE SA (kmp_sa_lifetime_byte). What it counts is
// the IKE traffic of the SA itself: the UDP payload octets of every
// authenticated message received on it and of every datagram sent on it
// (requests, retransmissions, responses and resent responses), fragments
// one by one; NAT keepalives are not IKE messages and do not count. The
// count starts at 0 when the SA is established (so of the handshake only a
// responder's IKE_AUTH response counts), and a rekeyed SA starts from 0.
//
// racoon2 has no rule to follow for what is counted: its IKEv2 parses the
// directive and ignores it ("configuration field support is unimplemented,
// ignored": racoon2-reference.md section 1, kmp_sa_lifetime_byte row, and
// Appendix A; iked/ike_sa.c ikev2_sa_start_lifetime_timer arms only the
// time lifetime), and its IKEv1 only proposes the value, in kilobytes, in
// the ISAKMP SA proposal. When it acts follows racoon2's rule for every
// other lifetime (section 3.3): rekey at the soft point, hard x (0.8 + 0.1
// rand) (Engine.jitter, as for the time lifetime and child byte
// lifetimes); past the hard point the SA is deleted as soon as its rekey
// fails (see ikeRekeyTimer for why not at the point itself).

// argBytes is the Arg of a timerIKERekey fired by the byte count; the
// time-based rekey timer has Arg 0.
const argBytes = 1

// armIKEBytes starts the byte count of a newly established IKE SA.
func (e *Engine) armIKEBytes(sa *IKESA) {
	sa.octets, sa.octetMark, sa.octetHard = 0, 0, false
	if h := sa.peer.LifetimeBytes; h > 0 {
		// jitter scales Durations; a byte count fits one below 2^62.
		sa.octetMark = max(uint64(e.jitter(time.Duration(min(h, 1<<62)))), 1)
	}
}

// countOctets adds n octets of IKE traffic to sa: one add and a compare on
// the packet path. Crossing the soft or hard point fires a timer at once
// rather than acting here, in the middle of sending or receiving.
func (e *Engine) countOctets(sa *IKESA, n int) {
	sa.octets += uint64(n)
	if m := sa.octetMark; m != 0 && sa.octets >= m {
		e.octetMarkReached(sa)
	}
}

func (e *Engine) octetMarkReached(sa *IKESA) {
	sa.octetMark = 0 // once per point
	e.o.Sched.Schedule(e.now(), ike.TimerKey{Kind: timerIKERekey, Arg: argBytes, SPI: sa.ourSPI()})
}

// countSent counts the datagrams pkts sent copies times.
func (e *Engine) countSent(sa *IKESA, pkts [][]byte, copies int) {
	n := 0
	for _, p := range pkts {
		n += len(p)
	}
	e.countOctets(sa, n*copies)
}

// ikeRekeyTimer runs a timerIKERekey: the time-based soft lifetime (and
// rekey retries), or a point of the byte lifetime.
//
// The soft point starts a rekey. Past the hard point the SA may not
// outlive a rekey that fails (ikeRekeyTask.failed asks pastHardBytes), nor
// a peer that stops answering (retransmissions give up); a rekey is
// started there if none is under way. Deleting it outright at the hard
// point instead would lose SAs for nothing: bytes come in bursts (a child
// rekey with PFS and its Delete are 700 octets or more; an IKE SA rekey
// with MODP-2048 over 1,200), so the rekey's own exchange, or one the peer
// makes while ours waits (RFC 7296 2.25.1), may cross a tight hard point;
// and two peers with the same limit count nearly the same bytes, so each
// may find the other busy with its rekey. A peer answering
// TEMPORARY_FAILURE is waited for (RFC 7296 2.25): the time lifetime
// still bounds the SA.
func (e *Engine) ikeRekeyTimer(sa *IKESA, arg uint32) {
	if arg != argBytes {
		e.rekeyIKE(sa)
		return
	}
	if sa.state != stateEstablished || sa.rk.replaced() {
		return // going anyway, or replaced and about to be deleted
	}
	hard := sa.peer.LifetimeBytes
	if sa.octetHard {
		sa.log.Info("IKE SA hard byte lifetime reached: it goes unless rekeyed", "octets", sa.octets, "limit", hard)
		e.rekeyIKE(sa) // a no-op while one is under way
		return
	}
	sa.log.Debug("IKE SA soft byte lifetime reached", "octets", sa.octets, "limit", hard)
	sa.octetHard = true
	sa.octetMark = max(hard, sa.octets+1) // a burst may have crossed both points
	e.rekeyIKE(sa)
}

// pastHardBytes reports whether sa went past its hard byte limit (the
// mark is cleared when the count crosses it and not armed again).
func pastHardBytes(sa *IKESA) bool { return sa.octetHard && sa.octetMark == 0 }

// bytesExpired deletes sa at its hard byte limit.
func (e *Engine) bytesExpired(sa *IKESA) {
	sa.log.Info("IKE SA byte lifetime expired", "octets", sa.octets, "limit", sa.peer.LifetimeBytes)
	e.deleteIKE(sa)
}
