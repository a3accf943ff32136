package ike

import "net/netip"

// Packet is one IKE datagram with the addresses it travelled between. On the
// receive path Data has already lost the 4-byte non-ESP marker of port 4500
// (RFC 3948 section 2.2); on the send path the transport adds it.
type Packet struct {
	Local  netip.AddrPort
	Remote netip.AddrPort
	Data   []byte
}

// Conn sends IKE datagrams. The transport picks the socket bound to
// p.Local (or any suitable one when p.Local's address is unspecified) and
// adds the non-ESP marker when p.Local's port is the NAT-T port.
type Conn interface {
	Send(p Packet) error
}

// Well-known IKE ports (RFC 7296 section 2, RFC 3947).
const (
	PortIKE  = 500
	PortNATT = 4500
)
