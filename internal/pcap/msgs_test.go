package pcap

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"time"
)

// Synthetic but valid IKE messages, built byte by byte, for the tests.

// IKEv2 payload types (RFC 7296 section 3.2).
const (
	v2SA      = 33
	v2KE      = 34
	v2IDi     = 35
	v2IDr     = 36
	v2AUTH    = 39
	v2Nonce   = 40
	v2Notify  = 41
	v2Delete  = 42
	v2TSi     = 44
	v2TSr     = 45
	v2SK      = 46
	v2ExchIKE = 34 // IKE_SA_INIT
	v2ExchAut = 35 // IKE_AUTH
	v2ExchCCS = 36 // CREATE_CHILD_SA
	v2ExchInf = 37 // INFORMATIONAL
)

// IKEv1 payload types (RFC 2408 section 3.1, RFC 3947 section 3.2).
const (
	v1SA    = 1
	v1P     = 2
	v1T     = 3
	v1KE    = 4
	v1ID    = 5
	v1Hash  = 8
	v1Nonce = 10
	v1VID   = 13
	v1NATD  = 20
)

type pl struct {
	typ  uint8
	body []byte
}

// chain builds a payload chain with generic payload headers (RFC 7296
// section 3.2, RFC 2408 section 3.2) and returns the type of its first
// payload.
func chain(ps ...pl) (first uint8, b []byte) {
	for i, p := range ps {
		next := uint8(0)
		if i+1 < len(ps) {
			next = ps[i+1].typ
		}
		b = append(b, next, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(4+len(p.body)))
		b = append(b, p.body...)
	}
	if len(ps) > 0 {
		first = ps[0].typ
	}
	return first, b
}

// ikeHeader is the IKE header (RFC 7296 section 3.1) of a message whose
// payloads take bodyLen bytes.
func ikeHeader(spiI, spiR uint64, next, version, exch, flags uint8, msgID uint32, bodyLen int) []byte {
	h := binary.BigEndian.AppendUint64(nil, spiI)
	h = binary.BigEndian.AppendUint64(h, spiR)
	h = append(h, next, version, exch, flags)
	h = binary.BigEndian.AppendUint32(h, msgID)
	return binary.BigEndian.AppendUint32(h, uint32(HeaderLen+bodyLen))
}

func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

// v2Transform is a transform substructure (RFC 7296 section 3.3.2).
func v2Transform(last bool, typ uint8, id uint16, keyLen uint16) []byte {
	more := uint8(3)
	if last {
		more = 0
	}
	var attr []byte
	if keyLen != 0 {
		attr = []byte{0x80, 14, byte(keyLen >> 8), byte(keyLen)}
	}
	b := []byte{more, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(attr)))
	b = append(b, typ, 0)
	b = binary.BigEndian.AppendUint16(b, id)
	return append(b, attr...)
}

// v2SAIKE is an SA payload body with one IKE proposal (RFC 7296 section
// 3.3.1): AES-CBC-128, HMAC-SHA2-256 PRF and integrity, MODP 2048.
func v2SAIKE() []byte {
	var ts []byte
	ts = append(ts, v2Transform(false, 1, 12, 128)...)
	ts = append(ts, v2Transform(false, 2, 5, 0)...)
	ts = append(ts, v2Transform(false, 3, 12, 0)...)
	ts = append(ts, v2Transform(true, 4, 14, 0)...)
	return v2Proposal(1, nil, 4, ts)
}

// v2SAESP is an SA payload body with one ESP proposal.
func v2SAESP(spi uint32) []byte {
	var ts []byte
	ts = append(ts, v2Transform(false, 1, 12, 128)...)
	ts = append(ts, v2Transform(false, 3, 12, 0)...)
	ts = append(ts, v2Transform(true, 5, 0, 0)...)
	return v2Proposal(3, binary.BigEndian.AppendUint32(nil, spi), 3, ts)
}

