package ikev2

import (
	"bytes"
	"testing"
)

func TestCheckRules(t *testing.T) {
	sa := &SA{Proposals: []Proposal{{Num: 1, Protocol: ProtoIKE, Transforms: []Transform{{Type: TransformENCR, ID: 20}}}}}
	ke := &KE{Group: 31, Data: fill(32, 1)}
	n := &Nonce{Data: fill(32, 2)}
	nat := &Notify{NotifyType: NotifyNATDetectionSourceIP, Data: fill(20, 3)}
	idi, idr := &ID{IDType: IDFQDN, Data: []byte("a")}, &ID{Responder: true, IDType: IDFQDN, Data: []byte("b")}
	auth := &Auth{Method: AuthSharedKeyMIC, Data: fill(32, 4)}
	tsi, tsr := &TS{Selectors: []TrafficSelector{{TSType: TSSecLabel}}}, &TS{Responder: true, Selectors: []TrafficSelector{{TSType: TSSecLabel}}}
	errN := func(t NotifyType) *Notify { return &Notify{NotifyType: t} }
	unknown := &Unknown{PT: 222, Body: []byte{1}}
	critical := &Unknown{PT: 222, Critical: true}
	const ok = NotifyType(0)
	tests := []struct {
		name     string
		ex       ExchangeType
		response bool
		ps       []Payload
		want     NotifyType
	}{
		{"1.2 IKE_SA_INIT request", ExchangeIKESAInit, false, []Payload{sa, ke, n, nat, &VendorID{Data: []byte("x")}}, ok},
		{"1.2 IKE_SA_INIT request without KE", ExchangeIKESAInit, false, []Payload{sa, n}, NotifyInvalidSyntax},
		{"1.2 IKE_SA_INIT request with two SA", ExchangeIKESAInit, false, []Payload{sa, sa, ke, n}, NotifyInvalidSyntax},
		{"1.2 IKE_SA_INIT request with AUTH", ExchangeIKESAInit, false, []Payload{sa, ke, n, auth}, NotifyInvalidSyntax},
		{"2.5 unknown non-critical ignored", ExchangeIKESAInit, false, []Payload{unknown, sa, ke, n}, ok},
		{"2.5 unknown critical", ExchangeIKESAInit, false, []Payload{sa, ke, n, critical}, NotifyUnsupportedCriticalPayload},
		{"2.6 IKE_SA_INIT response with COOKIE only", ExchangeIKESAInit, true, []Payload{errN(NotifyCookie)}, ok},
		{"1.2 IKE_SA_INIT response with INVALID_KE_PAYLOAD", ExchangeIKESAInit, true, []Payload{&Notify{NotifyType: NotifyInvalidKEPayload, Data: []byte{0, 14}}}, ok},
		{"1.2 IKE_SA_INIT response with status only", ExchangeIKESAInit, true, []Payload{nat}, NotifyInvalidSyntax},
		{"1.2 IKE_SA_INIT request with COOKIE only", ExchangeIKESAInit, false, []Payload{errN(NotifyCookie)}, NotifyInvalidSyntax},
		{"1.2 IKE_AUTH request", ExchangeIKEAuth, false, []Payload{idi, auth, sa, tsi, tsr, errN(NotifyInitialContact)}, ok},
		{"RFC 6023 childless IKE_AUTH request", ExchangeIKEAuth, false, []Payload{idi, idr, auth}, ok},
		{"1.2 IKE_AUTH request with SA but no TS", ExchangeIKEAuth, false, []Payload{idi, auth, sa}, NotifyInvalidSyntax},
		{"2.16 IKE_AUTH request without AUTH (EAP)", ExchangeIKEAuth, false, []Payload{idi, sa, tsi, tsr}, NotifyAuthenticationFailed},
		{"3.16 EAP payload", ExchangeIKEAuth, true, []Payload{idr, &EAP{Code: 1}}, NotifyAuthenticationFailed},
		{"1.2 IKE_AUTH request with two IDi", ExchangeIKEAuth, false, []Payload{idi, idi, auth}, NotifyInvalidSyntax},
		{"1.2 IKE_AUTH request with KE", ExchangeIKEAuth, false, []Payload{idi, auth, ke}, NotifyInvalidSyntax},
		{"1.2 IKE_AUTH response", ExchangeIKEAuth, true, []Payload{idr, auth, sa, tsi, tsr}, ok},
		{"2.21.2 IKE_AUTH response with child error", ExchangeIKEAuth, true, []Payload{idr, auth, errN(NotifyTSUnacceptable)}, ok},
		{"2.21.2 IKE_AUTH response AUTHENTICATION_FAILED", ExchangeIKEAuth, true, []Payload{errN(NotifyAuthenticationFailed)}, ok},
		{"1.2 IKE_AUTH response without IDr", ExchangeIKEAuth, true, []Payload{auth, sa, tsi, tsr}, NotifyInvalidSyntax},
		{"1.3 CREATE_CHILD_SA request", ExchangeCreateChildSA, false, []Payload{sa, n, ke, tsi, tsr}, ok},
		{"1.3.2 CREATE_CHILD_SA IKE rekey", ExchangeCreateChildSA, false, []Payload{sa, n, ke}, ok},
		{"1.3 CREATE_CHILD_SA request with TSi only", ExchangeCreateChildSA, false, []Payload{sa, n, tsi}, NotifyInvalidSyntax},
		{"1.3 CREATE_CHILD_SA request without nonce", ExchangeCreateChildSA, false, []Payload{sa, tsi, tsr}, NotifyInvalidSyntax},
		{"1.3 CREATE_CHILD_SA response NO_PROPOSAL_CHOSEN", ExchangeCreateChildSA, true, []Payload{errN(NotifyNoProposalChosen)}, ok},
		{"1.4 INFORMATIONAL empty", ExchangeInformational, false, nil, ok},
		{"1.4 INFORMATIONAL delete", ExchangeInformational, false, []Payload{&Delete{Protocol: ProtoIKE}}, ok},
		{"1.4 INFORMATIONAL with SA", ExchangeInformational, true, []Payload{sa}, NotifyInvalidSyntax},
		{"RFC 9242 IKE_INTERMEDIATE", ExchangeIKEIntermediate, false, []Payload{ke}, ok},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckRules(tc.ex, tc.response, tc.ps)
			if tc.want == ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			ne := AsNotify(err)
			if ne == nil || ne.Type != tc.want {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.want == NotifyUnsupportedCriticalPayload && !bytes.Equal(ne.Data, []byte{222}) {
				t.Fatalf("data % x", ne.Data)
			}
		})
	}
	m := &Message{Header: Header{Exchange: ExchangeIKESAInit, Flags: FlagResponse},
		Payloads: []Payload{nat, errN(NotifyNoProposalChosen)}}
	if en := m.ErrorNotify(); en == nil || en.NotifyType != NotifyNoProposalChosen || m.Check() != nil {
		t.Fatalf("RFC 7296 2.21.1 error-only IKE_SA_INIT response: %v", en)
	}
	if err := CheckRules(ExchangeGSAAuth, false, nil); err != ErrUnknownExchange {
		t.Fatalf("GSA_AUTH: %v", err)
	}
}

