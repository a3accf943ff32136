package ikev2

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/racoon2go/iked/internal/crypto"
	"github.com/racoon2go/iked/internal/ike"
)

// IKE SA rekeying (RFC 7296 1.3.2, 2.18): a CREATE_CHILD_SA on the old IKE
// SA makes the new one, which inherits every child; the initiator then
// deletes the old SA. Simultaneous rekeys follow RFC 7296 2.8.2 and 2.25.2.

// ikeRekey is the rekey state of an IKE SA being replaced.
type ikeRekey struct {
	rekeying bool   // our request is being prepared or in flight
	sent     bool   // our request went out: the peer may have made our new SA
	gone     bool   // the peer deleted the SA (or acknowledged our Delete) meanwhile
	ourNew   *IKESA // the SA our exchange made
	ourLow   []byte
	peerNew  *IKESA // the SA the peer's exchange made
	peerLow  []byte
	hooked   bool // phase1_rekey ran: once per rekey, collision or not
}

func (r *ikeRekey) replaced() bool { return r != nil && (r.ourNew != nil || r.peerNew != nil) }

// inFlight reports whether our rekey request has gone out and its outcome
// is not known yet: the peer may hold the new SA, with the children.
func (r *ikeRekey) inFlight() bool { return r != nil && r.rekeying && r.sent }

// armIKERekey schedules the rekey of an established IKE SA at its soft
// lifetime, hard x (0.8 + 0.1 rand) (racoon2's rule).
func (e *Engine) armIKERekey(sa *IKESA) {
	if d := sa.peer.Lifetime; d > 0 {
		e.o.Sched.Schedule(sa.created.Add(e.jitter(d)), ike.TimerKey{Kind: timerIKERekey, SPI: sa.ourSPI()})
	}
}

// ikeRekeyTask is our CREATE_CHILD_SA rekeying the IKE SA.
type ikeRekeyTask struct {
	spi   uint64 // our SPI of the new SA
	ni    []byte
	dh    dhKey
	props []prop
}

func (*ikeRekeyTask) name() string           { return "CREATE_CHILD_SA(rekey IKE)" }
func (*ikeRekeyTask) exchange() ExchangeType { return ExchangeCreateChildSA }

// rekeyIKE starts replacing sa, unless it is busy creating children (its
// queue then holds the rekey until they are done: we try again shortly).
func (e *Engine) rekeyIKE(sa *IKESA) {
	if sa.state != stateEstablished || sa.rk != nil || e.closing {
		return
	}
	if childBusy(sa) {
		e.o.Sched.Schedule(e.now().Add(time.Second), ike.TimerKey{Kind: timerIKERekey, SPI: sa.ourSPI()})
		return
	}
	spi, err := e.newSPI()
	if err != nil {
		return
	}
	ni, err := e.random(nonceSize(sa.peer))
	if err != nil {
		return
	}
	sa.rk = &ikeRekey{rekeying: true}
	// Only the current suite is offered: the PRF must not change (see
	// crypto.DeriveRekeyedIKESAKeys) and the KE must be for the group.
	s := sa.suite
	x := []xform{{typ: ttEncr, id: s.encr.ID, keyLen: s.encr.KeyBits}, {typ: ttPRF, id: s.prf}}
	if s.integ != 0 {
		x = append(x, xform{typ: ttInteg, id: s.integ})
	}
	x = append(x, xform{typ: ttDH, id: s.dh})
	t := &ikeRekeyTask{spi: spi, ni: ni, props: []prop{{num: 1, proto: protoIKE, spi: binary.BigEndian.AppendUint64(nil, spi), xforms: x}}}
	ours, group, rnd := sa.ourSPI(), s.dh, e.rand
	sa.log.Info("rekeying IKE SA")
	e.o.Exec.Go(func() func() {
		k, err := newDHKey(group, rnd)
		return func() {
			if e.sas.get(ours) != sa || sa.state != stateEstablished || err != nil {
				if k != nil {
					k.Zero()
				}
				if sa.rk != nil && sa.rk.rekeying {
					sa.rk.rekeying = false
					if !sa.rk.replaced() {
						sa.rk = nil
					}
				}
				return
			}
			t.dh = k
			e.queue(sa, t)
		}
	})
}

