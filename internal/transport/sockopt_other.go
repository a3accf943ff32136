//go:build !linux && !freebsd && !netbsd

package transport

import (
	"errors"
	"net/netip"
)

// Elsewhere the sockets work without the options: no NAT-T encapsulation,
// no bypass, and wildcard sockets report their own (unspecified) address.
func setOpts(_ uintptr, o sockOpts) (fatal, warn error) {
	if o.natt || o.bypass {
		warn = errors.New("NAT-T encapsulation and IPsec bypass are not supported on this system")
	}
	return nil, warn
}

func parseDst([]byte) (netip.Addr, bool) { return netip.Addr{}, false }

func srcOOB(netip.Addr) []byte { return nil }