// RFC 7296 2.5: a critical unknown payload survives decode and re-encode
// with its critical bit, and the rules answer it.
func TestCriticalBitRoundTrip(t *testing.T) {
	m := sampleSAInit()
	m.Payloads = append(m.Payloads, &Unknown{PT: 99, Critical: true, Body: []byte{1, 2, 3}})
	b := mustAppend(t, m)
	got, err := ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := got.Payloads[len(got.Payloads)-1].(*Unknown)
	if !ok || !u.Critical || u.PT != 99 {
		t.Fatalf("%+v", got.Payloads[len(got.Payloads)-1])
	}
	if !bytes.Equal(mustAppend(t, got), b) {
		t.Fatal("re-encoding differs")
	}
	ne := AsNotify(got.Check())
	if ne == nil || ne.Type != NotifyUnsupportedCriticalPayload || !bytes.Equal(ne.Data, []byte{99}) {
		t.Fatalf("%v", ne)
	}
	// RFC 7296 3.2: the critical bit of a known payload is ignored.
	b[HeaderLen+1] |= 0x80
	if got, err := ParseMessage(b); err != nil || CheckCritical(got.Payloads[:len(got.Payloads)-1]) != nil {
		t.Fatalf("known critical payload: %v", err)
	}
}

func TestCheckProtection(t *testing.T) {
	init := sampleSAInit()
	if err := CheckProtection(init); err != nil {
		t.Fatal(err)
	}
	auth := &Message{Header: authHeader(), Payloads: sampleAuthInner()}
	if CheckProtection(auth) == nil {
		t.Fatal("cleartext IKE_AUTH accepted")
	}
	auth.Payloads = []Payload{&Encrypted{Inner: PayloadIDi, Data: fill(40, 0)}}
	if err := CheckProtection(auth); err != nil {
		t.Fatal(err)
	}
	init.Payloads = append(init.Payloads, &Encrypted{Inner: PayloadN})
	if CheckProtection(init) == nil {
		t.Fatal("encrypted IKE_SA_INIT accepted")
	}
}