func v2Proposal(proto uint8, spi []byte, n uint8, transforms []byte) []byte {
	b := []byte{0, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(spi)+len(transforms)))
	b = append(b, 1, proto, uint8(len(spi)), n)
	b = append(b, spi...)
	return append(b, transforms...)
}

func v2KEBody() []byte { return append([]byte{0, 14, 0, 0}, fill(256, 0xa5)...) }

func v2NotifyBody(typ uint16, data []byte) []byte {
	b := binary.BigEndian.AppendUint16([]byte{0, 0}, typ)
	return append(b, data...)
}

func v2IDBody(fqdn string) []byte { return append([]byte{2, 0, 0, 0}, fqdn...) }

func v2AuthBody() []byte { return append([]byte{2, 0, 0, 0}, fill(32, 0x3c)...) }

// v2TSBody is a TS payload body with one address range (RFC 7296 section
// 3.13.1) covering the single address a.
func v2TSBody(a netip.Addr) []byte {
	typ, l := uint8(7), 16
	if a.Is6() {
		typ, l = 8, 40
	}
	b := []byte{1, 0, 0, 0, typ, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(l))
	b = append(b, 0, 0, 0xff, 0xff)
	b = append(b, a.AsSlice()...)
	return append(b, a.AsSlice()...)
}

// captured is one message of a negotiation: as on the wire, or (hdr set)
// in the clear through WriteDecrypted.
type captured struct {
	name     string
	src, dst netip.AddrPort
	wire     []byte
	hdr      []byte
	first    uint8
	payloads []byte
	// What tshark must show for this frame.
	exchange string
	inner    []string
}

func (c captured) write(w *Writer, ts time.Time) {
	if c.hdr != nil {
		w.WriteDecrypted(ts, c.src, c.dst, c.hdr, c.first, c.payloads)
		return
	}
	w.Write(ts, c.src, c.dst, c.wire)
}

