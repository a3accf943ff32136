package ikev2

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

func fill(n int, v byte) []byte { return bytes.Repeat([]byte{v}, n) }

// sampleSAInit is a typical IKE_SA_INIT request (RFC 7296 1.2): two IKE
// proposals, a KE, a nonce and the usual notifications.
func sampleSAInit() *Message {
	return &Message{
		Header: Header{SPIi: 0x0102030405060708, Exchange: ExchangeIKESAInit, Flags: FlagInitiator},
		Payloads: []Payload{
			&SA{Proposals: []Proposal{
				{Num: 1, Protocol: ProtoIKE, Transforms: []Transform{
					{Type: TransformENCR, ID: 12, Attrs: KeyLengthAttr(256)},
					{Type: TransformPRF, ID: 5},
					{Type: TransformINTEG, ID: 12},
					{Type: TransformKE, ID: 14},
				}},
				{Num: 2, Protocol: ProtoIKE, Transforms: []Transform{
					{Type: TransformENCR, ID: 20, Attrs: KeyLengthAttr(128)},
					{Type: TransformPRF, ID: 5},
					{Type: TransformKE, ID: 31},
				}},
			}},
			&KE{Group: 14, Data: fill(256, 0xaa)},
			&Nonce{Data: fill(32, 0x11)},
			&Notify{NotifyType: NotifyNATDetectionSourceIP, Data: fill(20, 1)},
			&Notify{NotifyType: NotifyNATDetectionDestinationIP, Data: fill(20, 2)},
			&Notify{NotifyType: NotifyIKEv2FragmentationSupported},
			&Notify{NotifyType: NotifySignatureHashAlgorithms, Data: []byte{0, 2, 0, 3, 0, 4, 0, 5}},
			&VendorID{Data: []byte("racoon2go")},
		},
	}
}

// sampleAuthInner is the inner payload chain of a typical IKE_AUTH request.
func sampleAuthInner() []Payload {
	return []Payload{
		&ID{IDType: IDFQDN, Data: []byte("initiator.example")},
		&Cert{Encoding: CertX509Signature, Data: fill(600, 0x30)},
		&CertReq{Encoding: CertX509Signature, Data: fill(40, 0x55)},
		&Notify{NotifyType: NotifyInitialContact},
		&ID{Responder: true, IDType: IDIPv4Addr, Data: []byte{192, 0, 2, 1}},
		&Auth{Method: AuthSharedKeyMIC, Data: fill(32, 0x77)},
		&CP{CfgType: CfgRequest, Attrs: []CfgAttr{{Type: CfgAttrInternalIP4Address}, {Type: CfgAttrInternalIP4DNS}}},
		&SA{Proposals: []Proposal{{Num: 1, Protocol: ProtoESP, SPI: []byte{1, 2, 3, 4}, Transforms: []Transform{
			{Type: TransformENCR, ID: 20, Attrs: KeyLengthAttr(256)},
			{Type: TransformESN, ID: 0},
		}}}},
		&TS{Selectors: []TrafficSelector{
			NewTrafficSelector(netip.MustParsePrefix("10.1.0.0/16"), 0, 0, 65535),
			NewTrafficSelector(netip.MustParsePrefix("2001:db8::/32"), 6, 443, 443),
		}},
		&TS{Responder: true, Selectors: []TrafficSelector{
			NewTrafficSelector(netip.MustParsePrefix("10.2.0.0/16"), 0, 0, 65535),
		}},
		&Notify{NotifyType: NotifyUseTransportMode},
		&Delete{Protocol: ProtoESP, SPISize: 4, NumSPIs: 2, SPIs: []byte{1, 1, 1, 1, 2, 2, 2, 2}},
		&EAP{Code: 2, Identifier: 7, Data: []byte{1, 'x'}},
		&Unknown{PT: 200, Body: []byte{9, 9}},
	}
}

