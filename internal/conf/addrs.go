package conf

import (
	"errors"
	"net"
	"net/netip"
)

var errNotRegular = errors.New("not a regular file")

// hostAddrs lists the addresses of the host's interfaces.
func hostAddrs() ([]IfaceAddr, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []IfaceAddr
	for _, ifc := range ifs {
		as, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range as {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ad, ok := netip.AddrFromSlice(ipn.IP)
			if !ok {
				continue
			}
			out = append(out, IfaceAddr{Iface: ifc.Name, Addr: ad.Unmap()})
		}
	}
	return out, nil
}

// macroMatch tells whether an interface address belongs to a MY_IP*
// macro (the interface filter is applied by the caller).
func macroMatch(macro string, a netip.Addr) bool {
	switch macro {
	case "MY_IP":
		return true
	case "MY_IPV4":
		return a.Is4()
	case "MY_IPV6":
		return a.Is6()
	case "MY_IPV6_GLOBAL":
		return a.Is6() && a.IsGlobalUnicast() && !a.IsLinkLocalUnicast()
	case "MY_IPV6_LINKLOCAL":
		return a.Is6() && a.IsLinkLocalUnicast()
	}
	return false
}
