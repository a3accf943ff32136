package ikev2

import "errors"

// Payload is one decoded payload. The concrete types are the pointer types
// in payload_*.go (*SA, *KE, *ID, *Cert, *CertReq, *Auth, *Nonce, *Notify,
// *Delete, *VendorID, *TS, *CP, *EAP, *Encrypted and *Unknown).
type Payload interface {
	// Type is the payload type written in the preceding Next Payload field.
	Type() PayloadType
	// appendBody appends the payload without its generic header.
	appendBody(b []byte) []byte
}

// genericHeaderLen is the size of the generic payload header (RFC 7296 3.2).
const genericHeaderLen = 4

// flagCritical is the critical bit of the generic payload header.
const flagCritical = 0x80

// maxPayloadLen bounds a single payload: its length field has 16 bits.
const maxPayloadLen = 0xffff

// reason is an error from a payload body decoder; the chain decoder wraps it
// in a *DecodeError with the payload type and offset.
type reason string

func (r reason) Error() string { return string(r) }

const errTruncated reason = "truncated"

// Unknown is a payload of a type this package does not decode, kept as is.
// An unknown payload with the critical bit set makes the message
// unacceptable (RFC 7296 2.5); CheckCritical reports it.
type Unknown struct {
	PT       PayloadType
	Critical bool
	Body     []byte
}

func (u *Unknown) Type() PayloadType          { return u.PT }
func (u *Unknown) appendBody(b []byte) []byte { return append(b, u.Body...) }

// decodeBody decodes the body of one payload of type t.
func decodeBody(a *arena, t PayloadType, critical bool, body []byte) (Payload, error) {
	switch t {
	case PayloadSA:
		return decodeSA(a, body)
	case PayloadKE:
		return decodeKE(a, body)
	case PayloadIDi, PayloadIDr:
		return decodeID(a, t, body)
	case PayloadCERT:
		return decodeCert(a, body)
	case PayloadCERTREQ:
		return decodeCertReq(a, body)
	case PayloadAUTH:
		return decodeAuth(a, body)
	case PayloadNonce:
		return decodeNonce(a, body)
	case PayloadN:
		return decodeNotify(a, body)
	case PayloadD:
		return decodeDelete(a, body)
	case PayloadV:
		v := take(&a.vendor)
		v.Data = view(body)
		return v, nil
	case PayloadTSi, PayloadTSr:
		return decodeTS(a, t, body)
	case PayloadCP:
		return decodeCP(a, body)
	case PayloadEAP:
		return decodeEAP(body)
	}
	return &Unknown{PT: t, Critical: critical, Body: body}, nil
}

// DecodePayloads decodes a chain of payloads starting with one of type first
// and appends them to dst. It is used for the plaintext of an SK payload
// (after OpenSK) or of reassembled fragments; an SK or SKF payload inside
// such a chain is an error. Offsets in errors are relative to b.
func DecodePayloads(dst []Payload, first PayloadType, b []byte) ([]Payload, error) {
	var a arena
	ps, enc, err := decodeChain(&a, dst, first, b, 0, false)
	if err == nil && enc != nil {
		err = &DecodeError{Payload: enc.Type(), Offset: enc.Offset, Reason: "encrypted payload inside encrypted payload"}
	}
	return ps, err
}

// decodeChain decodes payloads from b (found at offset base of the message)
// until Next Payload is zero or an SK/SKF payload ends the chain. With
// outer set, an SK/SKF payload is accepted if it is the last thing in b.
func decodeChain(a *arena, dst []Payload, next PayloadType, b []byte, base int, outer bool) ([]Payload, *Encrypted, error) {
	off := 0
	for next != PayloadNone {
		t := next
		r := reader(b[off:])
		var np, flags uint8
		var length uint16
		if !r.u8(&np) || !r.u8(&flags) || !r.u16(&length) {
			return dst, nil, &DecodeError{Payload: t, Offset: base + off, Reason: "truncated generic header"}
		}
		if int(length) < genericHeaderLen || int(length) > len(b)-off {
			return dst, nil, &DecodeError{Payload: t, Offset: base + off,
				Reason: "payload length " + itoa(int(length)) + " out of bounds"}
		}
		body := b[off+genericHeaderLen : off+int(length) : off+int(length)]
		if t == PayloadSK || t == PayloadSKF {
			if off+int(length) != len(b) {
				return dst, nil, &DecodeError{Payload: t, Offset: base + off, Reason: "encrypted payload is not the last payload"}
			}
			enc, err := decodeEncrypted(a, t, PayloadType(np), body, base+off)
			if err != nil {
				return dst, nil, &DecodeError{Payload: t, Offset: base + off, Reason: err.Error()}
			}
			if !outer {
				return dst, enc, nil
			}
			return append(dst, enc), enc, nil
		}
		p, err := decodeBody(a, t, flags&flagCritical != 0, body)
		if err != nil {
			return dst, nil, &DecodeError{Payload: t, Offset: base + off, Reason: err.Error()}
		}
		dst = append(dst, p)
		off += int(length)
		next = PayloadType(np)
	}
	if off != len(b) {
		return dst, nil, &DecodeError{Payload: PayloadNone, Offset: base + off,
			Reason: itoa(len(b)-off) + " bytes after the last payload"}
	}
	return dst, nil, nil
}

// AppendPayloads appends the chain ps, each with its generic header, and
// returns the type of its first payload (PayloadNone if empty). The last
// payload's Next Payload is zero, except for an *Encrypted, which carries
// the type of its first inner payload.
func AppendPayloads(b []byte, ps []Payload) ([]byte, PayloadType, error) {
	for i, p := range ps {
		next := PayloadNone
		if i+1 < len(ps) {
			next = ps[i+1].Type()
		}
		var flags byte
		switch q := p.(type) {
		case *Encrypted:
			if i+1 != len(ps) {
				return b, PayloadNone, errors.New("ikev2: encode: " + q.Type().String() + " payload must be last")
			}
			next = q.Inner
		case *Unknown:
			if q.Critical {
				flags = flagCritical
			}
		}
		if v, ok := p.(interface{ validate() error }); ok {
			if err := v.validate(); err != nil {
				return b, PayloadNone, err
			}
		}
		start := len(b)
		b = append(b, byte(next), flags, 0, 0)
		b = p.appendBody(b)
		n := len(b) - start
		if n > maxPayloadLen {
			return b, PayloadNone, errors.New("ikev2: encode: " + p.Type().String() + " payload of " + itoa(n) + " bytes is too long")
		}
		putU16(b[start+2:], uint16(n))
	}
	if len(ps) == 0 {
		return b, PayloadNone, nil
	}
	return b, ps[0].Type(), nil
}
