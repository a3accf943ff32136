package ikev2

// Notify is the Notify payload (RFC 7296 3.10).
type Notify struct {
	Protocol   ProtocolID // 0 or IKE for IKE SA notifications
	SPI        []byte
	NotifyType NotifyType
	Data       []byte
}

func (*Notify) Type() PayloadType { return PayloadN }

func decodeNotify(a *arena, body []byte) (*Notify, error) {
	r := reader(body)
	var proto, spiSize uint8
	var t uint16
	n := take(&a.notify)
	if !r.u8(&proto) || !r.u8(&spiSize) || !r.u16(&t) || !r.bytes(int(spiSize), &n.SPI) {
		return nil, errTruncated
	}
	n.Protocol, n.NotifyType, n.Data = ProtocolID(proto), NotifyType(t), r.rest()
	return n, nil
}

func (n *Notify) appendBody(b []byte) []byte {
	b = append(b, byte(n.Protocol), byte(len(n.SPI)))
	b = appendU16(b, uint16(n.NotifyType))
	b = append(b, n.SPI...)
	return append(b, n.Data...)
}

// Delete is the Delete payload (RFC 7296 3.11). SPIs holds NumSPIs SPIs of
// SPISize bytes each, back to back; the IKE SA is deleted with size 0 and no
// SPIs.
type Delete struct {
	Protocol ProtocolID
	SPISize  uint8
	NumSPIs  uint16
	SPIs     []byte
}

func (*Delete) Type() PayloadType { return PayloadD }

func decodeDelete(a *arena, body []byte) (*Delete, error) {
	r := reader(body)
	var proto uint8
	d := take(&a.del)
	if !r.u8(&proto) || !r.u8(&d.SPISize) || !r.u16(&d.NumSPIs) {
		return nil, errTruncated
	}
	d.Protocol = ProtocolID(proto)
	if !r.bytes(int(d.SPISize)*int(d.NumSPIs), &d.SPIs) || !r.empty() {
		return nil, reason("SPI list does not match " + itoa(int(d.NumSPIs)) + " SPIs of " + itoa(int(d.SPISize)) + " bytes")
	}
	return d, nil
}

func (d *Delete) appendBody(b []byte) []byte {
	b = append(b, byte(d.Protocol), d.SPISize)
	b = appendU16(b, d.NumSPIs)
	return append(b, d.SPIs...)
}

// SPI returns the i-th SPI, 0 <= i < NumSPIs.
func (d *Delete) SPI(i int) []byte {
	n := int(d.SPISize)
	return d.SPIs[i*n : (i+1)*n : (i+1)*n]
}

// NewDelete builds a Delete payload for SPIs that all have the size of the
// first (encoding fails otherwise). Use no SPIs for the IKE SA itself.
func NewDelete(proto ProtocolID, spis ...[]byte) *Delete {
	d := &Delete{Protocol: proto, NumSPIs: uint16(len(spis))}
	if len(spis) > 0 {
		d.SPISize = uint8(len(spis[0]))
	}
	for _, s := range spis {
		d.SPIs = append(d.SPIs, s...)
	}
	return d
}

// HashAlgorithms returns the hash algorithm IDs of a
// SIGNATURE_HASH_ALGORITHMS notification (RFC 7427 4), or false if the data
// is not a list of 2-byte values.
func (n *Notify) HashAlgorithms() ([]uint16, bool) {
	if n.NotifyType != NotifySignatureHashAlgorithms || len(n.Data)%2 != 0 {
		return nil, false
	}
	out := make([]uint16, 0, len(n.Data)/2)
	for r := reader(n.Data); !r.empty(); {
		var v uint16
		r.u16(&v)
		out = append(out, v)
	}
	return out, true
}

// KEGroup returns the group an INVALID_KE_PAYLOAD notification asks for
// (RFC 7296 1.2, 3.10.1).
func (n *Notify) KEGroup() (uint16, bool) {
	if n.NotifyType != NotifyInvalidKEPayload || len(n.Data) != 2 {
		return 0, false
	}
	return uint16(n.Data[0])<<8 | uint16(n.Data[1]), true
}
