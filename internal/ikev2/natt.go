package ikev2

import (
	"net/netip"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// NAT traversal, part 2 (RFC 7296 2.23, RFC 3948 2.3): keepalives while we
// are behind a NAT. Detection, the float to port 4500 and following the
// peer's address are in task_init.go and recv.go.

// defaultNATKeepalive is racoon2's natk_interval default.
const defaultNATKeepalive = 20 * time.Second

// SetNATKeepalive sets natk_interval; 0 or less restores the default.
func (e *Engine) SetNATKeepalive(d time.Duration) { e.ext.natk = d }

func (e *Engine) natkInterval() time.Duration {
	if e.ext.natk > 0 {
		return e.ext.natk
	}
	return defaultNATKeepalive
}

// armKeepalive schedules the next keepalive of sa when we are behind a
// NAT; the one timer heap carries it, keyed by the IKE SA.
func (e *Engine) armKeepalive(sa *IKESA) {
	if sa.natLocal && sa.state == stateEstablished {
		e.o.Sched.Schedule(e.now().Add(e.natkInterval()), ike.TimerKey{Kind: timerNATKeepalive, SPI: sa.ourSPI()})
	}
}

// natKeepalive is the one-octet 0xFF datagram of RFC 3948 2.3.
var natKeepalive = []byte{0xff}

// keepalive sends a NAT keepalive from our NAT-T port and re-arms.
func (e *Engine) keepalive(sa *IKESA) {
	if !sa.natLocal || sa.state != stateEstablished {
		return
	}
	e.ext.stats.Keepalives++
	local := sa.local
	if local.Port() != ike.PortNATT {
		local = netip.AddrPortFrom(local.Addr(), ike.PortNATT)
	}
	if err := e.o.Conn.Send(ike.Packet{Local: local, Remote: sa.remote, Data: natKeepalive}); err != nil {
		sa.log.Debug("NAT keepalive not sent", "err", err)
	}
	e.armKeepalive(sa)
}

// peerMoved reacts to a NAT mapping that changed under an established IKE
// SA (RFC 7296 2.23): the UDP-encapsulated children still name the old
// port, or the old address, so they are rekeyed, and the new SAs carry
// the new ones. (RFC 7296 leaves the means open; a rekey needs nothing of
// the kernel but AddSA.) The old SAs are deleted with the addresses they
// were installed with (childSA.addrs), once their replacements are in.
// Policies announced to spmd that name the old tunnel endpoint follow at
// once (followPolicies): traffic must go to the new one.
func (e *Engine) peerMoved(sa *IKESA) {
	if sa.state != stateEstablished {
		return
	}
	e.followPolicies(sa) // rwpolicy.go
	nat := sa.natLocal || sa.natRemote
	for _, c := range sa.children {
		if nat || c.moved(sa) {
			e.rekeyChild(sa, c)
		}
	}
}

// addrs returns the addresses c's kernel SAs were installed with: those
// of its IKE SA may have moved since (peerMoved), and a kernel SA is
// named by the addresses it was added with.
func (c *childSA) addrs(sa *IKESA) (local, peer netip.Addr) {
	if c.local.IsValid() {
		return c.local, c.peer
	}
	return saAddrs(sa, c.cfg, c.mode)
}

// completeLarval completes the inbound SA that GetSPI reserved as larval
// at the addresses in larval (unset: the SA's own). When the IKE SA moved
// in between (a rekey in flight across peerMoved), the larval SA names
// the old addresses: it is deleted and the SA added at the new ones with
// the same SPI, which the peer already has.
func (e *Engine) completeLarval(in *ike.SA, larval ike.SAID) error {
	if !larval.Src.IsValid() || larval.Src == in.Src && larval.Dst == in.Dst {
		return e.o.Kernel.UpdateSA(in)
	}
	_ = e.o.Kernel.DeleteSA(larval)
	return e.o.Kernel.AddSA(in)
}

// moved reports whether c's kernel SAs name other addresses than sa
// would give a new child now.
func (c *childSA) moved(sa *IKESA) bool {
	local, peer := saAddrs(sa, c.cfg, c.mode)
	return c.installed && (local != c.local || peer != c.peer)
}
