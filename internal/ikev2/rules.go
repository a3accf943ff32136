package ikev2

import "errors"

// rule bounds how often one payload type occurs in a message.
type rule struct {
	t        PayloadType
	min, max uint8
}

const many = 255

// exchangeRules lists the payloads one exchange and direction carries
// (inside SK for every exchange but IKE_SA_INIT). Payloads not listed are
// unexpected, except unknown ones without the critical bit (RFC 7296 2.5).
type exchangeRules struct {
	rules []rule
	// together names payloads that come all or none: a Child SA's SA, TSi
	// and TSr. IKE_AUTH without them is a childless IKE SA (RFC 6023).
	together []PayloadType
	// errorOnly lets a response carry Notify payloads alone when one is an
	// error (or, in IKE_SA_INIT, COOKIE or REDIRECT: RFC 7296 2.6, RFC 5685),
	// in place of the payloads it would otherwise need.
	errorOnly bool
}

type ruleKey struct {
	ex       ExchangeType
	response bool
}

var childTogether = []PayloadType{PayloadSA, PayloadTSi, PayloadTSr}

// rulesTable follows RFC 7296 1.2-1.4 (and RFC 9242 for IKE_INTERMEDIATE).
// Notify and Vendor ID payloads may appear anywhere.
var rulesTable = map[ruleKey]*exchangeRules{
	// RFC 7296 1.2: HDR, SAi1, KEi, Ni; CERTREQ is tolerated in requests
	// because some initiators send it early.
	{ExchangeIKESAInit, false}: {rules: []rule{
		{PayloadSA, 1, 1}, {PayloadKE, 1, 1}, {PayloadNonce, 1, 1},
		{PayloadCERTREQ, 0, many}, {PayloadN, 0, many}, {PayloadV, 0, many},
	}},
	// RFC 7296 1.2: HDR, SAr1, KEr, Nr, [CERTREQ].
	{ExchangeIKESAInit, true}: {rules: []rule{
		{PayloadSA, 1, 1}, {PayloadKE, 1, 1}, {PayloadNonce, 1, 1},
		{PayloadCERTREQ, 0, many}, {PayloadN, 0, many}, {PayloadV, 0, many},
	}, errorOnly: true},
	// RFC 7296 1.2: SK {IDi, [CERT,] [CERTREQ,] [IDr,] AUTH, [CP,] SAi2, TSi, TSr}.
	{ExchangeIKEAuth, false}: {rules: []rule{
		{PayloadIDi, 1, 1}, {PayloadCERT, 0, many}, {PayloadCERTREQ, 0, many},
		{PayloadIDr, 0, 1}, {PayloadAUTH, 1, 1}, {PayloadCP, 0, 1},
		{PayloadSA, 0, 1}, {PayloadTSi, 0, 1}, {PayloadTSr, 0, 1},
		{PayloadN, 0, many}, {PayloadV, 0, many},
	}, together: childTogether},
	// RFC 7296 1.2: SK {IDr, [CERT,] AUTH, [CP,] SAr2, TSi, TSr}; 2.21.2:
	// Child SA errors come with IDr and AUTH but without SA and TS.
	{ExchangeIKEAuth, true}: {rules: []rule{
		{PayloadIDr, 1, 1}, {PayloadCERT, 0, many}, {PayloadAUTH, 1, 1},
		{PayloadCP, 0, 1}, {PayloadSA, 0, 1}, {PayloadTSi, 0, 1}, {PayloadTSr, 0, 1},
		{PayloadN, 0, many}, {PayloadV, 0, many},
	}, together: childTogether, errorOnly: true},
	// RFC 7296 1.3: SK {[N(REKEY_SA)], SA, Ni, [KEi], [TSi, TSr]}; the
	// IKE SA rekey has no TS.
	{ExchangeCreateChildSA, false}: {rules: []rule{
		{PayloadSA, 1, 1}, {PayloadNonce, 1, 1}, {PayloadKE, 0, 1},
		{PayloadTSi, 0, 1}, {PayloadTSr, 0, 1}, {PayloadN, 0, many}, {PayloadV, 0, many},
	}, together: []PayloadType{PayloadTSi, PayloadTSr}},
	{ExchangeCreateChildSA, true}: {rules: []rule{
		{PayloadSA, 1, 1}, {PayloadNonce, 1, 1}, {PayloadKE, 0, 1},
		{PayloadTSi, 0, 1}, {PayloadTSr, 0, 1}, {PayloadN, 0, many}, {PayloadV, 0, many},
	}, together: []PayloadType{PayloadTSi, PayloadTSr}, errorOnly: true},
	// RFC 7296 1.4: SK {[N,] [D,] [CP,] ...}; empty for liveness checks.
	{ExchangeInformational, false}: {rules: []rule{
		{PayloadN, 0, many}, {PayloadD, 0, many}, {PayloadCP, 0, 1}, {PayloadV, 0, many},
	}},
	{ExchangeInformational, true}: {rules: []rule{
		{PayloadN, 0, many}, {PayloadD, 0, many}, {PayloadCP, 0, 1}, {PayloadV, 0, many},
	}},
	// RFC 9242: SK {[N+], [KE]}, the KE for additional key exchanges (RFC 9370).
	{ExchangeIKEIntermediate, false}: {rules: []rule{
		{PayloadKE, 0, 1}, {PayloadN, 0, many}, {PayloadV, 0, many},
	}},
	{ExchangeIKEIntermediate, true}: {rules: []rule{
		{PayloadKE, 0, 1}, {PayloadN, 0, many}, {PayloadV, 0, many},
	}, errorOnly: true},
}