func mustAppend(t testing.TB, m *Message) []byte {
	t.Helper()
	b, err := m.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 7296 3: every payload decodes to what was encoded, and re-encodes to
// the same bytes.
func TestRoundTripSection3(t *testing.T) {
	ms := map[string]*Message{
		"IKE_SA_INIT": sampleSAInit(),
		"all payloads": {Header: Header{SPIi: 1, SPIr: 2, Exchange: ExchangeInformational, MessageID: 5, Flags: FlagResponse},
			Payloads: sampleAuthInner()},
	}
	for name, m := range ms {
		t.Run(name, func(t *testing.T) {
			b := mustAppend(t, m)
			got, err := ParseMessage(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Header, m.Header) {
				t.Errorf("header: got %+v want %+v", got.Header, m.Header)
			}
			if len(got.Payloads) != len(m.Payloads) {
				t.Fatalf("got %d payloads, want %d", len(got.Payloads), len(m.Payloads))
			}
			for i := range m.Payloads {
				if !reflect.DeepEqual(got.Payloads[i], m.Payloads[i]) {
					t.Errorf("payload %d (%v): got %+v want %+v", i, m.Payloads[i].Type(), got.Payloads[i], m.Payloads[i])
				}
			}
			b2 := mustAppend(t, got)
			if !bytes.Equal(b, b2) {
				t.Errorf("re-encoding differs")
			}
		})
	}
}

// RFC 7296 3.1: header fields at their offsets.
func TestHeaderLayout(t *testing.T) {
	m := &Message{Header: Header{SPIi: 0x1122334455667788, SPIr: 0x99aabbccddeeff00, Exchange: ExchangeIKEAuth,
		Flags: FlagInitiator | FlagResponse, MessageID: 0x01020304}}
	b := mustAppend(t, m)
	want := []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0,
		0, 0x20, 35, 0x28, 1, 2, 3, 4, 0, 0, 0, 28}
	if !bytes.Equal(b, want) {
		t.Fatalf("got % x\nwant % x", b, want)
	}
	v, ok := HeaderView(b)
	if !ok || v.SPIi() != m.SPIi || v.SPIr() != m.SPIr || v.Exchange() != ExchangeIKEAuth || v.MessageID() != 0x01020304 ||
		v.Length() != 28 || v.Flags() != 0x28 || v.Version() != 0x20 || v.NextPayload() != PayloadNone {
		t.Fatalf("view disagrees: %v", v)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := mustAppend(t, sampleSAInit())
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name    string
		in      []byte
		payload PayloadType
		offset  int
		notify  NotifyType
	}{
		{"3.1 short header", good[:20], PayloadNone, 0, 0},
		{"3.1 length mismatch", good[:len(good)-1], PayloadNone, 24, 0},
		{"1.5 major version 3", mod(func(b []byte) []byte { b[17] = 0x30; return b }), 0, 0, NotifyInvalidMajorVersion},
		{"3.2 payload length past end", mod(func(b []byte) []byte { b[HeaderLen+2] = 0xff; return b }), PayloadSA, HeaderLen, 0},
		{"3.2 payload length below 4", mod(func(b []byte) []byte { b[HeaderLen+2], b[HeaderLen+3] = 0, 3; return b }), PayloadSA, HeaderLen, 0},
		{"3.3.1 bad last substruc", mod(func(b []byte) []byte { b[HeaderLen+4] = 1; return b }), PayloadSA, HeaderLen, 0},
		{"3.3.1 wrong transform count", mod(func(b []byte) []byte { b[HeaderLen+4+7] = 9; return b }), PayloadSA, HeaderLen, 0},
		{"3.2 trailing bytes", mod(func(b []byte) []byte {
			b = append(b, 0, 0, 0, 0)
			putU32(b[24:], uint32(len(b)))
			return b
		}), PayloadNone, len(good), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMessage(tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.notify != 0 {
				if ne := AsNotify(err); ne == nil || ne.Type != tc.notify {
					t.Fatalf("got %v, want notify %v", err, tc.notify)
				}
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %T %v", err, err)
			}
			if de.Payload != tc.payload || de.Offset != tc.offset {
				t.Fatalf("got %v (payload %v offset %d), want %v at %d", err, de.Payload, de.Offset, tc.payload, tc.offset)
			}
			if ne := AsNotify(err); ne == nil || ne.Type != NotifyInvalidSyntax {
				t.Fatalf("AsNotify: %v", ne)
			}
		})
	}
}

// RFC 7296 3.3: proposals, transforms and attributes keep their order and values.
func TestSAFields(t *testing.T) {
	m, err := ParseMessage(mustAppend(t, sampleSAInit()))
	if err != nil {
		t.Fatal(err)
	}
	sa := m.Get(PayloadSA).(*SA)
	if len(sa.Proposals) != 2 || sa.Proposals[1].Num != 2 || len(sa.Proposals[1].Transforms) != 3 {
		t.Fatalf("%+v", sa)
	}
	if kl, ok := sa.Proposals[0].Transforms[0].KeyLength(); !ok || kl != 256 {
		t.Fatalf("key length %d %v", kl, ok)
	}
	if _, ok := sa.Proposals[0].Transforms[1].KeyLength(); ok {
		t.Fatal("PRF has a key length")
	}
	if m.Notify(NotifySignatureHashAlgorithms) == nil || m.Notify(NotifyCookie) != nil {
		t.Fatal("Notify lookup")
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{NotifyUnsupportedCriticalPayload.String(), "UNSUPPORTED_CRITICAL_PAYLOAD"},
		{NotifyIKEv2FragmentationSupported.String(), "IKEV2_FRAGMENTATION_SUPPORTED"},
		{NotifyType(16430).String(), "IKEV2_FRAGMENTATION_SUPPORTED"},
		{NotifyType(12345).String(), "NOTIFY(12345)"},
		{ExchangeIKEIntermediate.String(), "IKE_INTERMEDIATE"},
		{PayloadSKF.String(), "SKF"},
		{TransformType(6).String(), "ADDKE1"},
		{CfgAttrInternalIP4DNS.String(), "INTERNAL_IP4_DNS"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q want %q", tc.got, tc.want)
		}
	}
	if len(notifyTypeNames) < 85 {
		t.Errorf("only %d notify types named", len(notifyTypeNames))
	}
}