func (t *ikeRekeyTask) build(e *Engine, sa *IKESA) ([]Payload, error) {
	if sa.rk != nil {
		sa.rk.sent = true
	}
	return []Payload{toSAPayload(t.props), &Nonce{Data: t.ni}, &KE{Group: sa.suite.dh, Data: t.dh.PublicValue()}}, nil
}

// failed ends our rekey without a new SA; final says the peer will not
// accept it later either (anything but TEMPORARY_FAILURE), which past the
// hard byte limit ends the SA. Either way it is tried again later.
func (t *ikeRekeyTask) failed(e *Engine, sa *IKESA, final bool) {
	if t.dh != nil {
		t.dh.Zero()
		t.dh = nil
	}
	if sa.rk == nil {
		return
	}
	sa.rk.rekeying = false
	e.uncollide(sa)
	if sa.rk.gone {
		// The peer deleted the SA while we waited: its children had
		// nowhere else to go (or went to the peer's new SA already).
		e.destroy(sa, "deleted by peer")
		return
	}
	if sa.rk.replaced() {
		return // the peer's rekey made the new SA (RFC 7296 2.8.2)
	}
	sa.rk = nil
	if final && pastHardBytes(sa) && sa.state == stateEstablished {
		e.bytesExpired(sa) // ikelifetime.go: no rekey came about in time
		return
	}
	if sa.state == stateEstablished {
		var b [1]byte
		_, _ = e.rand.Read(b[:])
		d := 2*time.Second + time.Duration(b[0])*40*time.Millisecond
		e.o.Sched.Schedule(e.now().Add(d), ike.TimerKey{Kind: timerIKERekey, SPI: sa.ourSPI()})
	}
}

func (t *ikeRekeyTask) process(e *Engine, sa *IKESA, m *Message) ike.Status {
	if n := m.ErrorNotify(); n != nil {
		if n.NotifyType == NotifyTemporaryFailure {
			e.ext.stats.TempFailures++
		}
		sa.log.Info("IKE SA rekey refused", "notify", n.NotifyType)
		t.failed(e, sa, n.NotifyType != NotifyTemporaryFailure)
		return ike.StatusDone
	}
	sap, ke, nonce := getSA(m), keOf(m), nonceOf(m)
	if sap == nil || ke == nil || nonce == nil || len(sap.Proposals) != 1 {
		sa.log.Info("IKE SA rekey response lacks SA, KE or Nr")
		t.failed(e, sa, true)
		return ike.StatusDone
	}
	got := fromSAPayload(sap)[0]
	s, ok := checkChosen(t.props, got, true)
	if !ok || len(got.spi) != 8 || ke.Group != s.dh {
		sa.log.Info("IKE SA rekey: responder chose a proposal we did not offer")
		t.failed(e, sa, true)
		return ike.StatusDone
	}
	peerSPI := binary.BigEndian.Uint64(got.spi)
	nr, peerKE, dh := bytes.Clone(nonce.Data), bytes.Clone(ke.Data), t.dh
	t.dh = nil
	old, ours := sa.keys, sa.ourSPI()
	e.o.Exec.Go(func() func() {
		gir, err := dh.SharedSecret(peerKE)
		dh.Zero()
		var k keymat
		if err == nil {
			k, err = deriveRekeyIKE(&old, s, gir, t.ni, nr, t.spi, peerSPI, true)
			clear(gir)
		}
		return func() {
			if e.sas.get(ours) != sa || sa.state == stateDead {
				return
			}
			if err != nil {
				sa.log.Info("IKE SA rekey: key derivation failed", "err", err)
				t.failed(e, sa, true)
				return
			}
			n := e.newIKESA(sa, ike.Initiator, t.spi, peerSPI, s, k)
			sa.rk.rekeying = false
			sa.rk.ourNew, sa.rk.ourLow = n, lowest(t.ni, nr)
			e.settleIKE(sa)
			if e.closing {
				e.deleteIKE(n) // the peer made it; SIGTERM came meanwhile
			}
			e.idle(sa)
			e.idle(n)
		}
	})
	return ike.StatusPending
}

