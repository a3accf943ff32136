package ikev2

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"

	"github.com/racoon2go/iked/internal/crypto"
	"github.com/racoon2go/iked/internal/ike"
)

// startIKE creates an initiator SA toward remote and starts IKE_SA_INIT:
// the DH key is made on a worker, then the request goes out.
func (e *Engine) startIKE(peer *ike.PeerConfig, ch *ike.ChildConfig, local, remote netip.AddrPort) (*IKESA, error) {
	if len(peer.Proposal.DH) == 0 || len(peer.Proposal.Encr) == 0 {
		return nil, fmt.Errorf("ikev2: remote %q: no IKE proposal", peer.Name)
	}
	spi, err := e.newSPI()
	if err != nil {
		return nil, err
	}
	ni, err := e.random(nonceSize(peer))
	if err != nil {
		return nil, err
	}
	sa := &IKESA{spiI: spi, role: ike.Initiator, state: stateInit, local: local, remote: remote,
		peer: peer, created: e.now(), childCfg: ch}
	sa.mgr.init()
	sa.log = saLog{l: e.log, spi: spi, peer: remote}
	sa.hs = &handshake{group: peer.Proposal.DH[0], nonceI: ni}
	e.sas.add(sa)
	e.armNegoLimit(sa)
	sa.log.Info("initiating IKE SA", "remote", peer.Name)
	e.genDH(sa, func() { e.queue(sa, &initTask{}) })
	return sa, nil
}

func nonceSize(p *ike.PeerConfig) int {
	if p.NonceSize < MinNonceLen || p.NonceSize > MaxNonceLen {
		return 32
	}
	return p.NonceSize
}

func spiString(s uint64) string { return fmt.Sprintf("%016x", s) }

func (e *Engine) armNegoLimit(sa *IKESA) {
	if d := sa.peer.NegoLimit; d > 0 {
		e.o.Sched.Schedule(e.now().Add(d), ike.TimerKey{Kind: timerNegoLimit, SPI: sa.ourSPI()})
	}
}

// alive reports whether sa is still the SA in the table under spi and
// still handshaking: an async completion for a removed SA does nothing.
func (e *Engine) alive(sa *IKESA, spi uint64) bool {
	return e.sas.get(spi) == sa && sa.state != stateDead && sa.hs != nil
}

// genDH makes our DH key for sa.hs.group on a worker, then calls then.
func (e *Engine) genDH(sa *IKESA, then func()) {
	spi, group, rnd := sa.ourSPI(), sa.hs.group, e.rand
	e.o.Exec.Go(func() func() {
		k, err := newDHKey(group, rnd)
		return func() {
			if !e.alive(sa, spi) {
				if k != nil {
					k.Zero()
				}
				return
			}
			if err != nil {
				sa.log.Error("DH key generation failed", "group", group, "err", err)
				e.destroy(sa, "DH")
				return
			}
			if sa.hs.dh != nil {
				sa.hs.dh.Zero()
			}
			sa.hs.dh = k
			then()
		}
	})
}

// natPayloads returns the NAT_DETECTION_*_IP notifies (RFC 7296 2.23).
func natPayloads(spiI, spiR uint64, local, remote netip.AddrPort) []Payload {
	src := natHash(spiI, spiR, local)
	dst := natHash(spiI, spiR, remote)
	return []Payload{
		notify(NotifyNATDetectionSourceIP, src[:]),
		notify(NotifyNATDetectionDestinationIP, dst[:]),
	}
}

// checkNAT compares the peer's NAT_DETECTION notifies with the addresses
// the packet really used.
func (e *Engine) checkNAT(sa *IKESA, m *Message, local, remote netip.AddrPort) {
	if !sa.peer.NATTraversal {
		return
	}
	var srcSeen, dstOK, srcOK bool
	for _, p := range m.Payloads {
		n, ok := p.(*Notify)
		if !ok {
			continue
		}
		switch n.NotifyType {
		case NotifyNATDetectionSourceIP:
			srcSeen = true
			h := natHash(m.SPIi, m.SPIr, remote)
			srcOK = srcOK || bytes.Equal(n.Data, h[:])
		case NotifyNATDetectionDestinationIP:
			h := natHash(m.SPIi, m.SPIr, local)
			dstOK = dstOK || bytes.Equal(n.Data, h[:])
		}
	}
	if !srcSeen {
		return
	}
	sa.natRemote = !srcOK
	sa.natLocal = !dstOK
	if sa.natLocal || sa.natRemote {
		sa.log.Info("NAT detected", "local-behind-nat", sa.natLocal, "peer-behind-nat", sa.natRemote)
	}
}

