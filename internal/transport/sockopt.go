package transport

import (
	"context"
	"syscall"
)

var bg = context.Background()

type syscallConn = syscall.RawConn

// sockOpts are the options a socket needs besides the bind itself.
type sockOpts struct {
	v6      bool
	natt    bool // UDP_ENCAP_ESPINUDP (IPv4, as racoon2)
	pktinfo bool // learn the destination address (wildcard sockets)
	bypass  bool // per-socket IPsec bypass policy, both directions
}