// deriveRekeyIKE computes the new IKE SA's keys from the old SA's SK_d and
// PRF (RFC 7296 2.18).
func deriveRekeyIKE(old *keymat, s suite, gir, ni, nr []byte, spiI, spiR uint64, initiator bool) (keymat, error) {
	var km keymat
	p, np := prfOf(old.prf), prfOf(s.prf)
	ek, ik := encrKeyLen(s.encr), integKeyLen(s.integ)
	if p == nil || np == nil || np.KeySize() > len(km.skD) || ek < 0 || ik < 0 {
		return km, errors.New("ikev2: unsupported IKE transforms")
	}
	var si, sr [8]byte
	binary.BigEndian.PutUint64(si[:], spiI)
	binary.BigEndian.PutUint64(sr[:], spiR)
	keys, err := crypto.DeriveRekeyedIKESAKeys(p, old.d(), np, gir, ni, nr, si[:], sr[:], crypto.IKESAKeyLengths{EncrLen: ek, IntegLen: ik})
	if err != nil {
		return km, err
	}
	defer keys.Zero()
	km.skDLen = uint8(copy(km.skD[:], keys.SKd))
	km.prf, km.encr, km.integ = s.prf, s.encr, s.integ
	ki, kr := &km.keyOut, &km.keyIn
	if !initiator {
		ki, kr = kr, ki
	}
	if !ki.set(keys.SKei, keys.SKai) || !kr.set(keys.SKer, keys.SKar) {
		return km, errors.New("ikev2: key too long")
	}
	if _, err := km.cipherIn(); err != nil {
		return km, err
	}
	_, err = km.cipherOut()
	return km, err
}

// newIKESA makes the SA that replaces old, established, in the table,
// inheriting old's children and queued child requests.
func (e *Engine) newIKESA(old *IKESA, role ike.Role, ourSPI, peerSPI uint64, s suite, k keymat) *IKESA {
	n := &IKESA{role: role, state: stateAuth, local: old.local, remote: old.remote, peer: old.peer,
		suite: s, keys: k, natLocal: old.natLocal, natRemote: old.natRemote, fragOK: old.fragOK,
		peerID: old.peerID, created: e.now()}
	if role == ike.Initiator {
		n.spiI, n.spiR = ourSPI, peerSPI
	} else {
		n.spiI, n.spiR = peerSPI, ourSPI
	}
	n.mgr.init()
	n.log = saLog{l: e.log, spi: ourSPI, peer: old.remote}
	e.sas.add(n)
	e.ext.fromRekey = true
	e.ext.quietRekey = old.rk != nil && old.rk.hooked
	if old.rk != nil {
		old.rk.hooked = true
	}
	e.established(n)
	e.ext.fromRekey, e.ext.quietRekey = false, false
	e.moveChildren(old, n)
	old.log.Info("IKE SA rekeyed", "new-ike-sa", spiString(ourSPI), "role", role)
	return n
}

// onEstablished runs when an IKE SA becomes ESTABLISHED, by IKE_AUTH or
// by a rekey: its rekey timer, NAT keepalives and the phase1 hook.
func (e *Engine) onEstablished(sa *IKESA) {
	if sa.contact {
		e.initialContact(sa)
	}
	e.armIKERekey(sa)
	e.armIKEBytes(sa) // ikelifetime.go
	e.armKeepalive(sa)
	if e.ext.fromRekey {
		if !e.ext.quietRekey {
			e.hookIKE(sa, HookPhase1Rekey)
		}
	} else {
		e.hookIKE(sa, HookPhase1Up)
	}
}

