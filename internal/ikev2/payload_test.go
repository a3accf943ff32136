package ikev2

import (
	"errors"
	"net/netip"
	"testing"
)

// Malformed payload bodies, each rejected with a DecodeError naming the
// payload and its offset (RFC 7296 2.21.2: INVALID_SYNTAX).
func TestPayloadBodyErrors(t *testing.T) {
	tests := []struct {
		name string
		t    PayloadType
		body []byte
	}{
		{"3.3 SA without proposals", PayloadSA, nil},
		{"3.3.1 proposal shorter than its header", PayloadSA, []byte{0, 0, 0, 7, 1, 1, 0, 0}},
		{"3.3.1 SPI past the proposal", PayloadSA, []byte{0, 0, 0, 8, 1, 1, 4, 0}},
		{"3.3.2 transform Last Substruc 2", PayloadSA, []byte{0, 0, 0, 16, 1, 1, 0, 1, 2, 0, 0, 8, 1, 0, 0, 12}},
		{"3.3.5 truncated TLV attribute", PayloadSA, []byte{0, 0, 0, 20, 1, 1, 0, 1, 0, 0, 0, 12, 1, 0, 0, 12, 0, 1, 0, 9}},
		{"3.4 KE without group", PayloadKE, []byte{0, 14}},
		{"3.5 ID_IPV4_ADDR of 5 bytes", PayloadIDi, []byte{1, 0, 0, 0, 10, 0, 0, 1, 9}},
		{"3.5 ID_IPV6_ADDR of 4 bytes", PayloadIDr, []byte{5, 0, 0, 0, 10, 0, 0, 1}},
		{"3.6 empty CERT", PayloadCERT, nil},
		{"3.7 empty CERTREQ", PayloadCERTREQ, nil},
		{"3.8 AUTH header only partly there", PayloadAUTH, []byte{2, 0}},
		{"3.9 nonce of 15 bytes", PayloadNonce, make([]byte, 15)},
		{"3.9 nonce of 257 bytes", PayloadNonce, make([]byte, 257)},
		{"3.10 notify SPI past the end", PayloadN, []byte{3, 4, 0x40, 0, 1, 2}},
		{"3.11 delete SPI count mismatch", PayloadD, []byte{3, 4, 0, 2, 1, 2, 3, 4}},
		{"3.11 delete trailing bytes", PayloadD, []byte{3, 4, 0, 1, 1, 2, 3, 4, 5}},
		{"3.13 TS count zero", PayloadTSi, []byte{0, 0, 0, 0}},
		{"3.13 TS count past the data", PayloadTSi, []byte{200, 0, 0, 0, 7, 0, 0, 16}},
		{"3.13.1 IPv4 selector of length 20", PayloadTSr, append([]byte{1, 0, 0, 0, 7, 0, 0, 20}, make([]byte, 16)...)},
		{"3.13.1 trailing bytes after selectors", PayloadTSi, append(append([]byte{1, 0, 0, 0, 7, 0, 0, 16}, make([]byte, 12)...), 1)},
		{"3.15.1 truncated CP attribute", PayloadCP, []byte{1, 0, 0, 0, 0, 1, 0, 4, 10}},
		{"3.16 EAP length disagrees", PayloadEAP, []byte{1, 1, 0, 9, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &Message{Header: authHeader(), Payloads: []Payload{&Notify{NotifyType: NotifyInitialContact},
				&Unknown{PT: tc.t, Body: tc.body}}}
			b := mustAppend(t, m)
			_, err := ParseMessage(b)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v", err)
			}
			if de.Payload != tc.t || de.Offset != HeaderLen+8 {
				t.Fatalf("got %v at %d, want %v at %d", de.Payload, de.Offset, tc.t, HeaderLen+8)
			}
		})
	}
}

// RFC 7383 2.5: fragment numbers start at 1 and stay within the total.
func TestSKFHeaderErrors(t *testing.T) {
	for _, nt := range [][2]uint16{{0, 1}, {1, 0}, {3, 2}} {
		m := &Message{Header: authHeader(), Payloads: []Payload{
			&Encrypted{Fragment: true, Number: nt[0], Total: nt[1], Data: make([]byte, 40)}}}
		if _, err := ParseMessage(mustAppend(t, m)); err == nil {
			t.Errorf("fragment %d/%d accepted", nt[0], nt[1])
		}
	}
	// An encrypted payload must be the last one (RFC 7296 3.14).
	m := &Message{Header: authHeader(), Payloads: []Payload{&Encrypted{Inner: PayloadN, Data: make([]byte, 40)}}}
	b := mustAppend(t, m)
	b = append(b, 0, 0, 0, 8, 0, 0, 0x40, 0) // a Notify after the SK payload
	putU32(b[24:], uint32(len(b)))
	if _, err := ParseMessage(b); err == nil {
		t.Error("SK followed by a payload accepted")
	}
}

