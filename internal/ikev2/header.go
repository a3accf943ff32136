package ikev2

import "encoding/binary"

// HeaderLen is the size of the IKE header (RFC 7296 3.1).
const HeaderLen = 28

// Header flags (RFC 7296 3.1).
const (
	FlagInitiator uint8 = 0x08 // I: sent by the original initiator of the IKE SA
	FlagVersion   uint8 = 0x10 // V: sender can speak a higher major version
	FlagResponse  uint8 = 0x20 // R: this message is a response
)

// Version is the only major.minor version this package speaks (2.0).
const Version uint8 = 0x20

// Header is the decoded IKE header (RFC 7296 3.1).
type Header struct {
	SPIi        uint64 // IKE SA Initiator's SPI
	SPIr        uint64 // IKE SA Responder's SPI
	NextPayload PayloadType
	Version     uint8 // major (high nibble) and minor (low nibble) version
	Exchange    ExchangeType
	Flags       uint8
	MessageID   uint32
	Length      uint32 // total message length; set by the encoders
}

// IsResponse reports whether the R flag is set.
func (h *Header) IsResponse() bool { return h.Flags&FlagResponse != 0 }

// IsInitiator reports whether the I flag is set.
func (h *Header) IsInitiator() bool { return h.Flags&FlagInitiator != 0 }

// RawHeader is a view of the first HeaderLen bytes of a datagram, for cheap
// demultiplexing (SPIs, message ID) before anything is decoded. Use
// HeaderView to get one; the accessors assume len >= HeaderLen.
type RawHeader []byte

// HeaderView returns the header view of b, or false if b is too short.
func HeaderView(b []byte) (RawHeader, bool) {
	if len(b) < HeaderLen {
		return nil, false
	}
	return RawHeader(b[:HeaderLen]), true
}

// Accessors for the fields of the IKE header (RFC 7296 3.1).
func (h RawHeader) SPIi() uint64             { return binary.BigEndian.Uint64(h[0:]) }
func (h RawHeader) SPIr() uint64             { return binary.BigEndian.Uint64(h[8:]) }
func (h RawHeader) NextPayload() PayloadType { return PayloadType(h[16]) }
func (h RawHeader) Version() uint8           { return h[17] }
func (h RawHeader) Exchange() ExchangeType   { return ExchangeType(h[18]) }
func (h RawHeader) Flags() uint8             { return h[19] }
func (h RawHeader) MessageID() uint32        { return binary.BigEndian.Uint32(h[20:]) }
func (h RawHeader) Length() uint32           { return binary.BigEndian.Uint32(h[24:]) }

// ParseHeader decodes and checks the IKE header at the start of b, which must
// hold the whole message: the Length field has to equal len(b). A major
// version other than 2 yields a *NotifyError for INVALID_MAJOR_VERSION
// (RFC 7296 1.5, 2.5); other problems yield a *DecodeError.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	r := reader(b)
	var np, ex uint8
	if !r.u64(&h.SPIi) || !r.u64(&h.SPIr) || !r.u8(&np) || !r.u8(&h.Version) ||
		!r.u8(&ex) || !r.u8(&h.Flags) || !r.u32(&h.MessageID) || !r.u32(&h.Length) {
		return h, &DecodeError{Offset: 0, Reason: "truncated IKE header"}
	}
	h.NextPayload, h.Exchange = PayloadType(np), ExchangeType(ex)
	if h.Version>>4 != 2 {
		return h, &NotifyError{Type: NotifyInvalidMajorVersion, Reason: "major version " + itoa(int(h.Version>>4))}
	}
	if int64(h.Length) != int64(len(b)) {
		return h, &DecodeError{Offset: 24, Reason: "header length " + itoa(int(h.Length)) + " but datagram has " + itoa(len(b))}
	}
	return h, nil
}

// appendHeader appends h with its Length field as given.
func appendHeader(b []byte, h *Header) []byte {
	b = binary.BigEndian.AppendUint64(b, h.SPIi)
	b = binary.BigEndian.AppendUint64(b, h.SPIr)
	v := h.Version
	if v == 0 {
		v = Version
	}
	b = append(b, byte(h.NextPayload), v, byte(h.Exchange), h.Flags)
	b = appendU32(b, h.MessageID)
	return appendU32(b, h.Length)
}
