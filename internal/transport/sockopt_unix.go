//go:build linux || freebsd || netbsd

package transport

import (
	"errors"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// setBypass installs KAME-style per-socket policies that let IKE traffic
// bypass IPsec in both directions: struct sadb_x_policy with
// type IPSEC_POLICY_BYPASS (RFC 2367 extension numbering). It needs
// privilege; a non-root daemon gets a warning.
func setBypass(s int, v6 bool) error {
	level, opt := unix.IPPROTO_IP, ipIPsecPolicy
	if v6 {
		level, opt = unix.IPPROTO_IPV6, ipv6IPsecPolicy
	}
	var errs []error
	for _, dir := range []uint8{1, 2} { // IPSEC_DIR_INBOUND, IPSEC_DIR_OUTBOUND
		p := bypassPolicy(dir)
		if err := unix.SetsockoptString(s, level, opt, string(p[:])); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.New("IPsec bypass policy: " + errs[0].Error())
	}
	return nil
}

// zoneIndex turns a zone (an interface name or number) into its index.
func zoneIndex(a netip.Addr) uint32 {
	z := a.Zone()
	if z == "" {
		return 0
	}
	if n, err := strconv.ParseUint(z, 10, 32); err == nil {
		return uint32(n)
	}
	if ifi, err := net.InterfaceByName(z); err == nil {
		return uint32(ifi.Index)
	}
	return 0
}
