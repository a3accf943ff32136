//go:build freebsd || netbsd

package transport

import (
	"errors"
	"net/netip"
	"runtime"

	"golang.org/x/sys/unix"
)

// sys holds this system's numbers (sysnum.go).
var sys = func() sysNumbers {
	n, ok := bsdNumbers(runtime.GOOS, runtime.GOARCH)
	if !ok {
		panic("transport: no socket numbers for " + runtime.GOOS)
	}
	return n
}()

// The per-socket policy options setBypass uses (sockopt_unix.go).
var ipIPsecPolicy, ipv6IPsecPolicy = sys.ipIPsecPolicy, sys.ipv6IPsecPolicy

// setOpts applies o to fd; see the Linux version. The BSDs report the IPv4
// destination with IP_RECVDSTADDR, and turn on ESP-in-UDP decapsulation
// with UDP_ENCAP at level IPPROTO_UDP (FreeBSD's udp_ctloutput, NetBSD's
// udp_ctloutput), IPv4 sockets only, as racoon2.
func setOpts(fd uintptr, o sockOpts) (fatal, warn error) {
	s := int(fd)
	if o.pktinfo {
		if o.v6 {
			fatal = unix.SetsockoptInt(s, levelIPv6, sys.ipv6RecvPktInfo, 1)
		} else {
			fatal = unix.SetsockoptInt(s, levelIP, sys.ipRecvDstAddr, 1)
		}
		if fatal != nil {
			return fatal, nil
		}
	}
	if o.natt && !o.v6 {
		if err := unix.SetsockoptInt(s, levelUDP, sys.udpEncap, sys.udpEncapESPinUDP); err != nil {
			warn = errors.Join(warn, err)
		}
	}
	if o.bypass {
		warn = errors.Join(warn, setBypass(s, o.v6))
	}
	return nil, warn
}

func parseDst(oob []byte) (netip.Addr, bool) { return sys.parseDst(oob) }

func srcOOB(src netip.Addr) []byte {
	return sys.appendSrc(make([]byte, 0, sys.cmsg.space(20)), src, zoneIndex(src))
}
