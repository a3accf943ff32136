package ikev2

import (
	"encoding/binary"
	"errors"

	"github.com/racoon2go/iked/internal/ike"
)

// HandlePacket processes one received IKE datagram (the non-ESP marker
// already removed). Anything malformed, unauthenticated or unexpected is
// dropped and counted; no state changes before a message has passed its
// integrity check.
func (e *Engine) HandlePacket(p ike.Packet) {
	e.stats.Received++
	e.raw = p.Data
	defer func() { e.raw = nil }()
	h, err := ParseHeader(p.Data)
	if err != nil {
		e.stats.DropMalformed++
		e.log.Debug("malformed packet dropped", "peer", p.Remote, "err", err)
		if ne := AsNotify(err); ne != nil && ne.Type == NotifyInvalidMajorVersion {
			e.invalidMajorVersion(p)
		}
		return
	}
	if h.Exchange == ExchangeIKESAInit && !h.IsResponse() {
		if h.SPIr != 0 || h.MessageID != 0 || !h.IsInitiator() {
			e.stats.DropMalformed++
			return
		}
		e.respondInit(p, &h)
		return
	}
	spi := h.SPIi
	if h.IsInitiator() {
		spi = h.SPIr
	}
	sa := e.sas.get(spi)
	if sa == nil {
		e.stats.DropUnknownSPI++
		e.log.Debug("packet for unknown IKE SA dropped", "peer", p.Remote, "spi", spi)
		return
	}
	// The I flag must name the peer's role, and the peer's SPI must be
	// the one we know (it is learnt from the IKE_SA_INIT response).
	if h.IsInitiator() == sa.initiator() || (sa.peerSPI() != 0 && sa.peerSPI() != peerSPIOf(sa, &h)) {
		e.stats.DropUnexpected++
		return
	}
	if h.IsResponse() {
		e.handleResponse(sa, p, &h)
	} else {
		e.handleRequest(sa, p, &h)
	}
	e.idle(sa)
}

// idle drops the expanded SK ciphers of an established SA after a message
// was handled (see keymat).
func (e *Engine) idle(sa *IKESA) {
	if sa.state >= stateEstablished {
		sa.keys.release()
	}
}

func peerSPIOf(sa *IKESA, h *Header) uint64 {
	if sa.initiator() {
		return h.SPIr
	}
	return h.SPIi
}

// decode parses a message of sa and, except for IKE_SA_INIT, checks and
// decrypts its SK payload (reassembling SKF fragments). It returns nil for
// a message to drop (counted) or one still missing fragments.
func (e *Engine) decode(sa *IKESA, p ike.Packet, h *Header) *Message {
	m := &e.msg
	if err := m.Parse(p.Data); err != nil {
		e.stats.DropMalformed++
		sa.log.Debug("malformed message dropped", "exchange", h.Exchange, "err", err)
		return nil
	}
	if h.Exchange == ExchangeIKESAInit {
		if e.capture != nil {
			e.capture.Write(e.now(), p.Remote, p.Local, p.Data)
		}
		return m
	}
	enc := m.Encrypted()
	if enc == nil || !sa.keys.ready() {
		e.stats.DropMalformed++
		return nil
	}
	in, err := sa.keys.cipherIn()
	if err != nil {
		e.stats.DropMalformed++
		return nil
	}
	if enc.Fragment {
		return e.reassemble(sa, m, p, h, in)
	}
	first := enc.Inner
	plain, err := m.openInner(p.Data, in)
	if err != nil {
		if errors.Is(err, ErrIntegrity) || errors.Is(err, ErrBadPadding) {
			e.stats.DropIntegrity++
		} else {
			e.stats.DropMalformed++
		}
		sa.log.Debug("message dropped", "exchange", h.Exchange, "message-id", h.MessageID, "err", err)
		return nil
	}
	e.afterAuthenticated(sa, p)
	e.countOctets(sa, len(p.Data)) // ikelifetime.go
	if e.capture != nil {
		e.capture.WriteDecrypted(e.now(), p.Remote, p.Local, p.Data[:HeaderLen], uint8(first), plain)
	}
	e.noteWindow(sa, m)
	return m
}

