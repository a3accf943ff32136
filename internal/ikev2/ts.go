package ikev2

import (
	"net/netip"

	"github.com/racoon2go/iked/internal/ike"
)

// tsRange is one traffic selector (RFC 7296 section 3.13.1): an IP
// protocol (0 for any), a port range and an address range of one family.
type tsRange struct {
	proto      uint8
	startPort  uint16
	endPort    uint16
	start, end netip.Addr
}

// Traffic selector types (RFC 7296 3.13.1).
const (
	tsIPv4 uint8 = 7
	tsIPv6 uint8 = 8
)

func (t tsRange) typ() uint8 {
	if t.start.Is4() {
		return tsIPv4
	}
	return tsIPv6
}

// lastAddr returns the highest address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	p = p.Masked()
	b := p.Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		lo := i * 8
		switch {
		case bits <= lo:
			b[i] = 0xff
		case bits < lo+8:
			b[i] |= 0xff >> (bits - lo)
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// tsFrom turns one side of a selector into a traffic selector. racoon2's
// "any" protocol (255) and 0 both mean any.
func tsFrom(pfx netip.Prefix, proto uint8, port uint16) tsRange {
	t := tsRange{start: pfx.Masked().Addr(), end: lastAddr(pfx), endPort: 0xffff}
	if proto != 255 {
		t.proto = proto
	}
	if port != 0 {
		t.startPort, t.endPort = port, port
	}
	return t
}

// tsPair returns our side and the peer's side of a child's selector.
func tsPair(sel *ike.Selector) (local, peer tsRange) {
	return tsFrom(sel.Src, sel.Proto, sel.SrcPort), tsFrom(sel.Dst, sel.Proto, sel.DstPort)
}

func maxAddr(a, b netip.Addr) netip.Addr {
	if a.Less(b) {
		return b
	}
	return a
}

func minAddr(a, b netip.Addr) netip.Addr {
	if a.Less(b) {
		return a
	}
	return b
}

// intersect narrows a by b (RFC 7296 2.9); ok is false when nothing is left.
func intersect(a, b tsRange) (tsRange, bool) {
	if a.start.Is4() != b.start.Is4() {
		return tsRange{}, false
	}
	var r tsRange
	switch {
	case a.proto == b.proto || b.proto == 0:
		r.proto = a.proto
	case a.proto == 0:
		r.proto = b.proto
	default:
		return tsRange{}, false
	}
	r.startPort, r.endPort = max(a.startPort, b.startPort), min(a.endPort, b.endPort)
	if r.startPort > r.endPort {
		return tsRange{}, false
	}
	r.start, r.end = maxAddr(a.start, b.start), minAddr(a.end, b.end)
	if r.end.Less(r.start) {
		return tsRange{}, false
	}
	return r, true
}

// within reports whether a lies inside b.
func within(a, b tsRange) bool {
	r, ok := intersect(a, b)
	return ok && r == a
}

// narrow picks our traffic selectors for a child from the peer's proposal:
// the first pair in the peer's lists that overlaps our selector, narrowed
// to what the selector allows (racoon2 answers with its configured
// selector; we answer with its intersection with the request, which is the
// same when the peer's covers ours, and still a subset otherwise as RFC
// 7296 2.9 requires). tsi is the initiator's side, tsr the responder's.
func narrow(sel *ike.Selector, tsi, tsr []tsRange) (ni, nr tsRange, ok bool) {
	local, peer := tsPair(sel)
	for _, i := range tsi {
		pi, ok1 := intersect(i, peer)
		if !ok1 {
			continue
		}
		for _, r := range tsr {
			pr, ok2 := intersect(r, local)
			if ok2 {
				return pi, pr, true
			}
		}
	}
	return tsRange{}, tsRange{}, false
}
