package main

import (
	"net"
	"net/netip"

	"github.com/racoon2go/iked/internal/conf"
	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ikev2"
)

func init() { engineMakers = append(engineMakers, newIKEv2) }

// newIKEv2 builds the IKEv2 engine from the remotes that have an ikev2{}
// block.
func newIKEv2(cfg *config, env ike.Env) (ike.Engine, error) {
	ic, err := cfg.Conf.IKEConfig(conf.KMPIKEv2, conf.IKEOptions{Port: env.DestPort})
	if err != nil {
		return nil, err
	}
	if len(ic.Peers) == 0 && ic.Default == nil {
		return nil, nil // no ikev2{} anywhere: datagrams stay engine-less
	}
	if cfg.NoByteLifetimes {
		for _, ch := range ic.Children {
			ch.Lifetime.SoftBytes, ch.Lifetime.HardBytes = 0, 0
		}
	}
	e, err := ikev2.New(ikev2.Options{
		Config:     ic,
		Sched:      env.Clock,
		Exec:       env.Exec,
		Conn:       env.Conn,
		Kernel:     env.Kernel,
		Policy:     env.Policy,
		Log:        env.Log,
		LocalAddr:  localAddrFunc(cfg.Listen),
		LocalPort:  env.LocalPort,
		DebugSPMIF: env.Policy == nil,
		Capture:    env.Capture,
	})
	if err != nil {
		return nil, err
	}
	ikev2Ext(e, cfg.Conf, env.Log) // hooks, configuration payload (ikev2_ext.go)
	return e, nil
}

// localAddrFunc picks our address toward a peer: the listening address of
// its family when interface{ike} names exactly one, else the source
// address the routing table gives (a connected UDP socket, nothing sent).
func localAddrFunc(listen []netip.AddrPort) func(netip.Addr) netip.Addr {
	return func(peer netip.Addr) netip.Addr {
		var found netip.Addr
		n := 0
		for _, l := range listen {
			a := l.Addr().Unmap()
			if a.Is4() == peer.Unmap().Is4() && !a.IsUnspecified() {
				found = a
				n++
			}
		}
		if n == 1 {
			return found
		}
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(peer, ike.PortIKE)))
		if err != nil {
			return netip.Addr{}
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
	}
}
