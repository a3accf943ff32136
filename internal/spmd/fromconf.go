package spmd

import (
	"log/slog"

	"github.com/racoon2go/iked/internal/conf"
	"github.com/racoon2go/iked/internal/ike"
)

// FromConf builds spmd's view of a loaded racoon2.conf (reference section
// 9.2.1): every selector in order, with the first src and dst entry, the
// ports, the upper-layer protocol, the reqid, and its policy with the SA
// set of the policy's first ipsec.
func FromConf(c *conf.Config, log *slog.Logger) *StaticConfig {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if c.Resolver.Enable.On() {
		log.Warn("resolver on: the DNS proxy is not built; FQDN selectors get no policy")
	}
	pols := map[*conf.Policy]*Policy{}
	sels := make([]*Selector, 0, len(c.Selectors))
	for _, cs := range c.Selectors {
		s := &Selector{Index: cs.Name, ReqID: cs.Reqid, Tagged: cs.Tagged, Src: Addr{Bits: -1}, Dst: Addr{Bits: -1}}
		switch cs.Direction {
		case conf.DirOutbound:
			s.Dir = ike.DirOut
		case conf.DirInbound:
			s.Dir = ike.DirIn
		}
		if len(cs.Src) > 0 {
			s.Src, s.SrcPort = fromAddr(cs.Src[0]), cs.Src[0].Port
		}
		if len(cs.Dst) > 0 {
			s.Dst, s.DstPort = fromAddr(cs.Dst[0]), cs.Dst[0].Port
		}
		if len(cs.Src) > 1 || len(cs.Dst) > 1 {
			log.Warn("selector has several addresses: only the first is used", "selector", cs.Name)
		}
		if cs.ULP != conf.ProtoAny {
			s.Proto = cs.ULP
		}
		if cs.Policy != nil {
			p, ok := pols[cs.Policy]
			if !ok {
				p = fromPolicy(c, cs.Policy)
				pols[cs.Policy] = p
			}
			s.Policy = p
		}
		sels = append(sels, s)
	}
	return NewStaticConfig(sels)
}

func fromAddr(a conf.Address) Addr {
	switch a.Kind {
	case conf.AddrIP:
		return Addr{Prefix: a.Prefix, Bits: -1}
	case conf.AddrMacro:
		return Addr{Macro: a.Name, Bits: -1}
	case conf.AddrFQDN:
		return Addr{FQDN: a.Name, Bits: -1}
	}
	return Addr{Bits: -1}
}

func fromPolicy(c *conf.Config, cp *conf.Policy) *Policy {
	p := &Policy{Index: cp.Name, RemoteIndex: cp.RemoteIndex, Install: cp.Install != conf.Off, Action: cp.Action}
	switch cp.IPsecMode {
	case conf.ModeTransport:
		p.Mode = ike.ModeTransport
	case conf.ModeTunnel:
		p.Mode = ike.ModeTunnel
	}
	switch cp.IPsecLevel {
	case conf.LevelUnique:
		p.Level = ike.LevelUnique
	case conf.LevelRequire:
		p.Level = ike.LevelRequire
	case conf.LevelUse:
		p.Level = ike.LevelUse
	}
	if len(cp.IPsecs) > 0 && cp.IPsecs[0] != nil {
		for _, sa := range cp.IPsecs[0].SAs {
			switch sa.Protocol {
			case conf.SAProtoESP:
				p.Protos = append(p.Protos, ike.ProtoESP)
			case conf.SAProtoAH:
				p.Protos = append(p.Protos, ike.ProtoAH)
			case conf.SAProtoIPComp:
				p.Protos = append(p.Protos, ike.ProtoIPComp)
			}
		}
	}
	p.MySA, p.PeersSA = Addr{Bits: -1}, Addr{Bits: -1}
	if len(cp.MySAIPAddr) > 0 {
		p.MySA = fromAddr(cp.MySAIPAddr[0])
	}
	if len(cp.PeersSAIPAddr) > 0 {
		p.PeersSA = fromAddr(cp.PeersSAIPAddr[0])
	}
	// racoon2 looks for an IKEv2 address pool on the policy's remote, or
	// on the default remote when the remote is unknown.
	r := cp.Remote
	if r == nil {
		r = c.DefaultRemote
	}
	if r != nil && r.IKEv2 != nil && r.IKEv2.Provide != nil && r.IKEv2.Provide.AddressPool != "" {
		p.AddressPool = true
	}
	return p
}