// ErrUnknownExchange is returned by CheckRules for exchange types without a
// rules entry; RFC 7296 leaves such messages to be dropped.
var ErrUnknownExchange = errors.New("ikev2: unsupported exchange type")

// Check applies CheckRules to m's header and payloads (after Open).
func (m *Message) Check() error {
	return CheckRules(m.Exchange, m.IsResponse(), m.Payloads)
}

// CheckRules checks the payloads of a message (the inner ones for protected
// exchanges) against the rules of exchange ex in one direction. It returns a
// *NotifyError naming the notification to send: UNSUPPORTED_CRITICAL_PAYLOAD
// with the payload type as data for an unknown critical payload (RFC 7296
// 2.5), AUTHENTICATION_FAILED for EAP, which is not supported (RFC 7296
// 2.16: no AUTH from the initiator asks for EAP), INVALID_SYNTAX for a
// missing, repeated or unexpected payload (RFC 7296 2.21.2).
func CheckRules(ex ExchangeType, response bool, ps []Payload) error {
	if err := CheckCritical(ps); err != nil {
		return err
	}
	r := rulesTable[ruleKey{ex, response}]
	if r == nil {
		return ErrUnknownExchange
	}
	var counts [16]uint8
	for _, p := range ps {
		t := p.Type()
		if _, ok := p.(*Unknown); ok {
			continue // not critical: ignored (RFC 7296 2.5)
		}
		if t == PayloadEAP {
			return &NotifyError{Type: NotifyAuthenticationFailed, Reason: "EAP is not supported"}
		}
		i := r.index(t)
		if i < 0 {
			return syntaxError(ex, response, t.String()+" payload not allowed")
		}
		if counts[i] == r.rules[i].max {
			return syntaxError(ex, response, "repeated "+t.String()+" payload")
		}
		counts[i]++
	}
	if r.errorOnly && notifyOnly(ex, ps) {
		return nil
	}
	if ex == ExchangeIKEAuth && !response && counts[r.index(PayloadAUTH)] == 0 && counts[r.index(PayloadIDi)] == 1 {
		return &NotifyError{Type: NotifyAuthenticationFailed, Reason: "no AUTH payload: EAP is not supported"}
	}
	for i, ru := range r.rules {
		if counts[i] < ru.min {
			return syntaxError(ex, response, "missing "+ru.t.String()+" payload")
		}
	}
	if len(r.together) > 0 {
		n := 0
		for _, t := range r.together {
			if counts[r.index(t)] > 0 {
				n++
			}
		}
		if n != 0 && n != len(r.together) {
			return syntaxError(ex, response, "SA, TSi and TSr must come together")
		}
	}
	return nil
}

func (r *exchangeRules) index(t PayloadType) int {
	for i := range r.rules {
		if r.rules[i].t == t {
			return i
		}
	}
	return -1
}

// notifyOnly reports whether ps is made of Notify (and Vendor ID) payloads
// with at least one that stands in for the usual payloads of a response.
func notifyOnly(ex ExchangeType, ps []Payload) bool {
	found := false
	for _, p := range ps {
		switch q := p.(type) {
		case *Notify:
			if q.NotifyType.IsError() || ex == ExchangeIKESAInit &&
				(q.NotifyType == NotifyCookie || q.NotifyType == NotifyRedirect) {
				found = true
			}
		case *VendorID, *Unknown:
		default:
			return false
		}
	}
	return found
}

func syntaxError(ex ExchangeType, response bool, why string) *NotifyError {
	dir := " request: "
	if response {
		dir = " response: "
	}
	return &NotifyError{Type: NotifyInvalidSyntax, Reason: ex.String() + dir + why}
}

// CheckCritical returns UNSUPPORTED_CRITICAL_PAYLOAD, carrying the payload
// type, for the first unknown payload with the critical bit set (RFC 7296
// 2.5, 3.10.1).
func CheckCritical(ps []Payload) error {
	for _, p := range ps {
		if u, ok := p.(*Unknown); ok && u.Critical {
			return &NotifyError{Type: NotifyUnsupportedCriticalPayload, Data: []byte{byte(u.PT)},
				Reason: "critical payload " + u.PT.String()}
		}
	}
	return nil
}

// CheckProtection checks where a message's payloads are: in the clear for
// IKE_SA_INIT, and inside one SK or SKF payload, alone, for every other
// exchange (RFC 7296 3.14, RFC 7383 2.5). Messages failing it are dropped.
func CheckProtection(m *Message) error {
	e := m.Encrypted()
	switch {
	case m.Exchange == ExchangeIKESAInit && e != nil:
		return errors.New("ikev2: IKE_SA_INIT with an encrypted payload")
	case m.Exchange != ExchangeIKESAInit && (e == nil || len(m.Payloads) != 1):
		return errors.New("ikev2: " + m.Exchange.String() + " payloads must be inside a single SK or SKF payload")
	}
	return nil
}
