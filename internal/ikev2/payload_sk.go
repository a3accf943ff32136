package ikev2

// Encrypted is an Encrypted (SK, RFC 7296 3.14) or Encrypted Fragment (SKF,
// RFC 7383 2.5) payload as found in a datagram. Data is IV, ciphertext and
// Integrity Checksum Data, still protected; OpenSK opens it in place.
type Encrypted struct {
	Fragment bool        // SKF rather than SK
	Number   uint16      // SKF: Fragment Number, from 1
	Total    uint16      // SKF: Total Fragments
	Inner    PayloadType // Next Payload: first inner payload (0 in SKF after the first)
	Data     []byte
	Offset   int // offset of the generic payload header in the message
}

func (e *Encrypted) Type() PayloadType {
	if e.Fragment {
		return PayloadSKF
	}
	return PayloadSK
}

// headerLen is the size of the part of the payload before the IV: the
// generic header, plus Fragment Number and Total Fragments for SKF. It is
// the part of the payload that belongs to the AAD / integrity-only data.
func (e *Encrypted) headerLen() int {
	if e.Fragment {
		return genericHeaderLen + 4
	}
	return genericHeaderLen
}

func decodeEncrypted(a *arena, t PayloadType, inner PayloadType, body []byte, off int) (*Encrypted, error) {
	e := take(&a.enc)
	*e = Encrypted{Fragment: t == PayloadSKF, Inner: inner, Offset: off}
	r := reader(body)
	if e.Fragment {
		if !r.u16(&e.Number) || !r.u16(&e.Total) {
			return nil, errTruncated
		}
		// RFC 7383 2.5: neither is zero, Number <= Total, and only the
		// first fragment names the inner payload.
		if e.Number == 0 || e.Total == 0 || e.Number > e.Total {
			return nil, reason("fragment " + itoa(int(e.Number)) + " of " + itoa(int(e.Total)))
		}
	}
	e.Data = r.rest()
	return e, nil
}

func (e *Encrypted) appendBody(b []byte) []byte {
	if e.Fragment {
		b = appendU16(b, e.Number)
		b = appendU16(b, e.Total)
	}
	return append(b, e.Data...)
}
