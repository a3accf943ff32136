package spmd

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// spec is what one kernel policy is built from.
type spec struct {
	sel              *Selector // whose policy gives action, mode, level, SAs, reqid, proto, dir
	src, dst         netip.Prefix
	srcPort, dstPort uint16
	saSrc, saDst     netip.Addr // tunnel endpoints; may be invalid for transport
	lifetime         time.Duration
}

var errNoPolicy = errors.New("selector has no policy")

// build makes the kernel policy of s (racoon2 if_pfkeyv2.c's SPDUPDATE,
// reference section 9.3.3): priority 0, the policy's action, and for
// auto_ipsec one template per SA of the first ipsec, in racoon2's order.
func build(s spec) (*ike.Policy, error) {
	pl := s.sel.Policy
	if pl == nil {
		return nil, errNoPolicy
	}
	if s.sel.Dir != ike.DirIn && s.sel.Dir != ike.DirOut {
		return nil, fmt.Errorf("selector %s: no direction", s.sel.Index)
	}
	p := &ike.Policy{
		Selector: ike.Selector{
			Src: s.src, Dst: s.dst, Proto: s.sel.Proto,
			SrcPort: s.srcPort, DstPort: s.dstPort,
		},
		Dir:      s.sel.Dir,
		Lifetime: ike.Lifetime{HardTime: s.lifetime},
	}
	switch pl.Action {
	case ActionDiscard:
		p.Action = ike.ActionDiscard
		return p, nil
	case ActionNone:
		p.Action = ike.ActionBypass
		return p, nil
	case ActionAutoIPsec:
		p.Action = ike.ActionIPsec
	default:
		return nil, fmt.Errorf("policy %s: invalid pltype (action must be auto_ipsec, discard or none)", pl.Index)
	}
	if pl.Level == 0 {
		return nil, fmt.Errorf("policy %s: seclevel=0 not supported (no ipsec_level)", pl.Index)
	}
	if pl.Mode != ike.ModeTransport && pl.Mode != ike.ModeTunnel {
		return nil, fmt.Errorf("policy %s: samode=0 not supported (no ipsec_mode)", pl.Index)
	}
	order, err := requestOrder(pl.Protos)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", pl.Index, err)
	}
	if pl.Mode == ike.ModeTunnel && (!s.saSrc.IsValid() || !s.saDst.IsValid()) {
		return nil, fmt.Errorf("policy %s: tunnel mode without SA addresses", pl.Index)
	}
	for i, proto := range order {
		t := ike.Template{Proto: proto, Mode: ike.ModeTransport, Level: pl.Level, ReqID: s.sel.ReqID}
		if i == 0 && pl.Mode == ike.ModeTunnel {
			t.Mode, t.Src, t.Dst = ike.ModeTunnel, s.saSrc, s.saDst
		}
		p.Templates = append(p.Templates, t)
	}
	return p, nil
}

// requestOrder is racoon2's ipsecrequest order (inner first): ESP, then
// IPComp, then AH; in tunnel mode the first one carries the tunnel. We
// keep it, IPComp outside ESP included, so that a kernel SPD looks the
// same under either spmd.
func requestOrder(protos []ike.Proto) ([]ike.Proto, error) {
	var have [3]bool
	for _, p := range protos {
		i := -1
		switch p {
		case ike.ProtoESP:
			i = 0
		case ike.ProtoIPComp:
			i = 1
		case ike.ProtoAH:
			i = 2
		default:
			return nil, fmt.Errorf("SA protocol %v not allowed", p)
		}
		if have[i] {
			return nil, fmt.Errorf("multiple %v SAs", p)
		}
		have[i] = true
	}
	var out []ike.Proto
	for i, p := range []ike.Proto{ike.ProtoESP, ike.ProtoIPComp, ike.ProtoAH} {
		if have[i] {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no SA in the policy's ipsec")
	}
	return out, nil
}

// policyMode is the mode the kernel reports for p: the first template's,
// or transport for discard and bypass policies (racoon2 forces it).
func policyMode(p *ike.Policy) ike.Mode {
	if len(p.Templates) == 0 {
		return ike.ModeTransport
	}
	return p.Templates[0].Mode
}

// tunnelEnds returns p's tunnel endpoints, if it has a tunnel template.
func tunnelEnds(p *ike.Policy) (src, dst netip.Addr, ok bool) {
	for _, t := range p.Templates {
		if t.Mode == ike.ModeTunnel {
			return t.Src, t.Dst, true
		}
	}
	return netip.Addr{}, netip.Addr{}, false
}

// bootPrefix turns a selector side into the prefix of a boot-time policy
// (reference section 9.3.3): numeric as written (host bits kept), IP_ANY
// and IP_RW as the unspecified address of the other side's family.
func bootPrefix(a, other Addr) (netip.Prefix, error) {
	if a.Numeric() {
		return a.Prefix, nil
	}
	switch a.Macro {
	case "IP_ANY", "IP_RW":
		if !other.Numeric() {
			return netip.Prefix{}, fmt.Errorf("macro %s with no numeric other side", a.Macro)
		}
		un := netip.IPv4Unspecified()
		if other.Prefix.Addr().Is6() {
			un = netip.IPv6Unspecified()
		}
		bits := 0
		if a.Bits > 0 && a.Bits <= un.BitLen() {
			bits = a.Bits
		}
		return netip.PrefixFrom(un, bits), nil
	case "":
		return netip.Prefix{}, errors.New("FQDN selectors need the resolver")
	}
	return netip.Prefix{}, fmt.Errorf("macro %s not supported", a.Macro)
}

// saAddr resolves a configured tunnel endpoint: a literal as is, IP_ANY as
// the unspecified address of the traffic's family (racoon2 took the first
// expansion, "::", whatever the family).
func saAddr(a Addr, family netip.Addr, what string) (netip.Addr, error) {
	switch {
	case a.Numeric():
		return a.Prefix.Addr(), nil
	case a.Macro == "IP_ANY":
		if family.Is4() {
			return netip.IPv4Unspecified(), nil
		}
		return netip.IPv6Unspecified(), nil
	case a.Macro != "":
		return netip.Addr{}, fmt.Errorf("%s %s not supported", what, a.Macro)
	case a.FQDN != "":
		return netip.Addr{}, fmt.Errorf("%s %s: FQDN not allowed", what, a.FQDN)
	}
	return netip.Addr{}, fmt.Errorf("no %s", what)
}

// bootSpec builds the boot-time spec of a selector, or says why it has none.
func bootSpec(s *Selector) (spec, error) {
	src, err := bootPrefix(s.Src, s.Dst)
	if err != nil {
		return spec{}, err
	}
	dst, err := bootPrefix(s.Dst, s.Src)
	if err != nil {
		return spec{}, err
	}
	sp := spec{sel: s, src: src, dst: dst, srcPort: s.SrcPort, dstPort: s.DstPort}
	if pl := s.Policy; pl.Action == ActionAutoIPsec && pl.Mode == ike.ModeTunnel {
		my, err := saAddr(pl.MySA, src.Addr(), "my_sa_ipaddr")
		if err != nil {
			return spec{}, err
		}
		peer, err := saAddr(pl.PeersSA, src.Addr(), "peers_sa_ipaddr")
		if err != nil {
			return spec{}, err
		}
		sp.saSrc, sp.saDst = my, peer
		if s.Dir == ike.DirIn {
			sp.saSrc, sp.saDst = peer, my
		}
	}
	return sp, nil
}
