// Package ikev2 is the IKEv2 protocol (RFC 7296): the wire codec and,
// separately, the engine.
//
// The codec (header.go, payload_*.go, message.go, sk.go, rules.go) turns
// datagrams into typed payloads and back:
//
//   - ParseMessage / (*Message).Parse check the structure of a message and
//     decode every cleartext payload. Decoded payloads alias the input buffer
//     and live in the Message's storage: both stay valid until the buffer is
//     reused or the Message parses again. Copy what must be kept.
//   - An Encrypted (SK) or Encrypted Fragment (SKF) payload is kept as an
//     *Encrypted holding its bounds in the datagram; (*Message).OpenSK opens
//     it in place with an SKCipher and DecodeInner decodes the inner chain
//     ((*Message).Open does both for SK). Fragments are put back together
//     with a Reassembly and decoded with (*Message).DecodeInner.
//   - (*Message).Append encodes a cleartext message and AppendEncrypted a
//     protected one, appending to a caller buffer; SealFragments cuts a
//     protected message into SKF fragments (RFC 7383).
//   - CheckProtection says whether the payloads are where they belong (in
//     the clear only in IKE_SA_INIT); CheckRules ((*Message).Check) says
//     which payloads each exchange and direction carries, and returns a
//     *NotifyError naming the notification to send back. AsNotify maps any
//     error from this package to the notification it calls for, if any.
//
// Decoders never panic; they return *DecodeError (payload type and offset)
// or *NotifyError. The package does no I/O: it must not import net, os or
// syscall.
package ikev2

//go:generate go run gen_names.go -in ../../../shared/rfc/iana/ikev2-parameters.xml
