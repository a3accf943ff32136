package ikev2

import (
	"errors"
	"net/netip"
)

// TS is a Traffic Selector payload, TSi or TSr (RFC 7296 3.13).
type TS struct {
	Responder bool // TSr rather than TSi
	Selectors []TrafficSelector
}

// TrafficSelector is one traffic selector (RFC 7296 3.13.1). IPv4 and IPv6
// ranges are decoded into Start/End; other types keep their bytes after the
// Selector Length field in Raw.
type TrafficSelector struct {
	TSType    TSType
	Protocol  uint8 // IP protocol, 0 for any
	StartPort uint16
	EndPort   uint16
	Start     netip.Addr
	End       netip.Addr
	Raw       []byte
}

func (t *TS) Type() PayloadType {
	if t.Responder {
		return PayloadTSr
	}
	return PayloadTSi
}

func decodeTS(a *arena, pt PayloadType, body []byte) (*TS, error) {
	r := reader(body)
	var n uint8
	if !r.u8(&n) || !r.skip(3) {
		return nil, errTruncated
	}
	if n == 0 {
		return nil, reason("no traffic selectors")
	}
	if int(n)*4 > len(r) { // each selector has at least its 4-byte header
		return nil, reason(itoa(int(n)) + " traffic selectors in " + itoa(len(r)) + " bytes")
	}
	ts := take(&a.ts)
	*ts = TS{Responder: pt == PayloadTSr, Selectors: takeN(&a.sel, int(n))}
	for i := range ts.Selectors {
		var typ, proto uint8
		var length uint16
		var sel []byte
		if !r.u8(&typ) || !r.u8(&proto) || !r.u16(&length) {
			return nil, reason("selector " + itoa(i+1) + ": truncated")
		}
		if length < 4 || !r.bytes(int(length)-4, &sel) {
			return nil, reason("selector " + itoa(i+1) + ": bad length " + itoa(int(length)))
		}
		s := &ts.Selectors[i]
		s.TSType, s.Protocol = TSType(typ), proto
		if err := s.decodeRange(int(length), sel); err != nil {
			return nil, reason("selector " + itoa(i+1) + ": " + err.Error())
		}
	}
	if !r.empty() {
		return nil, reason(itoa(len(r)) + " bytes after the selectors")
	}
	return ts, nil
}

// decodeRange decodes what follows the selector length field.
func (s *TrafficSelector) decodeRange(length int, sel []byte) error {
	var alen int
	switch s.TSType {
	case TSIPv4AddrRange:
		alen = 4
	case TSIPv6AddrRange:
		alen = 16
	default:
		s.Raw = sel
		return nil
	}
	if length != 8+2*alen {
		return reason(s.TSType.String() + " with length " + itoa(length))
	}
	r := reader(sel)
	var a, b []byte
	r.u16(&s.StartPort)
	r.u16(&s.EndPort)
	r.bytes(alen, &a)
	r.bytes(alen, &b)
	if alen == 4 {
		s.Start, s.End = netip.AddrFrom4([4]byte(a)), netip.AddrFrom4([4]byte(b))
	} else {
		s.Start, s.End = netip.AddrFrom16([16]byte(a)), netip.AddrFrom16([16]byte(b))
	}
	return nil
}

// validate checks what appendBody cannot encode: addresses of the wrong
// family for their selector type.
func (t *TS) validate() error {
	for i := range t.Selectors {
		s := &t.Selectors[i]
		switch s.TSType {
		case TSIPv4AddrRange:
			if !s.Start.Unmap().Is4() || !s.End.Unmap().Is4() {
				return errors.New("ikev2: encode: selector " + itoa(i+1) + ": TS_IPV4_ADDR_RANGE needs IPv4 addresses")
			}
		case TSIPv6AddrRange:
			if !s.Start.Is6() || !s.End.Is6() {
				return errors.New("ikev2: encode: selector " + itoa(i+1) + ": TS_IPV6_ADDR_RANGE needs IPv6 addresses")
			}
		}
	}
	if len(t.Selectors) == 0 || len(t.Selectors) > 255 {
		return errors.New("ikev2: encode: " + itoa(len(t.Selectors)) + " traffic selectors")
	}
	return nil
}

func (t *TS) appendBody(b []byte) []byte {
	b = append(b, byte(len(t.Selectors)), 0, 0, 0)
	for i := range t.Selectors {
		b = t.Selectors[i].append(b)
	}
	return b
}

func (s *TrafficSelector) append(b []byte) []byte {
	start := len(b)
	switch s.TSType {
	case TSIPv4AddrRange, TSIPv6AddrRange:
		b = append(b, byte(s.TSType), s.Protocol, 0, 0)
		b = appendU16(b, s.StartPort)
		b = appendU16(b, s.EndPort)
		if s.TSType == TSIPv4AddrRange {
			a, e := s.Start.Unmap().As4(), s.End.Unmap().As4()
			b = append(append(b, a[:]...), e[:]...)
		} else {
			a, e := s.Start.As16(), s.End.As16()
			b = append(append(b, a[:]...), e[:]...)
		}
	default:
		b = append(b, byte(s.TSType), s.Protocol, 0, 0)
		b = append(b, s.Raw...)
	}
	putU16(b[start+2:], uint16(len(b)-start))
	return b
}

// NewTrafficSelector builds an IPv4 or IPv6 range selector from a valid
// prefix, a protocol and a port range (0-65535 for any port).
func NewTrafficSelector(p netip.Prefix, proto uint8, startPort, endPort uint16) TrafficSelector {
	p = p.Masked()
	s := TrafficSelector{Protocol: proto, StartPort: startPort, EndPort: endPort, Start: p.Addr()}
	if p.Addr().Is4() {
		s.TSType = TSIPv4AddrRange
		a := p.Addr().As4()
		for i := p.Bits(); i < 32; i++ {
			a[i/8] |= 0x80 >> (i % 8)
		}
		s.End = netip.AddrFrom4(a)
	} else {
		s.TSType = TSIPv6AddrRange
		a := p.Addr().As16()
		for i := p.Bits(); i < 128; i++ {
			a[i/8] |= 0x80 >> (i % 8)
		}
		s.End = netip.AddrFrom16(a)
	}
	return s
}
