package pcap

import (
	"encoding/binary"
	"errors"
)

// HeaderLen is the length of the IKE header, the same in IKEv1 (RFC 2408
// section 3.1) and IKEv2 (RFC 7296 section 3.1).
const HeaderLen = 28

// Offsets in the IKE header.
const (
	offNextPayload = 16
	offVersion     = 17
	offFlags       = 19
	offLength      = 24
)

// flagEncryption is the IKEv1 header's E bit (RFC 2408 section 3.1): the
// payloads after the header are encrypted.
const flagEncryption = 0x01

var (
	errShortHeader = errors.New("pcap: IKE header shorter than 28 bytes")
	errVersion     = errors.New("pcap: IKE header is neither IKEv1 nor IKEv2")
	errTooLong     = errors.New("pcap: IKE message too long for one UDP datagram")
)

// maxIKE is the longest IKE message a capture record carries: what fits in
// one IPv6 UDP datagram (65535 - 8). IPv4 allows 20 bytes less; the frame
// builder checks that.
const maxIKE = 65535 - 8

// AppendClear appends to dst the clear layout of an encrypted IKE message,
// the form in which Wireshark's ISAKMP dissector decodes the inner payloads
// by name:
//
//   - IKEv2 (RFC 7296 section 3.14): the 28-byte IKE header with Next
//     Payload set to first, the Next Payload of the SK payload (the type of
//     the first inner payload), then the decrypted inner payload chain. The
//     SK payload header, IV, padding and ICV are left out. An SKF message
//     (RFC 7383) is captured once, reassembled, with the header of its
//     first fragment and the SKF payload's Next Payload as first.
//   - IKEv1 (RFC 2408 section 3.1): the header with the Encryption bit
//     cleared and Next Payload set to first (for IKEv1 that is the header's
//     own Next Payload, hdr[16]), then the decrypted payload chain.
//
// In both cases the header's Length is set to 28 + len(payloads). hdr is
// the header as on the wire; only its first 28 bytes are used and it is not
// modified. payloads must end where the payload chain ends: without the
// IKEv2 padding and pad length, or the IKEv1 block padding.
func AppendClear(dst, hdr []byte, first uint8, payloads []byte) ([]byte, error) {
	if len(hdr) < HeaderLen {
		return dst, errShortHeader
	}
	if len(payloads) > maxIKE-HeaderLen {
		return dst, errTooLong
	}
	major := hdr[offVersion] >> 4
	if major != 1 && major != 2 {
		return dst, errVersion
	}
	n := len(dst)
	dst = append(dst, hdr[:HeaderLen]...)
	h := dst[n:]
	h[offNextPayload] = first
	if major == 1 {
		h[offFlags] &^= flagEncryption
	}
	binary.BigEndian.PutUint32(h[offLength:], uint32(HeaderLen+len(payloads)))
	return append(dst, payloads...), nil
}