// onDown runs when an established IKE SA goes: phase1_down, unless a
// rekey replaced it (racoon2 3.5) or it is a collision's redundant SA.
func (e *Engine) onDown(sa *IKESA) {
	e.uncollide(sa)
	e.dropTasks(sa, sa.queue)
	for i := range sa.mgr.out {
		e.dropTasks(sa, []task{sa.mgr.out[i].t})
	}
	if !sa.rk.replaced() {
		if !sa.redundant {
			e.hookIKE(sa, HookPhase1Down)
		}
		e.releaseLease(sa)
	}
}

// moveChildren hands from's children and queued CREATE_CHILD_SA requests
// to to, and arms the children's timers under their new IKE SA.
func (e *Engine) moveChildren(from, to *IKESA) {
	for _, c := range from.children {
		to.children = append(to.children, c)
		e.unindexChild(from, c)
		e.indexChild(to, c)
		e.armChild(to, c)
	}
	from.children = nil
	if from.cp != nil && to.cp == nil {
		to.cp, from.cp = from.cp, nil // the lease goes with the children
	}
	keep := from.queue[:0]
	for _, t := range from.queue {
		if _, ok := t.(*createChildTask); ok {
			to.queue = append(to.queue, t)
		} else {
			keep = append(keep, t)
		}
	}
	clear(from.queue[len(keep):])
	from.queue = keep
	e.kick(to)
}

// settleIKE finishes a rekey of old once our exchange is done: alone, it
// deletes old; when both peers rekeyed old at once, the new SA made with
// the lowest of the four nonces is deleted by the peer that made it, and
// the other inherits the children (RFC 7296 2.8.2).
//
// When the peer deleted old while our request was in flight (RFC 7296
// 2.25.2: a Delete may overtake the rekey response), old is only removed
// here, once the children have their new SA: the peer has no old SA to
// be told about.
func (e *Engine) settleIKE(old *IKESA) {
	r := old.rk
	e.uncollide(old)
	switch {
	case r.ourNew != nil && r.peerNew != nil:
		e.ext.stats.Collisions++
		if bytes.Compare(r.ourLow, r.peerLow) < 0 {
			old.log.Info("simultaneous IKE SA rekey: ours is redundant")
			r.ourNew.redundant = true
			if r.peerNew.state != stateDead {
				e.moveChildren(r.ourNew, r.peerNew)
			}
			e.deleteIKE(r.ourNew)
			if r.gone {
				e.destroy(old, "deleted by peer")
			}
			return
		}
		old.log.Info("simultaneous IKE SA rekey: ours survives")
		r.peerNew.redundant = true // the peer deletes it
		if r.peerNew.state != stateDead {
			e.moveChildren(r.peerNew, r.ourNew)
		}
		e.ext.stats.IKERekeys++
		e.retire(old)
	case r.ourNew != nil:
		e.ext.stats.IKERekeys++
		e.retire(old)
	}
}

// retire deletes an IKE SA our rekey replaced, or only removes it when the
// peer already deleted it.
func (e *Engine) retire(old *IKESA) {
	if old.rk.gone {
		e.destroy(old, "deleted by peer")
		return
	}
	e.deleteIKE(old)
}

// uncollide ends the link between old and the SA the peer's rekey made
// while ours was in flight (see reclaimChildren).
func (e *Engine) uncollide(old *IKESA) {
	if r := old.rk; r != nil && r.peerNew != nil {
		r.peerNew.collided = false
	}
}

// reclaimChildren runs when the peer deletes n, an SA its rekey made while
// our rekey of the same SA was in flight: the peer found its rekey
// redundant (RFC 7296 2.8.2), so ours is the one to keep, and the
// children n inherited go back to the old SA to wait for our response,
// which hands them on to our new SA.
func (e *Engine) reclaimChildren(n *IKESA) {
	n.collided = false
	for _, old := range e.sas.bySPI {
		if old.rk != nil && old.rk.peerNew == n && old.rk.inFlight() && old.state != stateDead {
			n.redundant = true
			e.moveChildren(n, old)
			return
		}
	}
}

