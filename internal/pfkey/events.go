package pfkey

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// AcquireEvent turns a kernel SADB_ACQUIRE into an ike.Acquire. As racoon2
// does (reference section 4.3), it needs both addresses and the policy
// extension, and refuses a non-IPsec policy or a multicast destination.
// Linux does not carry the selector or mode in an ACQUIRE: PolicyID is the
// way to the selector (spmd's SLID).
func AcquireEvent(m *Msg) (*ike.Acquire, error) {
	if m.Src == nil || m.Dst == nil || m.Policy == nil {
		return nil, errors.New("ACQUIRE without addresses or policy")
	}
	if m.Policy.Type != PolicyIPsec {
		return nil, fmt.Errorf("ACQUIRE for policy type %d", m.Policy.Type)
	}
	dst := m.Dst.Addr.Addr()
	if dst.IsMulticast() {
		return nil, fmt.Errorf("ACQUIRE for multicast %v", dst)
	}
	a := &ike.Acquire{
		Seq:      m.Seq,
		PolicyID: m.Policy.ID,
		Src:      m.Src.Addr.Addr(),
		Dst:      dst,
		Proto:    ProtoOf(m.SAType),
	}
	if len(m.Policy.Requests) > 0 {
		r := m.Policy.Requests[0]
		a.Mode, a.ReqID = ikeMode(r.Mode), r.ReqID
	}
	if m.SA2 != nil {
		a.Mode, a.ReqID = ikeMode(m.SA2.Mode), m.SA2.ReqID
	}
	return a, nil
}

// ExpireEvent turns a kernel SADB_EXPIRE into an ike.Expire: hard when the
// hard lifetime is present, soft otherwise. Allocations and Bytes come
// from the current lifetime; racoon2 ignores a soft expire with no
// allocations (Linux sends it for SAs never used): the engine applies that
// rule with these fields.
func ExpireEvent(m *Msg) (*ike.Expire, error) {
	if m.SA == nil || m.Src == nil || m.Dst == nil {
		return nil, errors.New("EXPIRE without SA or addresses")
	}
	if m.Hard == nil && m.Soft == nil {
		return nil, errors.New("EXPIRE without hard or soft lifetime")
	}
	e := &ike.Expire{
		SAID: ike.SAID{Src: m.Src.Addr.Addr(), Dst: m.Dst.Addr.Addr(),
			Proto: ProtoOf(m.SAType), SPI: m.SA.SPI},
		Hard: m.Hard != nil,
	}
	if c := m.Current; c != nil {
		e.Bytes, e.Allocations = c.Bytes, c.Allocations
	}
	return e, nil
}

// MigrateEvent turns an SADB_X_MIGRATE into an ike.Migrate: the selector
// from the addresses, then (old, new) pairs of ipsecrequests; the first pair
// gives the endpoints.
func MigrateEvent(m *Msg) (*ike.Migrate, error) {
	if m.Src == nil || m.Dst == nil || m.Policy == nil {
		return nil, errors.New("MIGRATE without addresses or policy")
	}
	rq := m.Policy.Requests
	if len(rq) < 2 || len(rq)%2 != 0 {
		return nil, fmt.Errorf("MIGRATE with %d ipsecrequests", len(rq))
	}
	ev := &ike.Migrate{
		Selector: selectorOf(m.Src, m.Dst),
		Dir:      ikeDir(m.Policy.Dir),
		ReqID:    rq[0].ReqID,
		OldSrc:   rq[0].Src.Addr(), OldDst: rq[0].Dst.Addr(),
		NewSrc: rq[1].Src.Addr(), NewDst: rq[1].Dst.Addr(),
	}
	return ev, nil
}

func selectorOf(src, dst *Address) ike.Selector {
	s := ike.Selector{SrcPort: src.Addr.Port(), DstPort: dst.Addr.Port()}
	if p, err := src.Addr.Addr().Prefix(int(src.PrefixLen)); err == nil {
		s.Src = p
	}
	if p, err := dst.Addr.Addr().Prefix(int(dst.PrefixLen)); err == nil {
		s.Dst = p
	}
	if src.Proto != ProtoAny {
		s.Proto = src.Proto
	}
	return s
}

func dirOf(d ike.Dir) uint8 {
	switch d {
	case ike.DirIn:
		return DirInbound
	case ike.DirOut:
		return DirOutbound
	case ike.DirFwd:
		return DirFwd
	}
	return DirAny
}

func ikeDir(d uint8) ike.Dir {
	switch d {
	case DirInbound:
		return ike.DirIn
	case DirOutbound:
		return ike.DirOut
	case DirFwd:
		return ike.DirFwd
	}
	return 0
}

