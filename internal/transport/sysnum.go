package transport

import (
	"encoding/binary"
	"net/netip"
	"strconv"
)

// sysNumbers are the socket option and control message numbers iked uses
// on one system. They live in OS-neutral code so that the BSD encodings
// are tested on any host (sysnum_test.go); on each system a test also
// compares them with golang.org/x/sys/unix where it has them.
type sysNumbers struct {
	udpEncap         int // UDP_ENCAP, at level IPPROTO_UDP
	udpEncapESPinUDP int // UDP_ENCAP_ESPINUDP (RFC 3948)
	ipIPsecPolicy    int // IP_IPSEC_POLICY
	ipv6IPsecPolicy  int // IPV6_IPSEC_POLICY
	ipRecvDstAddr    int // IP_RECVDSTADDR (BSD): the option and its cmsg type
	ipSendSrcAddr    int // IP_SENDSRCADDR (BSD): cmsg type
	ipv6RecvPktInfo  int // IPV6_RECVPKTINFO
	ipv6PktInfo      int // IPV6_PKTINFO: cmsg type, both ways
	cmsg             cmsgLayout
}

const (
	levelIP   = 0  // IPPROTO_IP
	levelIPv6 = 41 // IPPROTO_IPV6
	levelUDP  = 17 // IPPROTO_UDP (Linux's SOL_UDP has the same value)
)

// bsdNumbers gives the KAME-derived systems' numbers:
//   - FreeBSD netinet/udp.h: UDP_ENCAP 1, UDP_ENCAP_ESPINUDP 2;
//     netinet/in.h: IP_IPSEC_POLICY 21, IP_RECVDSTADDR 7, IP_SENDSRCADDR =
//     IP_RECVDSTADDR; netinet6/in6.h: IPV6_IPSEC_POLICY 28,
//     IPV6_RECVPKTINFO 36, IPV6_PKTINFO 46.
//   - NetBSD netinet/udp.h: UDP_ENCAP 100, UDP_ENCAP_ESPINUDP 2;
//     netinet/in.h: IP_IPSEC_POLICY 22 (21 is IP_ERRORMTU there),
//     IP_RECVDSTADDR 7, IP_SENDSRCADDR = IP_RECVDSTADDR ("FreeBSD
//     compatibility", NetBSD 8 and later); in6.h as FreeBSD's.
//
// Control messages: struct cmsghdr { socklen_t len; int level; int type }
// is 12 bytes, aligned (CMSG_ALIGN) to sizeof(long) = 8 on amd64 and
// arm64, except NetBSD/arm64 whose __ALIGNBYTES gives 16 (as x/sys/unix's
// cmsgAlignOf has it).
func bsdNumbers(goos, goarch string) (sysNumbers, bool) {
	n := sysNumbers{udpEncapESPinUDP: 2, ipRecvDstAddr: 7, ipSendSrcAddr: 7,
		ipv6IPsecPolicy: 28, ipv6RecvPktInfo: 36, ipv6PktInfo: 46, cmsg: cmsgLayout{lenSize: 4, align: 8}}
	switch goos {
	case "freebsd":
		n.udpEncap, n.ipIPsecPolicy = 1, 21
	case "netbsd":
		n.udpEncap, n.ipIPsecPolicy = 100, 22
		if goarch == "arm64" {
			n.cmsg.align = 16
		}
	default:
		return sysNumbers{}, false
	}
	return n, true
}

// cmsgLayout is how a system frames control messages: the header's length
// field is lenSize bytes (socklen_t on the BSDs, size_t on Linux), then two
// ints; the header and each datum start on an align boundary.
type cmsgLayout struct {
	lenSize int
	align   int
}

func (l cmsgLayout) round(n int) int { return (n + l.align - 1) &^ (l.align - 1) }

// hdrLen is CMSG_LEN(0): the aligned header.
func (l cmsgLayout) hdrLen() int { return l.round(l.lenSize + 8) }

// space is CMSG_SPACE(n).
func (l cmsgLayout) space(n int) int { return l.hdrLen() + l.round(n) }

