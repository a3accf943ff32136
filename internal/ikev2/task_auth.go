package ikev2

import (
	"github.com/racoon2go/iked/internal/ike"
)

// authTask is the initiator's IKE_AUTH with the first CHILD_SA. Its AUTH
// payload is computed before it is queued (signatures on the executor).
type authTask struct {
	id   *ID
	auth *Auth
}

func (*authTask) name() string           { return "IKE_AUTH" }
func (*authTask) exchange() ExchangeType { return ExchangeIKEAuth }

// myID is our identity: my_id, or our address when none is configured.
func myID(sa *IKESA) ike.ID {
	if sa.peer.MyID.Type != 0 {
		return sa.peer.MyID
	}
	return ike.IDFromAddr(sa.local.Addr())
}

// startAuth computes our AUTH, then queues IKE_AUTH.
func (e *Engine) startAuth(sa *IKESA) {
	idi := idPayload(myID(sa), false)
	e.authThen(sa, idi, func(a *Auth, err error) {
		if err != nil {
			sa.log.Error("cannot compute our AUTH", "err", err)
			e.destroy(sa, "AUTH")
			return
		}
		e.queue(sa, &authTask{id: idi, auth: a})
	})
}

func (t *authTask) build(e *Engine, sa *IKESA) ([]Payload, error) {
	hs, peer := sa.hs, sa.peer
	pl := make([]Payload, 0, 12)
	pl = append(pl, t.id)
	pl = append(pl, certPayloads(peer)...)
	pl = append(pl, certReq(peer)...)
	if peer.SendPeersID && len(peer.PeersIDs) > 0 {
		pl = append(pl, idPayload(peer.PeersIDs[0], true))
	}
	pl = append(pl, t.auth)
	if !e.contact[peer.Name] || e.onlySA(sa) { // contact.go
		// racoon2 sends INITIAL_CONTACT on the first IKE SA to each remote.
		pl = append(pl, notify(NotifyInitialContact, nil))
	}
	pl = append(pl, e.cpRequest(sa)...) // cp.go
	if ch := sa.childCfg; ch != nil && len(ch.Proposals) > 0 && hs.child == nil {
		c, props, err := e.prepareChild(sa, ch)
		if err != nil {
			return nil, err
		}
		hs.child, hs.childProps = c, props
	}
	if c := hs.child; c != nil {
		if c.mode == ike.ModeTransport {
			pl = append(pl, notify(NotifyUseTransportMode, nil))
		}
		local, remote := tsPair(&c.cfg.Sel)
		pl = append(pl, toSAPayload(hs.childProps), toTS(false, local), toTS(true, remote))
	}
	return pl, nil
}

func (*authTask) process(e *Engine, sa *IKESA, m *Message) ike.Status {
	hs := sa.hs
	sa.contact = m.Notify(NotifyInitialContact) != nil // contact.go
	e.cpReplied(sa, m)                                 // cp.go
	if n := m.Notify(NotifyAuthenticationFailed); n != nil {
		sa.log.Info("peer refused our authentication", "notify", n.NotifyType)
		e.dropLarval(sa)
		return ike.StatusDestroySA
	}
	in, ok := authInOf(m, PayloadIDr)
	if !ok {
		sa.log.Info("IKE_AUTH response lacks IDr or AUTH")
		e.dropLarval(sa)
		return ike.StatusDestroySA
	}
	e.verifyThen(sa, in, hs.initR, hs.nonceI, hs.skPr, func(ok bool) {
		if !ok {
			e.dropLarval(sa)
			e.tellAuthFailed(sa)
			e.destroy(sa, "peer authentication failed")
			return
		}
		e.contact[sa.peer.Name] = true
		e.established(sa)
		if c := hs.child; c != nil {
			if err := e.finishChild(sa, c, &in.child); err != nil {
				sa.log.Info("first CHILD_SA not established", "err", err)
				e.dropLarval(sa)
			}
		}
		later := hs.later
		e.dropHandshake(sa)
		e.createLater(sa, later) // initiate.go
		e.kick(sa)
		e.idle(sa)
	})
	return ike.StatusPending
}