// RFC 7296 3.13.1: NewTrafficSelector turns prefixes into ranges.
func TestNewTrafficSelector(t *testing.T) {
	for _, tc := range []struct{ prefix, start, end string }{
		{"10.1.2.0/24", "10.1.2.0", "10.1.2.255"},
		{"10.1.2.3/32", "10.1.2.3", "10.1.2.3"},
		{"0.0.0.0/0", "0.0.0.0", "255.255.255.255"},
		{"2001:db8::/33", "2001:db8::", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff"},
	} {
		s := NewTrafficSelector(netip.MustParsePrefix(tc.prefix), 0, 0, 65535)
		if s.Start.String() != tc.start || s.End.String() != tc.end {
			t.Errorf("%s: %v-%v", tc.prefix, s.Start, s.End)
		}
	}
}

func TestPayloadHelpers(t *testing.T) {
	n := &Notify{NotifyType: NotifySignatureHashAlgorithms, Data: []byte{0, 2, 0, 3, 0, 4}}
	if h, ok := n.HashAlgorithms(); !ok || len(h) != 3 || h[2] != 4 {
		t.Errorf("RFC 7427 4 hash algorithms: %v %v", h, ok)
	}
	ke := &Notify{NotifyType: NotifyInvalidKEPayload, Data: []byte{0, 31}}
	if g, ok := ke.KEGroup(); !ok || g != 31 {
		t.Errorf("RFC 7296 3.10.1 INVALID_KE_PAYLOAD group %d %v", g, ok)
	}
	a := &Auth{Method: AuthDigitalSignature, Data: []byte{3, 0xa, 0xb, 0xc, 0x99}}
	if alg, sig, ok := a.SignatureAlgorithm(); !ok || len(alg) != 3 || len(sig) != 1 {
		t.Errorf("RFC 7427 3 signature split: %x %x %v", alg, sig, ok)
	}
	d := NewDelete(ProtoESP, []byte{1, 2, 3, 4}, []byte{5, 6, 7, 8})
	if d.NumSPIs != 2 || d.SPISize != 4 || d.SPI(1)[0] != 5 {
		t.Errorf("delete %+v", d)
	}
	cr := &CertReq{Encoding: CertX509Signature, Data: make([]byte, 40)}
	if auths, ok := cr.Authorities(); !ok || len(auths) != 2 {
		t.Errorf("CERTREQ authorities %d %v", len(auths), ok)
	}
	id := &ID{IDType: IDFQDN, Data: []byte("x")}
	if b := id.AppendBody(nil); string(b) != "\x02\x00\x00\x00x" {
		t.Errorf("ID body % x", b)
	}
}

// Payloads whose counts or lengths do not fit their fields fail to encode.
func TestEncodeValidation(t *testing.T) {
	bad := map[string]Payload{
		"SA without proposals":   &SA{},
		"notify SPI of 256":      &Notify{SPI: make([]byte, 256)},
		"delete size mismatch":   NewDelete(ProtoESP, []byte{1, 2, 3, 4}, []byte{1, 2}),
		"CP attribute type 2^15": &CP{Attrs: []CfgAttr{{Type: 0x8000}}},
		"IPv6 in an IPv4 selector": &TS{Selectors: []TrafficSelector{{TSType: TSIPv4AddrRange,
			Start: netip.MustParseAddr("::1"), End: netip.MustParseAddr("::1")}}},
		"no selectors": &TS{},
	}
	for name, p := range bad {
		if _, _, err := AppendPayloads(nil, []Payload{p}); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
	m := &Message{Header: authHeader(), Payloads: []Payload{bad["no selectors"]}}
	if b, err := m.Append([]byte{7}); err == nil || len(b) != 1 {
		t.Errorf("Append after a failure: %v, %d bytes", err, len(b))
	}
	// An IPv4-mapped address still encodes as IPv4.
	ts := &TS{Selectors: []TrafficSelector{{TSType: TSIPv4AddrRange,
		Start: netip.MustParseAddr("::ffff:10.0.0.1"), End: netip.MustParseAddr("10.0.0.2")}}}
	if _, _, err := AppendPayloads(nil, []Payload{ts}); err != nil {
		t.Error(err)
	}
}
