//go:build freebsd || netbsd

package transport

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// On a BSD, the table agrees with x/sys/unix wherever x/sys has the
// constant (it has no UDP_ENCAP for the BSDs, nor NetBSD's
// IP_SENDSRCADDR), and the framing with its CMSG_LEN/CMSG_SPACE.
func TestNumbersMatchSystem(t *testing.T) {
	n := sys
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"IP_IPSEC_POLICY", n.ipIPsecPolicy, unix.IP_IPSEC_POLICY},
		{"IPV6_IPSEC_POLICY", n.ipv6IPsecPolicy, unix.IPV6_IPSEC_POLICY},
		{"IP_RECVDSTADDR", n.ipRecvDstAddr, unix.IP_RECVDSTADDR},
		{"IPV6_RECVPKTINFO", n.ipv6RecvPktInfo, unix.IPV6_RECVPKTINFO},
		{"IPV6_PKTINFO", n.ipv6PktInfo, unix.IPV6_PKTINFO},
		{"IPPROTO_UDP", levelUDP, unix.IPPROTO_UDP},
		{"IPPROTO_IPV6", levelIPv6, unix.IPPROTO_IPV6},
		{"CMSG_LEN(20)", n.cmsg.hdrLen() + 20, unix.CmsgLen(20)},
		{"CMSG_SPACE(4)", n.cmsg.space(4), unix.CmsgSpace(4)},
		{"CMSG_SPACE(20)", n.cmsg.space(20), unix.CmsgSpace(20)},
	} {
		if c.got != c.want {
			t.Errorf("%s/%s %s: %d, x/sys %d", runtime.GOOS, runtime.GOARCH, c.name, c.got, c.want)
		}
	}
}