func selAddress(p netip.Prefix, port uint16, proto uint8) (*Address, error) {
	if !p.IsValid() {
		return nil, errors.New("selector without address")
	}
	if proto == 0 {
		proto = ProtoAny
	}
	return &Address{Proto: proto, PrefixLen: uint8(p.Bits()), Addr: netip.AddrPortFrom(p.Addr(), port)}, nil
}

// selAddresses is a selector's source and destination as PF_KEY
// addresses.
func selAddresses(s *ike.Selector) (src, dst *Address, err error) {
	if src, err = selAddress(s.Src, s.SrcPort, s.Proto); err != nil {
		return nil, nil, err
	}
	if dst, err = selAddress(s.Dst, s.DstPort, s.Proto); err != nil {
		return nil, nil, err
	}
	return src, dst, nil
}

// PolicyMsg builds an SPDADD, SPDUPDATE or SPDDELETE for p as racoon2's
// spmd does (reference section 9.3.3): SA2 with the mode and reqid of the
// first template, the selector as addresses, an optional hard lifetime,
// then the policy with its ipsecrequests.
func PolicyMsg(t MsgType, p *ike.Policy) (*Msg, error) {
	src, dst, err := selAddresses(&p.Selector)
	if err != nil {
		return nil, err
	}
	if p.Dir == ike.DirFwd && !native.fwd {
		return nil, fmt.Errorf("fwd policies exist on Linux only, not %s: %w", native.name, syscall.EOPNOTSUPP)
	}
	pol := &Policy{Dir: dirOf(p.Dir), Priority: p.Priority}
	sa2 := &SA2{Mode: ModeTransport}
	switch p.Action {
	case ike.ActionIPsec:
		pol.Type = PolicyIPsec
		if len(p.Templates) == 0 {
			return nil, fmt.Errorf("IPsec policy without templates: %w", syscall.EINVAL)
		}
		for _, tp := range p.Templates {
			r := Request{Proto: uint16(tp.Proto), Mode: modeOf(tp.Mode), Level: levelOf(tp.Level), ReqID: tp.ReqID}
			if tp.Mode == ike.ModeTunnel {
				if !tp.Src.IsValid() || !tp.Dst.IsValid() {
					return nil, fmt.Errorf("tunnel template without endpoints: %w", syscall.EINVAL)
				}
				r.Src, r.Dst = netip.AddrPortFrom(tp.Src, 0), netip.AddrPortFrom(tp.Dst, 0)
			}
			pol.Requests = append(pol.Requests, r)
		}
		sa2.Mode, sa2.ReqID = modeOf(p.Templates[0].Mode), p.Templates[0].ReqID
		if err := checkReqID(sa2.ReqID); err != nil {
			return nil, err
		}
	case ike.ActionBypass:
		pol.Type = PolicyNone
	case ike.ActionDiscard:
		pol.Type = PolicyDiscard
	default:
		return nil, fmt.Errorf("policy action %d: %w", p.Action, syscall.EINVAL)
	}
	m := &Msg{Type: t, SA2: sa2, Src: src, Dst: dst, Policy: pol}
	if t != XSPDDelete {
		if l := p.Lifetime; l.HardTime > 0 || l.HardBytes > 0 {
			m.Hard = &Lifetime{Bytes: l.HardBytes, AddTime: uint64(l.HardTime / time.Second)}
		}
	}
	return m, nil
}

func levelOf(l ike.Level) uint8 {
	switch l {
	case ike.LevelUse:
		return LevelUse
	case ike.LevelUnique:
		return LevelUnique
	}
	return LevelRequire
}

// MigrateMsg builds an SADB_X_MIGRATE: the selector as addresses, then the
// policy with one (old, new) pair of ipsecrequests.
func MigrateMsg(ev *ike.Migrate, proto ike.Proto, mode ike.Mode) (*Msg, error) {
	src, dst, err := selAddresses(&ev.Selector)
	if err != nil {
		return nil, err
	}
	if !native.migrate {
		return nil, fmt.Errorf("%s has no SADB_X_MIGRATE: %w", native.name, syscall.EOPNOTSUPP)
	}
	ap := func(a netip.Addr) netip.AddrPort { return netip.AddrPortFrom(a, 0) }
	r := Request{Proto: uint16(proto), Mode: modeOf(mode), Level: LevelRequire, ReqID: ev.ReqID}
	old, nw := r, r
	old.Src, old.Dst = ap(ev.OldSrc), ap(ev.OldDst)
	nw.Src, nw.Dst = ap(ev.NewSrc), ap(ev.NewDst)
	return &Msg{Type: XMigrate, Src: src, Dst: dst,
		Policy: &Policy{Type: PolicyIPsec, Dir: dirOf(ev.Dir), Requests: []Request{old, nw}}}, nil
}
