package ikev2

import (
	"encoding/binary"

	"github.com/racoon2go/iked/internal/ike"
)

// Conversions between the codec's payloads and the engine's compact
// negotiation types.

func toSAPayload(ps []prop) *SA {
	out := &SA{Proposals: make([]Proposal, len(ps))}
	for i, p := range ps {
		tr := make([]Transform, len(p.xforms))
		for j, x := range p.xforms {
			tr[j] = Transform{Type: TransformType(x.typ), ID: x.id}
			if x.keyLen != 0 {
				tr[j].Attrs = KeyLengthAttr(int(x.keyLen))
			}
		}
		out.Proposals[i] = Proposal{Num: p.num, Protocol: ProtocolID(p.proto), SPI: p.spi, Transforms: tr}
	}
	return out
}

// fromSAPayload converts received proposals. Transforms with attributes
// other than a Key Length are unusable and dropped, so that a proposal
// relying on them cannot match (RFC 7296 3.3.6).
func fromSAPayload(sa *SA) []prop {
	out := make([]prop, 0, len(sa.Proposals))
	for _, p := range sa.Proposals {
		q := prop{num: p.Num, proto: uint8(p.Protocol), spi: append([]byte(nil), p.SPI...)}
		for i := range p.Transforms {
			t := &p.Transforms[i]
			kl, _ := t.KeyLength()
			if len(t.Attrs) > 1 || (len(t.Attrs) == 1 && kl == 0) {
				continue
			}
			q.xforms = append(q.xforms, xform{typ: uint8(t.Type), id: t.ID, keyLen: uint16(kl)})
		}
		out = append(out, q)
	}
	return out
}

func toTS(resp bool, ts ...tsRange) *TS {
	out := &TS{Responder: resp, Selectors: make([]TrafficSelector, len(ts))}
	for i, t := range ts {
		out.Selectors[i] = TrafficSelector{TSType: TSType(t.typ()), Protocol: t.proto,
			StartPort: t.startPort, EndPort: t.endPort, Start: t.start, End: t.end}
	}
	return out
}

func fromTS(t *TS) []tsRange {
	if t == nil {
		return nil
	}
	out := make([]tsRange, 0, len(t.Selectors))
	for _, s := range t.Selectors {
		if s.TSType != TSIPv4AddrRange && s.TSType != TSIPv6AddrRange || !s.Start.IsValid() {
			continue
		}
		out = append(out, tsRange{proto: s.Protocol, startPort: s.StartPort, endPort: s.EndPort, start: s.Start, end: s.End})
	}
	return out
}

func notify(t NotifyType, data []byte) *Notify { return &Notify{NotifyType: t, Data: data} }

func u16Data(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

func spi32(b []byte) uint32 {
	if len(b) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func spiBytes(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func idPayload(id ike.ID, responder bool) *ID {
	return &ID{Responder: responder, IDType: IDType(id.Type), Data: id.Data}
}

func protoOf(p ike.Proto) uint8 {
	if p == ike.ProtoAH {
		return protoAH
	}
	return protoESP
}

func kernelProto(p uint8) ike.Proto {
	if p == protoAH {
		return ike.ProtoAH
	}
	return ike.ProtoESP
}

// payloadsOf returns the payloads of type t in m.
func getID(m *Message, t PayloadType) *ID {
	if p, ok := m.Get(t).(*ID); ok {
		return p
	}
	return nil
}

func getTS(m *Message, t PayloadType) *TS {
	if p, ok := m.Get(t).(*TS); ok {
		return p
	}
	return nil
}

func getSA(m *Message) *SA {
	if p, ok := m.Get(PayloadSA).(*SA); ok {
		return p
	}
	return nil
}
