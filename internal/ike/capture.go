package ike

import (
	"net/netip"
	"time"
)

// Capture records IKE messages in the clear (iked -P; internal/pcap). Its
// methods copy their arguments and never block. Write takes a message as on
// the wire, without the non-ESP marker; WriteDecrypted takes an encrypted one
// in the clear: hdr its IKE header, first the first inner payload type
// (IKEv2: the SK payload's Next Payload; IKEv1: hdr[16]), payloads the
// plaintext chain without padding. Inbound after decryption, outbound before
// encryption and once per message (not per retransmission).
type Capture interface {
	Write(ts time.Time, src, dst netip.AddrPort, msg []byte)
	WriteDecrypted(ts time.Time, src, dst netip.AddrPort, hdr []byte, first uint8, payloads []byte)
}