// peerDeletedIKE decides what a Delete of sa from the peer (or the answer
// to ours) does. It reports false when sa must wait for the response to
// our rekey request still in flight: the peer may have made our new SA and
// moved the children to it (RFC 7296 2.25.2 tells us to forget our
// rekey, but then those children would be lost on our side).
func (e *Engine) peerDeletedIKE(sa *IKESA) bool {
	if sa.collided {
		e.reclaimChildren(sa)
	}
	if !sa.rk.inFlight() {
		return true
	}
	sa.log.Info("IKE SA deleted while our rekey is in flight: waiting for its response")
	sa.rk.gone = true
	if sa.state == stateEstablished {
		sa.state = stateDeleting
		e.dropTasks(sa, sa.queue)
		clear(sa.queue)
		sa.queue = sa.queue[:0]
	}
	return false
}

// respondIKERekey answers a CREATE_CHILD_SA rekeying sa (RFC 7296 1.3.2).
func (e *Engine) respondIKERekey(sa *IKESA, m *Message) ([]Payload, ike.Status) {
	tf := []Payload{notify(NotifyTemporaryFailure, nil)}
	switch {
	case sa.state != stateEstablished, sa.rk.replaced():
		// RFC 7296 2.25.2 and 2.8.2: closing, or already rekeyed.
		return tf, ike.StatusDone
	case childBusy(sa):
		// RFC 7296 2.25.1: we are creating or rekeying a child.
		return tf, ike.StatusDone
	}
	sap, ke, nonce := getSA(m), keOf(m), nonceOf(m)
	if sap == nil || ke == nil || nonce == nil {
		return []Payload{notify(NotifyInvalidSyntax, nil)}, ike.StatusDone
	}
	chosen, s, ok := choose(fromSAPayload(sap), ikeProposals(&sa.peer.Proposal), sa.peer.ProposalCheck, true)
	if !ok || len(chosen.spi) != 8 || !dhSupported(s.dh) {
		return []Payload{notify(NotifyNoProposalChosen, nil)}, ike.StatusDone
	}
	if ke.Group != s.dh {
		return []Payload{notify(NotifyInvalidKEPayload, u16Data(s.dh))}, ike.StatusDone
	}
	spi, err := e.newSPI()
	if err != nil {
		return tf, ike.StatusDone
	}
	nr, err := e.random(nonceSize(sa.peer))
	if err != nil {
		return tf, ike.StatusDone
	}
	peerSPI := binary.BigEndian.Uint64(chosen.spi)
	ni, peerKE, hdr := bytes.Clone(nonce.Data), bytes.Clone(ke.Data), m.Header
	old, ours, rnd := sa.keys, sa.ourSPI(), e.rand
	e.o.Exec.Go(func() func() {
		dh, err := newDHKey(s.dh, rnd)
		var k keymat
		var pub []byte
		if err == nil {
			pub = dh.PublicValue()
			var gir []byte
			gir, err = dh.SharedSecret(peerKE)
			dh.Zero()
			if err == nil {
				k, err = deriveRekeyIKE(&old, s, gir, ni, nr, peerSPI, spi, false)
				clear(gir)
			}
		}
		return func() {
			if e.sas.get(ours) != sa || sa.state == stateDead {
				return
			}
			if err != nil || sa.rk.replaced() || sa.state != stateEstablished || e.closing {
				// RFC 7296 2.25.2: rekeyed meanwhile, or being closed.
				sa.log.Info("IKE SA rekey by peer failed", "err", err, "state", sa.state)
				e.respond(sa, &hdr, tf)
				return
			}
			if sa.rk == nil {
				sa.rk = &ikeRekey{}
			}
			n := e.newIKESA(sa, ike.Responder, spi, peerSPI, s, k)
			sa.rk.peerNew, sa.rk.peerLow = n, lowest(ni, nr)
			n.collided = sa.rk.inFlight()
			e.ext.stats.IKERekeyedBy++
			chosen.spi = binary.BigEndian.AppendUint64(nil, spi)
			e.respond(sa, &hdr, []Payload{toSAPayload([]prop{chosen}), &Nonce{Data: nr}, &KE{Group: s.dh, Data: pub}})
			e.idle(sa)
			e.idle(n)
		}
	})
	return nil, ike.StatusPending
}

var _ = fmt.Sprintf