// initTask is the initiator's IKE_SA_INIT.
type initTask struct{}

func (*initTask) name() string           { return "IKE_SA_INIT" }
func (*initTask) exchange() ExchangeType { return ExchangeIKESAInit }

func (*initTask) build(e *Engine, sa *IKESA) ([]Payload, error) {
	hs := sa.hs
	pl := make([]Payload, 0, 9)
	if hs.cookie != nil {
		pl = append(pl, notify(NotifyCookie, hs.cookie)) // first (RFC 7296 2.6)
	}
	pl = append(pl, toSAPayload(ikeProposals(&sa.peer.Proposal)),
		&KE{Group: hs.group, Data: hs.dh.PublicValue()},
		&Nonce{Data: hs.nonceI})
	if sa.peer.NATTraversal {
		pl = append(pl, natPayloads(sa.spiI, 0, sa.local, sa.remote)...)
	}
	pl = append(pl, notify(NotifyIKEv2FragmentationSupported, nil),
		notify(NotifySignatureHashAlgorithms, sigHashData))
	return pl, nil
}

func (t *initTask) process(e *Engine, sa *IKESA, m *Message) ike.Status {
	hs := sa.hs
	if n := m.Notify(NotifyCookie); n != nil {
		// RFC 7296 2.6: send IKE_SA_INIT again, same SPIi, with the cookie.
		if hs.cookieTries >= 3 || len(n.Data) == 0 || len(n.Data) > 64 {
			return ike.StatusDestroySA
		}
		hs.cookieTries++
		hs.cookie = append(hs.cookie[:0], n.Data...)
		sa.mgr.nextID = 0
		sa.log.Debug("responder demands a cookie")
		sa.queue = append(sa.queue, t)
		return ike.StatusNeedMore
	}
	if n := m.Notify(NotifyInvalidKEPayload); n != nil {
		// RFC 7296 1.3: retry with the group the responder wants, if ours.
		if len(n.Data) != 2 || hs.keTries >= 2 {
			return ike.StatusDestroySA
		}
		g := binary.BigEndian.Uint16(n.Data)
		if g == hs.group || !slices.Contains(sa.peer.Proposal.DH, g) {
			sa.log.Info("responder wants a DH group we do not offer", "group", g)
			return ike.StatusDestroySA
		}
		hs.keTries++
		hs.group = g
		sa.mgr.nextID = 0
		sa.log.Info("retrying with the DH group the responder asked for", "group", g)
		e.genDH(sa, func() { e.queue(sa, t) })
		return ike.StatusNeedMore
	}
	if n := m.ErrorNotify(); n != nil {
		sa.log.Info("IKE_SA_INIT refused", "notify", n.NotifyType)
		return ike.StatusDestroySA
	}
	sap, ke, nonce := getSA(m), keOf(m), nonceOf(m)
	if sap == nil || ke == nil || nonce == nil || m.SPIr == 0 || len(sap.Proposals) != 1 {
		sa.log.Info("IKE_SA_INIT response lacks SA, KE, Nr or SPIr")
		return ike.StatusDestroySA
	}
	s, ok := checkChosen(ikeProposals(&sa.peer.Proposal), fromSAPayload(sap)[0], true)
	if !ok || s.dh != hs.group || ke.Group != hs.group {
		sa.log.Info("responder chose a proposal we did not offer")
		return ike.StatusDestroySA
	}
	sa.spiR = m.SPIr
	sa.suite = s
	hs.nonceR = bytes.Clone(nonce.Data)
	hs.initR = bytes.Clone(e.raw)
	sa.fragOK = m.Notify(NotifyIKEv2FragmentationSupported) != nil
	hs.peerHashes = peerHashes(m)
	e.checkNAT(sa, m, sa.local, sa.remote)
	e.deriveKeys(sa, bytes.Clone(ke.Data), func() {
		sa.state = stateAuth
		if sa.natLocal || sa.natRemote {
			// RFC 7296 2.23: float to port 4500 before IKE_AUTH.
			sa.local = netip.AddrPortFrom(sa.local.Addr(), ike.PortNATT)
			sa.setRemote(netip.AddrPortFrom(sa.remote.Addr(), ike.PortNATT))
		}
		e.startAuth(sa)
	})
	return ike.StatusNeedMore
}