// v2Negotiation is a full IKEv2 negotiation between i and r (RFC 7296
// sections 1.2, 1.3, 1.4): IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA and an
// INFORMATIONAL delete. The encrypted exchanges are given in the clear.
func v2Negotiation(i, r netip.AddrPort) []captured {
	const spiI, spiR = 0x1111111111111111, 0x2222222222222222
	var out []captured
	wire := func(name string, src, dst netip.AddrPort, exch, flags uint8, spiR uint64, names []string, ps ...pl) {
		first, body := chain(ps...)
		msg := append(ikeHeader(spiI, spiR, first, 0x20, exch, flags, 0, len(body)), body...)
		out = append(out, captured{name: name, src: src, dst: dst, wire: msg, exchange: "IKE_SA_INIT", inner: names})
	}
	clear := func(name string, src, dst netip.AddrPort, exch, flags uint8, id uint32, exname string, names []string, ps ...pl) {
		first, body := chain(ps...)
		// The header as on the wire: Next Payload is SK, and the length
		// covers the SK payload (its IV, padding and ICV are made up).
		hdr := ikeHeader(spiI, spiR, v2SK, 0x20, exch, flags, id, 4+16+len(body)+16)
		out = append(out, captured{name: name, src: src, dst: dst, hdr: hdr, first: first, payloads: body, exchange: exname, inner: names})
	}
	natd := fill(20, 0x4e)
	wire("IKE_SA_INIT request", i, r, v2ExchIKE, 0x08, 0,
		[]string{"Security Association", "Key Exchange", "Nonce", "Notify", "Notify"},
		pl{v2SA, v2SAIKE()}, pl{v2KE, v2KEBody()}, pl{v2Nonce, fill(32, 0x01)},
		pl{v2Notify, v2NotifyBody(16388, natd)}, pl{v2Notify, v2NotifyBody(16389, natd)})
	wire("IKE_SA_INIT response", r, i, v2ExchIKE, 0x20, spiR,
		[]string{"Security Association", "Key Exchange", "Nonce", "Notify", "Notify"},
		pl{v2SA, v2SAIKE()}, pl{v2KE, v2KEBody()}, pl{v2Nonce, fill(32, 0x02)},
		pl{v2Notify, v2NotifyBody(16388, natd)}, pl{v2Notify, v2NotifyBody(16389, natd)})
	clear("IKE_AUTH request", i, r, v2ExchAut, 0x08, 1, "IKE_AUTH",
		[]string{"Identification - Initiator", "Notify", "Authentication", "Security Association", "Traffic Selector - Initiator", "Traffic Selector - Responder"},
		pl{v2IDi, v2IDBody("alice.example")}, pl{v2Notify, v2NotifyBody(16384, nil)}, pl{v2AUTH, v2AuthBody()},
		pl{v2SA, v2SAESP(0xc0010001)}, pl{v2TSi, v2TSBody(i.Addr())}, pl{v2TSr, v2TSBody(r.Addr())})
	clear("IKE_AUTH response", r, i, v2ExchAut, 0x20, 1, "IKE_AUTH",
		[]string{"Identification - Responder", "Authentication", "Security Association", "Traffic Selector - Initiator", "Traffic Selector - Responder"},
		pl{v2IDr, v2IDBody("bob.example")}, pl{v2AUTH, v2AuthBody()},
		pl{v2SA, v2SAESP(0xc0020002)}, pl{v2TSi, v2TSBody(i.Addr())}, pl{v2TSr, v2TSBody(r.Addr())})
	clear("CREATE_CHILD_SA request", i, r, v2ExchCCS, 0x08, 2, "CREATE_CHILD_SA",
		[]string{"Security Association", "Nonce", "Traffic Selector - Initiator", "Traffic Selector - Responder"},
		pl{v2SA, v2SAESP(0xc0010003)}, pl{v2Nonce, fill(32, 0x03)}, pl{v2TSi, v2TSBody(i.Addr())}, pl{v2TSr, v2TSBody(r.Addr())})
	clear("CREATE_CHILD_SA response", r, i, v2ExchCCS, 0x20, 2, "CREATE_CHILD_SA",
		[]string{"Security Association", "Nonce", "Traffic Selector - Initiator", "Traffic Selector - Responder"},
		pl{v2SA, v2SAESP(0xc0020004)}, pl{v2Nonce, fill(32, 0x04)}, pl{v2TSi, v2TSBody(i.Addr())}, pl{v2TSr, v2TSBody(r.Addr())})
	clear("INFORMATIONAL request", i, r, v2ExchInf, 0x08, 3, "INFORMATIONAL",
		[]string{"Delete"}, pl{v2Delete, []byte{1, 0, 0, 0}})
	clear("INFORMATIONAL response", r, i, v2ExchInf, 0x20, 3, "INFORMATIONAL", nil)
	return out
}

// v1Attrs are the basic SA attributes of an IKEv1 transform (RFC 2409
// appendix A): AES, SHA, pre-shared key, MODP 1024, lifetime 3600 s.
var v1Attrs = []byte{
	0x80, 1, 0, 7,
	0x80, 2, 0, 2,
	0x80, 3, 0, 1,
	0x80, 4, 0, 2,
	0x80, 11, 0, 1,
	0x80, 12, 0x0e, 0x10,
}

// v1SABody is an SA payload body (RFC 2407 section 4.6.1) with one
// PROTO_ISAKMP proposal and one KEY_IKE transform (RFC 2408 sections 3.5,
// 3.6).
func v1SABody() []byte {
	_, t := chain(pl{v1T, append([]byte{1, 1, 0, 0}, v1Attrs...)})
	_, p := chain(pl{v1P, append([]byte{1, 1, 0, 1}, t...)})
	return append([]byte{0, 0, 0, 1, 0, 0, 0, 1}, p...)
}

// v1ESPSABody is an SA payload body for Quick Mode (RFC 2407 sections
// 4.4.4, 4.5): one ESP proposal, ESP_AES-128 with HMAC-SHA, tunnel mode.
func v1ESPSABody(spi uint32) []byte {
	attrs := []byte{0x80, 1, 0, 1, 0x80, 2, 0x0e, 0x10, 0x80, 4, 0, 1, 0x80, 5, 0, 2, 0x80, 6, 0, 128}
	_, t := chain(pl{v1T, append([]byte{1, 12, 0, 0}, attrs...)})
	p := binary.BigEndian.AppendUint32([]byte{1, 3, 4, 1}, spi)
	_, p = chain(pl{v1P, append(p, t...)})
	return append([]byte{0, 0, 0, 1, 0, 0, 0, 1}, p...)
}

