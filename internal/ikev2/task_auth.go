package ikev2

import (
	"github.com/racoon2go/iked/internal/ike"
)

// authTask is the initiator's IKE_AUTH with the first CHILD_SA.
type authTask struct{}

func (*authTask) name() string           { return "IKE_AUTH" }
func (*authTask) exchange() ExchangeType { return ExchangeIKEAuth }

// myID is our identity: my_id, or our address when none is configured.
func myID(sa *IKESA) ike.ID {
	if sa.peer.MyID.Type != 0 {
		return sa.peer.MyID
	}
	return ike.IDFromAddr(sa.local.Addr())
}

func (*authTask) build(e *Engine, sa *IKESA) ([]Payload, error) {
	hs, peer := sa.hs, sa.peer
	idi := idPayload(myID(sa), false)
	auth, err := e.makeAuth(sa, idi)
	if err != nil {
		return nil, err
	}
	pl := make([]Payload, 0, 9)
	pl = append(pl, idi)
	if peer.SendPeersID && len(peer.PeersIDs) > 0 {
		pl = append(pl, idPayload(peer.PeersIDs[0], true))
	}
	pl = append(pl, auth)
	if !e.contact[peer.Name] {
		// racoon2 sends INITIAL_CONTACT on the first IKE SA to each remote.
		pl = append(pl, notify(NotifyInitialContact, nil))
	}
	if ch := sa.childCfg; ch != nil && len(ch.Proposals) > 0 {
		c, props, err := e.prepareChild(sa, ch)
		if err != nil {
			return nil, err
		}
		hs.child, hs.childProps = c, props
		if c.mode == ike.ModeTransport {
			pl = append(pl, notify(NotifyUseTransportMode, nil))
		}
		local, remote := tsPair(&ch.Sel)
		pl = append(pl, toSAPayload(props), toTS(false, local), toTS(true, remote))
	}
	return pl, nil
}

func (*authTask) process(e *Engine, sa *IKESA, m *Message) ike.Status {
	hs := sa.hs
	if n := m.Notify(NotifyAuthenticationFailed); n != nil {
		sa.log.Info("peer refused our authentication", "notify", n.NotifyType)
		e.dropLarval(sa)
		return ike.StatusDestroySA
	}
	idr, auth := getID(m, PayloadIDr), authOf(m)
	if idr == nil || auth == nil {
		sa.log.Info("IKE_AUTH response lacks IDr or AUTH")
		e.dropLarval(sa)
		return ike.StatusDestroySA
	}
	if !e.verifyPeer(sa, idr, auth, hs.initR, hs.nonceI, hs.skPr) {
		e.dropLarval(sa)
		return ike.StatusDestroySA
	}
	e.contact[sa.peer.Name] = true
	e.established(sa)
	if c := hs.child; c != nil {
		if err := e.finishChild(sa, c, m); err != nil {
			sa.log.Info("first CHILD_SA not established", "err", err)
			e.dropLarval(sa)
		}
	}
	e.dropHandshake(sa)
	return ike.StatusDone
}

func authOf(m *Message) *Auth {
	if p, ok := m.Get(PayloadAUTH).(*Auth); ok {
		return p
	}
	return nil
}

// makeAuth computes our AUTH payload over our IKE_SA_INIT message, the
// peer's nonce and our ID (RFC 7296 2.15).
func (e *Engine) makeAuth(sa *IKESA, id *ID) (*Auth, error) {
	hs := sa.hs
	msg, nonce, skp := hs.initI, hs.nonceR, hs.skPi
	if !sa.initiator() {
		msg, nonce, skp = hs.initR, hs.nonceI, hs.skPr
	}
	octets := signedOctets(sa.suite.prf, msg, nonce, skp, id)
	switch sa.peer.Auth {
	case ike.AuthPSK:
		return &Auth{Method: AuthSharedKeyMIC, Data: pskAuth(sa.suite.prf, sa.peer.PSK, octets)}, nil
	}
	return signAuth(sa, octets)
}