func keOf(m *Message) *KE {
	if p, ok := m.Get(PayloadKE).(*KE); ok {
		return p
	}
	return nil
}

func nonceOf(m *Message) *Nonce {
	if p, ok := m.Get(PayloadNonce).(*Nonce); ok {
		return p
	}
	return nil
}

// deriveKeys computes g^ir and the IKE SA keys on a worker, installs them
// and calls then on the loop.
func (e *Engine) deriveKeys(sa *IKESA, peerKE []byte, then func()) {
	hs := sa.hs
	// The worker owns the DH key and copies of the nonces: the SA may be
	// destroyed (and its handshake zeroed) while the work runs.
	dh, s := hs.dh, sa.suite
	hs.dh = nil
	ni, nr := bytes.Clone(hs.nonceI), bytes.Clone(hs.nonceR)
	spi, spiI, spiR, initiator := sa.ourSPI(), sa.spiI, sa.spiR, sa.initiator()
	e.o.Exec.Go(func() func() {
		shared, err := dh.SharedSecret(peerKE)
		dh.Zero()
		var k ikeKeys
		if err == nil {
			k, err = deriveIKE(s, ni, nr, shared, spiI, spiR, initiator)
			clear(shared)
		}
		return func() {
			if !e.alive(sa, spi) {
				return
			}
			if err != nil {
				sa.log.Info("key derivation failed", "err", err)
				e.destroy(sa, "key exchange")
				return
			}
			sa.keys = k.km
			sa.hs.skPi, sa.hs.skPr = k.skPi, k.skPr
			then()
		}
	})
}