// maxWindow caps the send window a peer may grant us.
const maxWindow = 32

// noteWindow honours SET_WINDOW_SIZE (RFC 7296 2.3): the peer can take
// that many requests from us at once. We announce none, so ours stays 1.
func (e *Engine) noteWindow(sa *IKESA, m *Message) {
	n := m.Notify(NotifySetWindowSize)
	if n == nil || len(n.Data) != 4 {
		return
	}
	w := binary.BigEndian.Uint32(n.Data)
	if w < 1 {
		return
	}
	sa.mgr.window = min(w, maxWindow)
	sa.log.Debug("peer window size", "window", sa.mgr.window)
}

// reassemble adds an authenticated fragment (RFC 7383 2.6).
func (e *Engine) reassemble(sa *IKESA, m *Message, p ike.Packet, h *Header, in SKCipher) *Message {
	enc := m.Encrypted()
	plain, err := m.OpenSK(p.Data, in)
	if err != nil {
		e.stats.DropIntegrity++
		return nil
	}
	if sa.reasm == nil || sa.reasmID != h.MessageID || sa.reasmResp != h.IsResponse() {
		sa.reasm, sa.reasmID, sa.reasmResp = &Reassembly{}, h.MessageID, h.IsResponse()
		e.armReasm(sa, h.MessageID) // frag.go
	}
	done, err := sa.reasm.Add(enc, plain)
	if err == nil {
		err = e.reasmBounded(sa) // frag.go
	}
	if err != nil {
		e.stats.DropMalformed++
		return nil
	}
	e.afterAuthenticated(sa, p)
	e.countOctets(sa, len(p.Data)) // ikelifetime.go
	if !done {
		return nil
	}
	first, inner, err := sa.reasm.Inner()
	total := sa.reasm.Total
	sa.reasm = nil
	var ps []Payload
	if err == nil {
		ps, err = DecodePayloads(m.Payloads[:0], first, inner)
	}
	if err != nil {
		e.stats.DropMalformed++
		return nil
	}
	if e.capture != nil {
		// Every fragment has the same header but for Next Payload and
		// Length, which the capture rewrites.
		e.capture.WriteDecrypted(e.now(), p.Remote, p.Local, p.Data[:HeaderLen], uint8(first), inner)
	}
	sa.log.Debug("fragmented message reassembled", "exchange", h.Exchange, "message-id", h.MessageID,
		"fragments", total, "bytes", len(inner))
	m.Payloads = ps
	e.noteWindow(sa, m)
	return m
}

// afterAuthenticated follows the peer's address when a NAT is between us
// (RFC 7296 2.23), or when the peer moved to the NAT-T port on its own (as
// strongSwan does for IKE_AUTH): only authenticated messages may move it.
func (e *Engine) afterAuthenticated(sa *IKESA, p ike.Packet) {
	if p.Remote != sa.remote && mayFollow(sa, p) {
		sa.log.Info("peer address changed", "from", sa.remote, "to", p.Remote)
		sa.setRemote(p.Remote)
		sa.local = p.Local
		e.peerMoved(sa) // natt.go
	}
}

// mayFollow reports whether p may move sa's peer. When only we are
// behind a NAT the peer's address stays, only its port may change (the
// float to 4500): RFC 7296 2.23, a host behind a NAT SHOULD NOT update,
// since anyone who can race a packet of the peer's could move us.
func mayFollow(sa *IKESA, p ike.Packet) bool {
	switch {
	case sa.natRemote:
		return true
	case sa.natLocal:
		return p.Remote.Addr() == sa.remote.Addr()
	}
	return p.Local.Port() == ike.PortNATT
}

