//go:build freebsd || netbsd

package transport

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// KAME numbers, the same on FreeBSD and NetBSD.
const (
	ipIPsecPolicy   = 21 // IP_IPSEC_POLICY
	ipv6IPsecPolicy = 28 // IPV6_IPSEC_POLICY
)

// setOpts applies o to fd; see the Linux version. BSD reports the IPv4
// destination with IP_RECVDSTADDR.
func setOpts(fd uintptr, o sockOpts) (fatal, warn error) {
	s := int(fd)
	if o.pktinfo {
		if o.v6 {
			fatal = unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1)
		} else {
			fatal = unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_RECVDSTADDR, 1)
		}
		if fatal != nil {
			return fatal, nil
		}
	}
	if o.natt && !o.v6 {
		if err := unix.SetsockoptInt(s, unix.IPPROTO_UDP, udpEncap, udpEncapESPinUDP); err != nil {
			warn = errors.Join(warn, err)
		}
	}
	if o.bypass {
		warn = errors.Join(warn, setBypass(s, o.v6))
	}
	return nil, warn
}

func parseDst(oob []byte) (netip.Addr, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return netip.Addr{}, false
	}
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_RECVDSTADDR && len(m.Data) >= 4:
			return netip.AddrFrom4([4]byte(m.Data[:4])), true
		case m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_PKTINFO && len(m.Data) >= unix.SizeofInet6Pktinfo:
			a := netip.AddrFrom16([16]byte(m.Data[:16]))
			if a.IsLinkLocalUnicast() {
				if idx := binary.NativeEndian.Uint32(m.Data[16:20]); idx != 0 {
					a = a.WithZone(strconv.FormatUint(uint64(idx), 10))
				}
			}
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// srcOOB sets the source address: IPV6_PKTINFO for IPv6 and, where the
// system has it, IP_SENDSRCADDR for IPv4 (NetBSD: none; the kernel picks).
func srcOOB(src netip.Addr) []byte {
	if src.Is4() {
		if ipSendSrcAddr == 0 {
			return nil
		}
		b := make([]byte, unix.CmsgSpace(4))
		h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
		h.Level = unix.IPPROTO_IP
		h.Type = ipSendSrcAddr
		h.SetLen(unix.CmsgLen(4))
		a := src.As4()
		copy(b[unix.CmsgLen(0):], a[:])
		return b
	}
	b := make([]byte, unix.CmsgSpace(unix.SizeofInet6Pktinfo))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level = unix.IPPROTO_IPV6
	h.Type = unix.IPV6_PKTINFO
	h.SetLen(unix.CmsgLen(unix.SizeofInet6Pktinfo))
	d := b[unix.CmsgLen(0):]
	a := src.As16()
	copy(d, a[:])
	binary.NativeEndian.PutUint32(d[16:], zoneIndex(src))
	return b
}
