package transport

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// setOpts applies o to fd. The first error fails the bind (the socket
// would be useless without it); the second is only worth a warning.
func setOpts(fd uintptr, o sockOpts) (fatal, warn error) {
	s := int(fd)
	if o.pktinfo {
		if o.v6 {
			fatal = unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1)
		} else {
			fatal = unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_PKTINFO, 1)
		}
		if fatal != nil {
			return fatal, nil
		}
	}
	if o.natt && !o.v6 {
		if err := unix.SetsockoptInt(s, unix.IPPROTO_UDP, unix.UDP_ENCAP, unix.UDP_ENCAP_ESPINUDP); err != nil {
			warn = errors.Join(warn, err)
		}
	}
	if o.bypass {
		warn = errors.Join(warn, setBypass(s, o.v6))
	}
	return nil, warn
}

// Linux keeps the KAME numbers for these.
const (
	ipIPsecPolicy   = 16 // IP_IPSEC_POLICY
	ipv6IPsecPolicy = 34 // IPV6_IPSEC_POLICY
)

// parseDst finds the datagram's destination address in IP_PKTINFO or
// IPV6_PKTINFO control messages.
func parseDst(oob []byte) (netip.Addr, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return netip.Addr{}, false
	}
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_PKTINFO && len(m.Data) >= unix.SizeofInet4Pktinfo:
			// struct in_pktinfo { int ifindex; in_addr spec_dst; in_addr addr; }
			return netip.AddrFrom4([4]byte(m.Data[8:12])), true
		case m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_PKTINFO && len(m.Data) >= unix.SizeofInet6Pktinfo:
			return v6Pktinfo(m.Data)
		}
	}
	return netip.Addr{}, false
}

// srcOOB builds the control message that sets the source address of a
// datagram sent on a wildcard socket.
func srcOOB(src netip.Addr) []byte {
	if src.Is4() {
		return unix.PktInfo4(&unix.Inet4Pktinfo{Spec_dst: src.As4()})
	}
	return unix.PktInfo6(&unix.Inet6Pktinfo{Addr: src.As16(), Ifindex: zoneIndex(src)})
}

// v6Pktinfo decodes struct in6_pktinfo { in6_addr addr; uint ifindex; },
// keeping the interface as the zone of link-local addresses.
func v6Pktinfo(b []byte) (netip.Addr, bool) {
	a := netip.AddrFrom16([16]byte(b[:16]))
	if a.IsLinkLocalUnicast() {
		if idx := binary.NativeEndian.Uint32(b[16:20]); idx != 0 {
			a = a.WithZone(strconv.FormatUint(uint64(idx), 10))
		}
	}
	return a.Unmap(), true
}