// respondInit answers an IKE_SA_INIT request (RFC 7296 1.2, 2.6, 2.7).
// Refusals (cookie demanded, no proposal, wrong KE group) are stateless.
func (e *Engine) respondInit(p ike.Packet, h *Header) {
	if sa := e.sas.responderFor(p.Remote, h.SPIi); sa != nil {
		// A retransmission: answer from the cache, or drop while busy.
		if sa.mgr.judgeRequest(0) == reqResend && sa.mgr.resendOK(e.now()) {
			e.stats.ResponsesResent++
			e.sendTo(p.Local, p.Remote, sa.mgr.resp, 1)
		} else {
			e.stats.DropMessageID++
		}
		return
	}
	if e.capture != nil {
		e.capture.Write(e.now(), p.Remote, p.Local, p.Data) // once: not the retransmissions
	}
	m := &e.msg
	if err := m.Parse(p.Data); err != nil {
		e.stats.DropMalformed++
		e.log.Debug("malformed IKE_SA_INIT dropped", "peer", p.Remote, "err", err)
		return
	}
	sap, ke, nonce := getSA(m), keOf(m), nonceOf(m)
	if sap == nil || ke == nil || nonce == nil {
		e.stats.DropMalformed++
		return
	}
	peer := e.cfg.PeerByAddr(p.Remote.Addr())
	if peer == nil {
		e.stats.DropUnexpected++
		e.log.Info("IKE_SA_INIT from a peer with no remote", "peer", p.Remote)
		return
	}
	if peer.CookieReq || e.sas.halfOpen >= e.o.HalfOpenLimit {
		if !e.cookieOK(m, p, h, nonce.Data) {
			return
		}
	}
	if e.sas.halfOpen >= e.o.HalfOpenMax || int(e.sas.halfPeer[p.Remote.Addr()]) >= e.o.HalfOpenPerPeer {
		e.stats.DropHalfOpen++
		return
	}
	chosen, s, ok := choose(fromSAPayload(sap), ikeProposals(&peer.Proposal), peer.ProposalCheck, true)
	if !ok || !dhSupported(s.dh) {
		e.log.Info("IKE_SA_INIT: no proposal chosen", "peer", p.Remote)
		e.stateless(p, h, notify(NotifyNoProposalChosen, nil))
		return
	}
	if ke.Group != s.dh {
		e.stateless(p, h, notify(NotifyInvalidKEPayload, u16Data(s.dh)))
		return
	}
	spi, err := e.newSPI()
	if err != nil {
		return
	}
	nr, err := e.random(nonceSize(peer))
	if err != nil {
		return
	}
	sa := &IKESA{spiI: h.SPIi, spiR: spi, role: ike.Responder, state: stateInit,
		local: p.Local, remote: p.Remote, peer: peer, suite: s, created: e.now()}
	sa.mgr.init()
	sa.mgr.accepted(0, p.Local, p.Remote)
	sa.log = saLog{l: e.log, spi: spi, peer: p.Remote}
	sa.hs = &handshake{group: s.dh, nonceI: bytes.Clone(nonce.Data), nonceR: nr, initI: bytes.Clone(p.Data), initFrom: p.Remote}
	sa.fragOK = m.Notify(NotifyIKEv2FragmentationSupported) != nil
	sa.hs.peerHashes = peerHashes(m)
	e.checkNAT(sa, m, p.Local, p.Remote)
	e.sas.add(sa)
	e.sas.addHalfOpen(sa)
	e.armNegoLimit(sa)
	sa.log.Debug("IKE_SA_INIT received", "remote", peer.Name)
	peerKE := bytes.Clone(ke.Data)
	chosenSA := toSAPayload([]prop{chosen})
	e.genDH(sa, func() {
		pub := sa.hs.dh.PublicValue()
		e.deriveKeys(sa, peerKE, func() {
			pl := []Payload{chosenSA, &KE{Group: s.dh, Data: pub}, &Nonce{Data: sa.hs.nonceR}}
			if peer.NATTraversal {
				pl = append(pl, natPayloads(sa.spiI, sa.spiR, sa.local, sa.remote)...)
			}
			pl = append(pl, certReq(peer)...)
			pl = append(pl, notify(NotifyIKEv2FragmentationSupported, nil),
				notify(NotifySignatureHashAlgorithms, sigHashData))
			pkts, err := e.encode(sa, ExchangeIKESAInit, 0, true, pl)
			if err != nil {
				e.destroy(sa, "encode")
				return
			}
			sa.hs.initR = pkts[0]
			sa.state = stateAuth
			sa.mgr.responded(0, pkts, e.now())
			e.sendTo(sa.mgr.reqTo, sa.mgr.reqFrom, pkts, 1)
		})
	})
}

// cookieOK checks the COOKIE of an IKE_SA_INIT when cookies are demanded,
// and answers with a fresh one when it is missing or wrong.
func (e *Engine) cookieOK(m *Message, p ike.Packet, h *Header, ni []byte) bool {
	now := e.now()
	if n := m.Notify(NotifyCookie); n != nil {
		if e.cookies.check(now, n.Data, ni, p.Remote.Addr(), h.SPIi) {
			return true
		}
		e.stats.CookiesBad++
	}
	c, err := e.cookies.make(now, ni, p.Remote.Addr(), h.SPIi)
	if err != nil {
		return false
	}
	e.stats.CookiesSent++
	e.stateless(p, h, notify(NotifyCookie, c))
	return false
}

// stateless answers an IKE_SA_INIT with a single notify and keeps nothing.
func (e *Engine) stateless(p ike.Packet, h *Header, n *Notify) {
	m := Message{Header: Header{SPIi: h.SPIi, Exchange: ExchangeIKESAInit, Flags: FlagResponse}, Payloads: []Payload{n}}
	b, err := m.Append(nil)
	if err != nil {
		return
	}
	if e.capture != nil {
		e.capture.Write(e.now(), p.Local, p.Remote, b)
	}
	e.sendTo(p.Local, p.Remote, [][]byte{b}, 1)
}

// peerHashes reads SIGNATURE_HASH_ALGORITHMS (RFC 7427 4).
func peerHashes(m *Message) []crypto.HashAlgorithm {
	n := m.Notify(NotifySignatureHashAlgorithms)
	if n == nil {
		return nil
	}
	h, err := crypto.ParseSignatureHashAlgorithms(n.Data)
	if err != nil {
		return nil
	}
	return h
}