// v1IDBody is an Identification payload body (RFC 2407 section 4.6.2) for
// the address a, protocol and port as given.
func v1IDBody(a netip.Addr, proto uint8, port uint16) []byte {
	typ := uint8(1) // ID_IPV4_ADDR
	if a.Is6() {
		typ = 5 // ID_IPV6_ADDR
	}
	b := binary.BigEndian.AppendUint16([]byte{typ, proto}, port)
	return append(b, a.AsSlice()...)
}

// v1Negotiation is an IKEv1 Main Mode (RFC 2409 section 5) with messages 1
// and 3 as on the wire and 5 and 6 in the clear, then a Quick Mode (RFC
// 2409 section 5.5) and an Informational Delete (RFC 2408 section 3.15),
// in the clear.
func v1Negotiation(i, r netip.AddrPort) []captured {
	const ckyI, ckyR = 0x3333333333333333, 0x4444444444444444
	var out []captured
	const mm = "Identity Protection (Main Mode)"
	wire := func(name string, names []string, ps ...pl) {
		first, body := chain(ps...)
		msg := append(ikeHeader(ckyI, 0, first, 0x10, 2, 0, 0, len(body)), body...)
		out = append(out, captured{name: name, src: i, dst: r, wire: msg, exchange: mm, inner: names})
	}
	clear := func(name string, src, dst netip.AddrPort, exch uint8, msgID uint32, exname string, names []string, ps ...pl) {
		first, body := chain(ps...)
		// On the wire: E bit set, body padded to the cipher block.
		hdr := ikeHeader(ckyI, ckyR, first, 0x10, exch, 0x01, msgID, (len(body)+15)/16*16)
		out = append(out, captured{name: name, src: src, dst: dst, hdr: hdr, first: first, payloads: body, exchange: exname, inner: names})
	}
	wire("Main Mode 1", []string{"Security Association", "Vendor ID"},
		pl{v1SA, v1SABody()}, pl{v1VID, fill(16, 0x56)})
	wire("Main Mode 3", []string{"Key Exchange", "Nonce", "NAT-D (RFC 3947)", "NAT-D (RFC 3947)"},
		pl{v1KE, fill(128, 0x4b)}, pl{v1Nonce, fill(16, 0x4e)}, pl{v1NATD, fill(20, 0x01)}, pl{v1NATD, fill(20, 0x02)})
	clear("Main Mode 5", i, r, 2, 0, mm, []string{"Identification", "Hash"},
		pl{v1ID, v1IDBody(i.Addr(), 17, 500)}, pl{v1Hash, fill(20, 0x48)})
	clear("Main Mode 6", r, i, 2, 0, mm, []string{"Identification", "Hash"},
		pl{v1ID, v1IDBody(r.Addr(), 17, 500)}, pl{v1Hash, fill(20, 0x49)})
	clear("Quick Mode 1", i, r, 32, 0x01020304, "Quick Mode", []string{"Hash", "Security Association", "Nonce", "Identification", "Identification"},
		pl{v1Hash, fill(20, 0x50)}, pl{v1SA, v1ESPSABody(0xc0030001)}, pl{v1Nonce, fill(16, 0x51)},
		pl{v1ID, v1IDBody(i.Addr(), 0, 0)}, pl{v1ID, v1IDBody(r.Addr(), 0, 0)})
	clear("Informational Delete", r, i, 5, 0x05060708, "Informational", []string{"Hash", "Delete"},
		pl{v1Hash, fill(20, 0x52)}, pl{12, append([]byte{0, 0, 0, 1, 3, 4, 0, 1}, 0xc0, 0x03, 0x00, 0x01)})
	return out
}