// appendCmsg appends one control message carrying data, padded to
// CMSG_SPACE. Fields are in host order (little-endian on every target).
func (l cmsgLayout) appendCmsg(b []byte, level, typ int, data []byte) []byte {
	start := len(b)
	n := uint64(l.hdrLen() + len(data))
	if l.lenSize == 8 {
		b = binary.NativeEndian.AppendUint64(b, n)
	} else {
		b = binary.NativeEndian.AppendUint32(b, uint32(n))
	}
	b = binary.NativeEndian.AppendUint32(b, uint32(int32(level)))
	b = binary.NativeEndian.AppendUint32(b, uint32(int32(typ)))
	for len(b)-start < l.hdrLen() {
		b = append(b, 0)
	}
	b = append(b, data...)
	for len(b)-start < l.space(len(data)) {
		b = append(b, 0)
	}
	return b
}

// eachCmsg calls fn for each well-formed control message in oob and stops
// at the first malformed one (a kernel never sends one; a fuzzer does).
func (l cmsgLayout) eachCmsg(oob []byte, fn func(level, typ int, data []byte) bool) {
	for len(oob) >= l.hdrLen() {
		var n int
		if l.lenSize == 8 {
			v := binary.NativeEndian.Uint64(oob)
			if v > uint64(len(oob)) {
				return
			}
			n = int(v)
		} else {
			n = int(binary.NativeEndian.Uint32(oob))
		}
		if n < l.hdrLen() || n > len(oob) {
			return
		}
		level := int(int32(binary.NativeEndian.Uint32(oob[l.lenSize:])))
		typ := int(int32(binary.NativeEndian.Uint32(oob[l.lenSize+4:])))
		if !fn(level, typ, oob[l.hdrLen():n]) {
			return
		}
		next := l.space(n - l.hdrLen())
		if next >= len(oob) {
			return
		}
		oob = oob[next:]
	}
}

// appendSrc appends the control message that makes a datagram leave from
// src on a wildcard socket, the BSD way: IP_SENDSRCADDR with a struct
// in_addr for IPv4, IPV6_PKTINFO with a struct in6_pktinfo { in6_addr;
// u_int ifindex } (RFC 3542 section 6.1; 0: let the kernel pick) for IPv6.
func (n sysNumbers) appendSrc(b []byte, src netip.Addr, ifindex uint32) []byte {
	if src.Is4() {
		a := src.As4()
		return n.cmsg.appendCmsg(b, levelIP, n.ipSendSrcAddr, a[:])
	}
	var pi [20]byte
	a := src.As16()
	copy(pi[:], a[:])
	binary.NativeEndian.PutUint32(pi[16:], ifindex)
	return n.cmsg.appendCmsg(b, levelIPv6, n.ipv6PktInfo, pi[:])
}

// parseDst finds a datagram's destination address: IP_RECVDSTADDR's struct
// in_addr or IPV6_PKTINFO's struct in6_pktinfo, whose interface becomes
// the zone of a link-local address.
func (n sysNumbers) parseDst(oob []byte) (netip.Addr, bool) {
	var dst netip.Addr
	n.cmsg.eachCmsg(oob, func(level, typ int, d []byte) bool {
		switch {
		case level == levelIP && typ == n.ipRecvDstAddr && len(d) >= 4:
			dst = netip.AddrFrom4([4]byte(d[:4]))
		case level == levelIPv6 && typ == n.ipv6PktInfo && len(d) >= 20:
			a := netip.AddrFrom16([16]byte(d[:16]))
			if idx := binary.NativeEndian.Uint32(d[16:20]); idx != 0 && a.IsLinkLocalUnicast() {
				a = a.WithZone(strconv.FormatUint(uint64(idx), 10))
			}
			dst = a.Unmap()
		default:
			return true
		}
		return false
	})
	return dst, dst.IsValid()
}

// bypassPolicy is the struct sadb_x_policy given to IP_IPSEC_POLICY or
// IPV6_IPSEC_POLICY for a per-socket IPsec bypass in direction dir
// (IPSEC_DIR_INBOUND 1, IPSEC_DIR_OUTBOUND 2): length 2 (64-bit words),
// SADB_X_EXT_POLICY 18, IPSEC_POLICY_BYPASS 4. Linux, FreeBSD and NetBSD
// share the layout (sys/net/pfkeyv2.h, linux/pfkeyv2.h).
func bypassPolicy(dir uint8) [16]byte {
	var p [16]byte
	binary.NativeEndian.PutUint16(p[0:], 2)
	binary.NativeEndian.PutUint16(p[2:], 18)
	binary.NativeEndian.PutUint16(p[4:], 4)
	p[6] = dir
	return p
}
