package ikev2

import "net/netip"

// cpLease is what a configuration payload exchange gave (RFC 7296 2.19):
// on a responder the addresses leased from an addresspool, on an
// initiator the addresses and servers the responder assigned.
type cpLease struct {
	addr4, addr6 netip.Addr
	dns4, dns6   []netip.Addr
	dhcp4, dhcp6 []netip.Addr
	appVersion   string
}
