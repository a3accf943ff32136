// Package pcap records IKE messages, in the clear, to a classic pcap file:
// the -P option of iked.
//
// Each message becomes one synthetic frame: an Ethernet header (zero MAC
// addresses), an IPv4 header with a valid checksum or an IPv6 header, and a
// UDP header with the real ports (500 or 4500) and a valid checksum,
// followed by the IKE message without the non-ESP marker. Messages that are
// encrypted on the wire are recorded in the clear (see AppendClear), so
// that Wireshark's ISAKMP dissector shows the inner payloads.
//
// Unlike racoon2, which captured IKEv2 inbound messages only (outbound with
// the TRACE debug flag), wrote IPv6 headers with a wrong version nibble and
// zero checksums, and re-opened the file for every packet, this package
// records both IKE versions in both directions, and never blocks the event
// loop: Write copies the message into a bounded queue served by one
// goroutine, and drops (and counts) what does not fit.
//
// # How the daemon and the engines use it
//
// cmd/iked opens the file once with Open(arg of -P, logger) and closes it
// at shutdown; the engines get the *Writer (through an interface of
// internal/ike, since they may not import this package) and call, with the
// time from their ike.Clock:
//
//   - for a message that is not encrypted (IKE_SA_INIT, IKEv1 Main Mode 1
//     to 4, an unprotected INFORMATIONAL), or one that fails to decrypt, as
//     received or as sent:
//     Write(now, src, dst, msg)
//   - for an encrypted message received: after decryption and integrity
//     check, before processing,
//     WriteDecrypted(now, remote, local, hdr, firstInner, plaintextChain)
//   - for an encrypted message sent: after building the plaintext chain,
//     before encryption (once per message, not per retransmission),
//     WriteDecrypted(now, local, remote, hdr, firstInner, plaintextChain)
//
// hdr may be the header as built before encryption: Next Payload, Length
// and the IKEv1 Encryption bit are rewritten (see AppendClear). A nil
// *Writer does nothing, so an engine without -P calls it all the same.
package pcap
