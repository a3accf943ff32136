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
package pcap