func (e *Engine) handleResponse(sa *IKESA, p ike.Packet, h *Header) {
	r := sa.mgr.pending(h.MessageID)
	if r == nil {
		e.stats.DropMessageID++
		return
	}
	if r.t.exchange() != h.Exchange {
		e.stats.DropUnexpected++
		return
	}
	m := e.decode(sa, p, h)
	if m == nil {
		return
	}
	t := r.t
	if h.Exchange == ExchangeIKESAInit && sa.hs != nil {
		sa.hs.initI = r.pkts[0] // the request that was answered (RFC 7296 2.15)
	}
	sa.mgr.done(h.MessageID)
	switch t.process(e, sa, m) {
	case ike.StatusDestroySA:
		why := t.name() + " failed"
		if d, ok := t.(*deleteTask); ok && d.ike {
			why = "deleted"
		}
		e.destroy(sa, why)
		return
	case ike.StatusFailed:
		sa.log.Info("exchange failed", "task", t.name())
	}
	e.kick(sa)
}

func (e *Engine) handleRequest(sa *IKESA, p ike.Packet, h *Header) {
	switch sa.mgr.judgeRequest(h.MessageID) {
	case reqResend:
		if sa.mgr.resendOK(e.now()) {
			e.stats.ResponsesResent++
			e.sendTo(p.Local, p.Remote, sa.mgr.resp, 1)
			e.countSent(sa, sa.mgr.resp, 1)
		} else {
			e.stats.DropMessageID++
		}
		return
	case reqDrop:
		e.stats.DropMessageID++
		return
	}
	m := e.decode(sa, p, h)
	if m == nil {
		return
	}
	if t, bad := criticalUnknown(m); bad {
		sa.mgr.accepted(h.MessageID, p.Local, p.Remote)
		e.respond(sa, h, []Payload{notify(NotifyUnsupportedCriticalPayload, []byte{byte(t)})})
		return
	}
	var out []Payload
	st := ike.StatusDone
	switch {
	case h.Exchange == ExchangeIKEAuth && sa.role == ike.Responder && sa.state == stateAuth:
		sa.mgr.accepted(h.MessageID, p.Local, p.Remote)
		sa.contact = m.Notify(NotifyInitialContact) != nil // contact.go
		noteCPRequest(sa, m)                               // cp.go
		out, st = e.respondAuth(sa, m)
	case h.Exchange == ExchangeInformational && sa.state >= stateEstablished:
		sa.mgr.accepted(h.MessageID, p.Local, p.Remote)
		out, st = e.respondInfo(sa, m)
	case h.Exchange == ExchangeCreateChildSA && sa.state >= stateEstablished:
		sa.mgr.accepted(h.MessageID, p.Local, p.Remote)
		out, st = e.respondCreateChild(sa, m) // task_child.go
	default:
		e.stats.DropUnexpected++
		return
	}
	if st == ike.StatusPending {
		return // the exchange answers when its work is done
	}
	e.respond(sa, h, out)
	if st == ike.StatusDestroySA {
		why := h.Exchange.String() + " failed"
		if h.Exchange == ExchangeInformational {
			why = "deleted by peer"
		}
		e.destroy(sa, why)
	}
}

func criticalUnknown(m *Message) (PayloadType, bool) {
	for _, p := range m.Payloads {
		if u, ok := p.(*Unknown); ok && u.Critical {
			return u.PT, true
		}
	}
	return 0, false
}

// respond encodes, caches and sends the response to request h.
func (e *Engine) respond(sa *IKESA, h *Header, out []Payload) {
	pkts, err := e.encode(sa, h.Exchange, h.MessageID, true, out)
	if err != nil {
		sa.log.Error("cannot encode response", "exchange", h.Exchange, "err", err)
		sa.mgr.abandoned()
		return
	}
	sa.mgr.responded(h.MessageID, pkts, e.now())
	e.sendTo(sa.mgr.reqTo, sa.mgr.reqFrom, pkts, 1)
	e.countSent(sa, pkts, 1)
}

