package ikev2

import (
	"github.com/racoon2go/iked/internal/ike"
)

// deleteTask is an INFORMATIONAL Delete of the IKE SA or of children.
type deleteTask struct {
	ike      bool
	proto    ike.Proto
	children []*childSA
}

func (*deleteTask) name() string           { return "INFORMATIONAL(delete)" }
func (*deleteTask) exchange() ExchangeType { return ExchangeInformational }

func (t *deleteTask) build(e *Engine, sa *IKESA) ([]Payload, error) {
	if t.ike {
		return []Payload{NewDelete(ProtoIKE)}, nil
	}
	spis := make([][]byte, 0, len(t.children))
	for _, c := range t.children {
		spis = append(spis, spiBytes(c.inSPI))
	}
	return []Payload{NewDelete(ProtocolID(protoOf(t.proto)), spis...)}, nil
}

func (t *deleteTask) process(e *Engine, sa *IKESA, m *Message) ike.Status {
	if t.ike {
		if !e.peerDeletedIKE(sa) { // task_rekey.go
			return ike.StatusDone
		}
		return ike.StatusDestroySA
	}
	return ike.StatusDone
}

// dpdTask is the empty INFORMATIONAL liveness check (RFC 7296 2.4).
type dpdTask struct{}

func (*dpdTask) name() string                                 { return "INFORMATIONAL(liveness)" }
func (*dpdTask) exchange() ExchangeType                       { return ExchangeInformational }
func (*dpdTask) build(*Engine, *IKESA) ([]Payload, error)     { return nil, nil }
func (*dpdTask) process(*Engine, *IKESA, *Message) ike.Status { return ike.StatusDone }

// liveness polls the peer every dpd_delay (racoon2 polls whatever the
// traffic); a poll that gets no answer after max_retry_to_send
// retransmissions destroys the SA (see retransmit).
func (e *Engine) liveness(sa *IKESA) {
	if sa.state != stateEstablished {
		return
	}
	if len(sa.mgr.out) == 0 && len(sa.queue) == 0 {
		e.queue(sa, &dpdTask{})
	}
	if sa.state == stateEstablished {
		e.o.Sched.Schedule(e.now().Add(sa.peer.DPDDelay), ike.TimerKey{Kind: timerDPD, SPI: sa.ourSPI()})
	}
}

// deleteIKE starts deleting sa: its children go with it (RFC 7296 1.4.1).
func (e *Engine) deleteIKE(sa *IKESA) {
	if sa.state == stateDeleting {
		return // our Delete is queued or in flight already
	}
	if sa.state != stateEstablished {
		e.destroy(sa, "deleted before establishment")
		return
	}
	sa.state = stateDeleting
	e.dropTasks(sa, sa.queue) // task_child.go
	sa.queue = sa.queue[:0]
	e.queue(sa, &deleteTask{ike: true})
}

// deleteChild removes a child locally and tells the peer.
func (e *Engine) deleteChild(sa *IKESA, c *childSA) {
	e.removeChild(sa, c)
	sa.forgetChild(c)
	if sa.state == stateEstablished {
		e.queue(sa, &deleteTask{proto: c.proto, children: []*childSA{c}})
	}
}

// retireChild deletes a child our rekey replaced, unless it is gone
// already: the peer's Delete (or ours, with a window above 1) may have
// overtaken the rekey response (RFC 7296 2.25.1), and a second Delete
// would only make the peer answer that it has no such SA.
func (e *Engine) retireChild(sa *IKESA, old *childSA) {
	if old.installed {
		e.deleteChild(sa, old)
	}
}

// respondInfo answers an INFORMATIONAL request: Deletes of the IKE SA or
// of children (answered with our matching inbound SPIs, RFC 7296 1.4.1),
// or an empty liveness check.
func (e *Engine) respondInfo(sa *IKESA, m *Message) ([]Payload, ike.Status) {
	var out []Payload
	if m.Notify(NotifyAuthenticationFailed) != nil {
		sa.log.Info("peer could not authenticate us")
		return nil, ike.StatusDestroySA
	}
	for _, p := range m.Payloads {
		d, ok := p.(*Delete)
		if !ok {
			continue
		}
		switch d.Protocol {
		case ProtoIKE:
			sa.log.Info("peer deleted the IKE SA")
			if !e.peerDeletedIKE(sa) { // task_rekey.go
				return nil, ike.StatusDone
			}
			return nil, ike.StatusDestroySA
		case ProtoESP, ProtoAH:
			if d.SPISize != 4 {
				continue
			}
			proto := kernelProto(uint8(d.Protocol))
			var ours [][]byte
			for i := range int(d.NumSPIs) {
				c := sa.childBySPI(proto, spi32(d.SPI(i)), false)
				if c == nil {
					continue
				}
				ours = append(ours, spiBytes(c.inSPI))
				e.removeChild(sa, c)
				sa.forgetChild(c)
			}
			if len(ours) > 0 {
				out = append(out, NewDelete(d.Protocol, ours...))
			}
		}
	}
	return out, ike.StatusDone
}