func authOf(m *Message) *Auth {
	if p, ok := m.Get(PayloadAUTH).(*Auth); ok {
		return p
	}
	return nil
}

func printableID(id ike.ID) string {
	switch id.Type {
	case ike.IDFQDN, ike.IDRFC822:
		return string(id.Data)
	}
	return "(binary)"
}

// respondAuth answers IKE_AUTH: the remote is chosen again by ID when the
// address only matched default{remote} (racoon2), the peer is verified,
// our AUTH computed (signatures on the executor), the SA established and
// the first CHILD_SA made if possible (a failed child does not fail the
// IKE SA, RFC 7296 1.2). The response goes out when all that is done.
func (e *Engine) respondAuth(sa *IKESA, m *Message) ([]Payload, ike.Status) {
	hs := sa.hs
	in, ok := authInOf(m, PayloadIDi)
	if !ok {
		return []Payload{notify(NotifyAuthenticationFailed, nil)}, ike.StatusDestroySA
	}
	if sa.peer.Name == "" {
		if p := e.cfg.PeerByID(ike.ID{Type: ike.IDType(in.id.IDType), Data: in.id.Data}); p != nil {
			sa.peer = p
		}
	}
	fail := func(why string) {
		e.respond(sa, &in.header, []Payload{notify(NotifyAuthenticationFailed, nil)})
		e.destroy(sa, why)
	}
	e.verifyThen(sa, in, hs.initI, hs.nonceR, hs.skPi, func(ok bool) {
		if !ok {
			fail("peer authentication failed")
			return
		}
		idr := idPayload(myID(sa), true)
		e.authThen(sa, idr, func(a *Auth, err error) {
			if err != nil {
				sa.log.Error("cannot compute our AUTH", "err", err)
				fail("AUTH")
				return
			}
			out := make([]Payload, 0, 8)
			out = append(out, idr)
			out = append(out, certPayloads(sa.peer)...)
			out = append(out, a)
			e.established(sa)
			if in.child.hasSA {
				cp, ok := e.cpRespond(sa, &in.child) // cp.go
				out = append(out, cp...)
				if ok {
					out = append(out, e.respondChild(sa, &in.child)...)
				}
			}
			e.dropHandshake(sa)
			e.respond(sa, &in.header, out)
			e.idle(sa)
		})
	})
	return nil, ike.StatusPending
}

// established moves sa to ESTABLISHED and arms its liveness and lifetime
// timers.
func (e *Engine) established(sa *IKESA) {
	sa.state = stateEstablished
	e.sas.doneHalfOpen(sa)
	e.sas.forgetInit(sa)
	e.stats.Established++
	e.acquireDone(sa, false)
	sa.log.Info("IKE SA established", "role", sa.role, "remote", sa.peer.Name,
		"encr", sa.suite.encr.ID, "prf", sa.suite.prf, "integ", sa.suite.integ, "dh", sa.suite.dh)
	spi := sa.ourSPI()
	if d := sa.peer.DPDDelay; d > 0 {
		e.o.Sched.Schedule(e.now().Add(d), ike.TimerKey{Kind: timerDPD, SPI: spi})
	}
	if d := sa.peer.Lifetime; d > 0 {
		e.o.Sched.Schedule(sa.created.Add(d), ike.TimerKey{Kind: timerLifetime, SPI: spi})
	}
	e.onEstablished(sa) // rekey timer, NAT keepalive, hook (task_rekey.go)
}

// dropHandshake forgets what only the handshake needed.
func (e *Engine) dropHandshake(sa *IKESA) {
	if sa.hs != nil {
		sa.hs.zero()
		sa.hs = nil
	}
	sa.childCfg = nil
}

// tellAuthFailed sends, once, an INFORMATIONAL with AUTHENTICATION_FAILED
// so that a responder we refused drops its SA (RFC 7296 2.21.2).
func (e *Engine) tellAuthFailed(sa *IKESA) {
	pkts, err := e.encode(sa, ExchangeInformational, sa.mgr.allocID(), false,
		[]Payload{notify(NotifyAuthenticationFailed, nil)})
	if err == nil {
		e.sendTo(sa.local, sa.remote, pkts, 1)
	}
}