// verifyPeer checks the peer's ID against peers_id (verify_id) and its
// AUTH payload; msg, nonce and skp are the peer's IKE_SA_INIT message,
// our nonce and the peer's SK_p.
func (e *Engine) verifyPeer(sa *IKESA, id *ID, auth *Auth, msg, nonce, skp []byte) bool {
	pid := ike.ID{Type: ike.IDType(id.IDType), Data: id.Data}
	if sa.peer.VerifyID && len(sa.peer.PeersIDs) > 0 {
		ok := false
		for _, want := range sa.peer.PeersIDs {
			if want.Equal(pid) {
				ok = true
				break
			}
		}
		if !ok {
			sa.log.Info("peer ID does not match peers_id", "id-type", id.IDType, "id", printableID(pid))
			return false
		}
	}
	octets := signedOctets(sa.suite.prf, msg, nonce, skp, id)
	switch sa.peer.Auth {
	case ike.AuthPSK:
		if auth.Method != AuthSharedKeyMIC || !pskVerify(sa.suite.prf, sa.peer.PSK, octets, auth.Data) {
			sa.log.Info("peer AUTH does not verify", "method", auth.Method)
			return false
		}
	default:
		if err := verifySigAuth(sa, auth, octets); err != nil {
			sa.log.Info("peer signature does not verify", "method", auth.Method, "err", err)
			return false
		}
	}
	sa.peerID = ike.ID{Type: pid.Type, Data: append([]byte(nil), pid.Data...)}
	return true
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
// the SA is established and the first CHILD_SA is made if possible (a
// failed child does not fail the IKE SA, RFC 7296 1.2).
func (e *Engine) respondAuth(sa *IKESA, m *Message) ([]Payload, ike.Status) {
	hs := sa.hs
	idi, auth := getID(m, PayloadIDi), authOf(m)
	if idi == nil || auth == nil {
		return []Payload{notify(NotifyAuthenticationFailed, nil)}, ike.StatusDestroySA
	}
	if sa.peer.Name == "" {
		if p := e.cfg.PeerByID(ike.ID{Type: ike.IDType(idi.IDType), Data: idi.Data}); p != nil {
			sa.peer = p
		}
	}
	if !e.verifyPeer(sa, idi, auth, hs.initI, hs.nonceR, hs.skPi) {
		return []Payload{notify(NotifyAuthenticationFailed, nil)}, ike.StatusDestroySA
	}
	idr := idPayload(myID(sa), true)
	a, err := e.makeAuth(sa, idr)
	if err != nil {
		sa.log.Error("cannot compute AUTH", "err", err)
		return []Payload{notify(NotifyAuthenticationFailed, nil)}, ike.StatusDestroySA
	}
	out := []Payload{idr, a}
	e.established(sa)
	if getSA(m) != nil {
		out = append(out, e.respondChild(sa, m)...)
	}
	e.dropHandshake(sa)
	return out, ike.StatusDone
}

// established moves sa to ESTABLISHED and arms its liveness and lifetime
// timers.
func (e *Engine) established(sa *IKESA) {
	sa.state = stateEstablished
	e.sas.doneHalfOpen(sa)
	e.stats.Established++
	e.acquireFailed(sa) // forget the ACQUIRE seqs this SA answered
	sa.log.Info("IKE SA established", "role", sa.role, "remote", sa.peer.Name,
		"encr", sa.suite.encr.ID, "prf", sa.suite.prf, "integ", sa.suite.integ, "dh", sa.suite.dh)
	spi := sa.ourSPI()
	if d := sa.peer.DPDDelay; d > 0 {
		e.o.Sched.Schedule(e.now().Add(d), ike.TimerKey{Kind: timerDPD, SPI: spi})
	}
	if d := sa.peer.Lifetime; d > 0 {
		e.o.Sched.Schedule(sa.created.Add(d), ike.TimerKey{Kind: timerLifetime, SPI: spi})
	}
}

// dropHandshake forgets what only the handshake needed.
func (e *Engine) dropHandshake(sa *IKESA) {
	if sa.hs != nil {
		sa.hs.zero()
		sa.hs = nil
	}
	sa.childCfg = nil
}