// encode builds the datagrams of a message of sa: plain for IKE_SA_INIT,
// an SK payload otherwise, cut into SKF fragments when it is too big for
// one datagram and the peer supports fragmentation (RFC 7383).
func (e *Engine) encode(sa *IKESA, x ExchangeType, id uint32, resp bool, pl []Payload) ([][]byte, error) {
	h := Header{SPIi: sa.spiI, SPIr: sa.spiR, Exchange: x, MessageID: id}
	if sa.initiator() {
		h.Flags |= FlagInitiator
	}
	if resp {
		h.Flags |= FlagResponse
	}
	if x == ExchangeIKESAInit {
		m := Message{Header: h, Payloads: pl}
		b, err := m.Append(nil)
		if err == nil && e.capture != nil {
			e.captureOut(sa, &h, b, nil)
		}
		return [][]byte{b}, err
	}
	out, err := sa.keys.cipherOut()
	if err != nil {
		return nil, err
	}
	if e.capture != nil {
		e.captureOut(sa, &h, nil, pl) // before encryption, once per message
	}
	b, err := AppendEncrypted(nil, &h, pl, out, e.rand)
	limit := e.fragLimit(sa)
	if err == nil && len(b) <= limit || !sa.fragOK {
		return [][]byte{b}, err
	}
	frags, err := SealFragments(h, pl, limit, out, e.rand)
	if err == nil {
		largest := 0
		for _, f := range frags {
			largest = max(largest, len(f))
		}
		sa.log.Debug("message sent in fragments", "exchange", x, "message-id", id,
			"bytes", len(b), "fragments", len(frags), "largest", largest, "limit", limit)
	}
	return frags, err
}

// kick sends queued requests while the peer's window has room.
func (e *Engine) kick(sa *IKESA) {
	for sa.state != stateDead && sa.mgr.free() && len(sa.queue) > 0 {
		t := sa.queue[0]
		sa.queue[0] = nil
		sa.queue = sa.queue[1:]
		pl, err := t.build(e, sa)
		if err != nil {
			sa.log.Error("cannot build request", "task", t.name(), "err", err)
			e.destroy(sa, t.name()+": "+err.Error())
			return
		}
		id := sa.mgr.allocID()
		e.sendRequest(sa, t, id, pl)
	}
}

// sendRequest encodes and sends request id and arms its retransmission.
func (e *Engine) sendRequest(sa *IKESA, t task, id uint32, pl []Payload) {
	pkts, err := e.encode(sa, t.exchange(), id, false, pl)
	if err != nil {
		sa.log.Error("cannot encode request", "task", t.name(), "err", err)
		e.destroy(sa, "encode")
		return
	}
	r := sa.mgr.track(id, pkts, t)
	r.sends = 1
	rt := sa.peer.Retransmit
	e.sendTo(sa.local, sa.remote, pkts, rt.Copies())
	e.countSent(sa, pkts, rt.Copies())
	e.o.Sched.Schedule(retransmitAt(e.now(), rt, 1), ike.TimerKey{Kind: timerRetransmit, Arg: r.seq, SPI: sa.ourSPI()})
}

// queue adds a task and sends it when the window allows.
func (e *Engine) queue(sa *IKESA, t task) {
	sa.queue = append(sa.queue, t)
	e.kick(sa)
}

// invalidMajorVersion answers a request of a higher major version with
// INVALID_MAJOR_VERSION naming ours (RFC 7296 2.5); responses are only
// dropped.
func (e *Engine) invalidMajorVersion(p ike.Packet) {
	rh, ok := HeaderView(p.Data)
	if !ok || rh.Flags()&FlagResponse != 0 || rh.Version()>>4 <= 2 {
		return
	}
	flags := FlagResponse
	if rh.Flags()&FlagInitiator == 0 {
		flags |= FlagInitiator
	}
	m := Message{Header: Header{SPIi: rh.SPIi(), SPIr: rh.SPIr(), Exchange: rh.Exchange(), Flags: flags,
		MessageID: rh.MessageID()}, Payloads: []Payload{notify(NotifyInvalidMajorVersion, []byte{Version})}}
	b, err := m.Append(nil)
	if err != nil {
		return
	}
	if e.capture != nil {
		e.capture.Write(e.now(), p.Remote, p.Local, p.Data)
		e.capture.Write(e.now(), p.Local, p.Remote, b)
	}
	e.sendTo(p.Local, p.Remote, [][]byte{b}, 1)
}
