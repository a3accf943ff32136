package ikev2

import (
	"encoding/binary"
	"net/netip"

	"github.com/racoon2go/iked/internal/ike"
)

// Configuration payload (RFC 7296 2.19, 3.15), racoon2's provide{} and
// request{}: the responder leases addresses from an addresspool and hands
// out DNS, DHCP and application version; the leased address becomes the
// peer's traffic selector and is announced to spmd with POLICY ADD
// (racoon2 5.4 (a)), and POLICY DELETE (of the selector and of its
// reverse, rwpolicy.go) when the lease ends. A lease lives
// as long as the IKE SA has a child (rekeys keep it).
//
// The initiator's side is not described by racoon2 (its initiator only
// passes the assignment to hook scripts). Here it does what road-warrior
// clients such as strongSwan's do with a virtual IP: the assigned address
// is its own traffic selector (TSi of later CREATE_CHILD_SA requests),
// and the policy for it is announced to spmd with the address as source:
// POLICY ADD <selector> <lifetime> <mode> <assigned>/32 (or /128)
// <selector dst> [<local> <remote>], withdrawn with POLICY DELETE when
// the last child goes or the IKE SA ends.

// CPRequest is the request{} bitmask of an initiator.
type CPRequest uint16

// request{} keywords (racoon2 lib/rc_type.h RCF_REQ_*).
const (
	ReqIP4 CPRequest = 1 << iota
	ReqIP6
	ReqIP4DNS
	ReqIP6DNS
	ReqIP4DHCP
	ReqIP6DHCP
	ReqAppVersion
	ReqMIP6HomePrefix
)

// CPConfig is a remote's provide{} (responder) and request{} (initiator).
type CPConfig struct {
	Pool       *ike.Pool
	DNS, DHCP  []netip.Addr
	AppVersion string
	Request    CPRequest
}

// SetCP sets the configuration payload settings of remote (nil: none).
func (e *Engine) SetCP(remote string, c *CPConfig) {
	if e.ext.cp == nil {
		e.ext.cp = map[string]*CPConfig{}
	}
	if c == nil {
		delete(e.ext.cp, remote)
		return
	}
	e.ext.cp[remote] = c
}

func (e *Engine) cpConfig(sa *IKESA) *CPConfig {
	if sa.peer == nil {
		return nil
	}
	return e.ext.cp[sa.peer.Name]
}

// cpLease is what a configuration payload exchange gave (RFC 7296 2.19):
// on a responder the addresses leased from an addresspool, on an
// initiator the addresses and servers the responder assigned.
type cpLease struct {
	pool         *ike.Pool // responder: where addr4/addr6 came from
	assigned     bool      // initiator: the peer assigned these to us
	req          []CfgAttrType
	addr4, addr6 netip.Addr
	dns4, dns6   []netip.Addr
	dhcp4, dhcp6 []netip.Addr
	appVersion   string
	announced    []ike.PolicyRequest // POLICY ADDs sent
	annCfg       *ike.ChildConfig    // the child config announced for (its tunnel endpoints)
}

// noteCPRequest keeps the attribute types of a CFG_REQUEST in IKE_AUTH.
func noteCPRequest(sa *IKESA, m *Message) {
	cp, ok := m.Get(PayloadCP).(*CP)
	if !ok || cp.CfgType != CfgRequest {
		return
	}
	l := &cpLease{}
	for _, a := range cp.Attrs {
		l.req = append(l.req, a.Type)
	}
	sa.cp = l
}

func (l *cpLease) asked(t CfgAttrType) bool {
	for _, x := range l.req {
		if x == t {
			return true
		}
	}
	return false
}

// cpRespond answers a CFG_REQUEST of IKE_AUTH: it leases the requested
// addresses, narrows the peer's TSi to them and returns the CFG_REPLY.
// ok is false when an address was asked for and none could be leased
// (INTERNAL_ADDRESS_FAILURE, RFC 7296 3.10.1): no child is made then.
func (e *Engine) cpRespond(sa *IKESA, child *childMsg) (out []Payload, ok bool) {
	l, cfg := sa.cp, e.cpConfig(sa)
	if l == nil {
		return nil, true
	}
	if cfg == nil {
		sa.cp = nil
		return nil, true // no provide{}: the request is ignored (RFC 7296 2.19)
	}
	reply := &CP{CfgType: CfgReply}
	var ts []tsRange
	asked := false
	for _, v4 := range []bool{true, false} {
		t := CfgAttrInternalIP6Address
		if v4 {
			t = CfgAttrInternalIP4Address
		}
		if !l.asked(t) {
			continue
		}
		asked = true
		if cfg.Pool == nil {
			continue
		}
		a, got := cfg.Pool.Lease(v4)
		if !got {
			continue // RFC 7296 3.15.4: a family we cannot serve is left out
		}
		l.pool = cfg.Pool
		if v4 {
			l.addr4 = a
			reply.Attrs = append(reply.Attrs, CfgAttr{Type: t, Value: a.AsSlice()})
		} else {
			l.addr6 = a
			reply.Attrs = append(reply.Attrs, CfgAttr{Type: t, Value: append(a.AsSlice(), 128)})
		}
		ts = append(ts, tsFrom(netip.PrefixFrom(a, a.BitLen()), 0, 0))
		sa.log.Info("address leased", "pool", cfg.Pool.Name, "addr", a)
	}
	if asked && len(ts) == 0 {
		e.releaseLease(sa)
		sa.log.Info("no address to lease: pool missing or exhausted for every family asked for")
		return []Payload{notify(NotifyInternalAddressFailure, nil)}, false
	}
	for _, a := range cfg.DNS {
		t, list := CfgAttrInternalIP6DNS, &l.dns6
		if a.Is4() {
			t, list = CfgAttrInternalIP4DNS, &l.dns4
		}
		if l.asked(t) {
			*list = append(*list, a)
			reply.Attrs = append(reply.Attrs, CfgAttr{Type: t, Value: a.AsSlice()})
		}
	}
	for _, a := range cfg.DHCP {
		t, list := CfgAttrInternalIP6DHCP, &l.dhcp6
		if a.Is4() {
			t, list = CfgAttrInternalIP4DHCP, &l.dhcp4
		}
		if l.asked(t) {
			*list = append(*list, a)
			reply.Attrs = append(reply.Attrs, CfgAttr{Type: t, Value: a.AsSlice()})
		}
	}
	if cfg.AppVersion != "" && l.asked(CfgAttrApplicationVersion) {
		l.appVersion = cfg.AppVersion
		reply.Attrs = append(reply.Attrs, CfgAttr{Type: CfgAttrApplicationVersion, Value: []byte(cfg.AppVersion)})
	}
	if l.asked(CfgAttrSupportedAttributes) {
		var v []byte
		for _, t := range []CfgAttrType{CfgAttrInternalIP4Address, CfgAttrInternalIP4DNS, CfgAttrInternalIP4DHCP,
			CfgAttrApplicationVersion, CfgAttrInternalIP6Address, CfgAttrInternalIP6DNS, CfgAttrInternalIP6DHCP, CfgAttrSupportedAttributes} {
			v = binary.BigEndian.AppendUint16(v, uint16(t))
		}
		reply.Attrs = append(reply.Attrs, CfgAttr{Type: CfgAttrSupportedAttributes, Value: v})
	}
	if len(ts) > 0 {
		child.tsi = ts // the leased address is the peer's traffic selector
	}
	return []Payload{reply}, true
}

// cpRequest is the initiator's CFG_REQUEST for request{}.
func (e *Engine) cpRequest(sa *IKESA) []Payload {
	cfg := e.cpConfig(sa)
	if cfg == nil || cfg.Request == 0 {
		return nil
	}
	req := &CP{CfgType: CfgRequest}
	for _, x := range []struct {
		bit CPRequest
		t   CfgAttrType
	}{
		{ReqIP4, CfgAttrInternalIP4Address}, {ReqIP4DNS, CfgAttrInternalIP4DNS}, {ReqIP4DHCP, CfgAttrInternalIP4DHCP},
		{ReqIP6, CfgAttrInternalIP6Address}, {ReqIP6DNS, CfgAttrInternalIP6DNS}, {ReqIP6DHCP, CfgAttrInternalIP6DHCP},
		{ReqAppVersion, CfgAttrApplicationVersion}, {ReqMIP6HomePrefix, CfgAttrMIP6HomePrefix},
	} {
		if cfg.Request&x.bit != 0 {
			req.Attrs = append(req.Attrs, CfgAttr{Type: x.t})
		}
	}
	return []Payload{req}
}

// cpReplied keeps what a CFG_REPLY in the IKE_AUTH response assigned. A
// reply to no request of ours is ignored, and so is an address of a
// family not asked for (RFC 7296 3.15.1: no more addresses than
// requested); it would become our traffic selector and a POLICY ADD.
func (e *Engine) cpReplied(sa *IKESA, m *Message) {
	cp, ok := m.Get(PayloadCP).(*CP)
	cfg := e.cpConfig(sa)
	if !ok || cp.CfgType != CfgReply || cfg == nil || cfg.Request == 0 {
		return
	}
	l := &cpLease{assigned: true}
	for _, a := range cp.Attrs {
		v := a.Value
		switch a.Type {
		case CfgAttrInternalIP4Address:
			if cfg.Request&ReqIP4 != 0 {
				l.addr4 = addrOf(v, 4)
			}
		case CfgAttrInternalIP6Address:
			if cfg.Request&ReqIP6 != 0 {
				l.addr6 = addrOf(v, 16)
			}
		case CfgAttrInternalIP4DNS:
			l.dns4 = appendAddr(l.dns4, addrOf(v, 4))
		case CfgAttrInternalIP6DNS:
			l.dns6 = appendAddr(l.dns6, addrOf(v, 16))
		case CfgAttrInternalIP4DHCP:
			l.dhcp4 = appendAddr(l.dhcp4, addrOf(v, 4))
		case CfgAttrInternalIP6DHCP:
			l.dhcp6 = appendAddr(l.dhcp6, addrOf(v, 16))
		case CfgAttrApplicationVersion:
			l.appVersion = printable(v)
		}
	}
	sa.cp = l
	sa.log.Info("configuration assigned", "addr4", l.addr4, "addr6", l.addr6)
}

// printable keeps the printable ASCII of a peer's string (it reaches
// hook scripts' environment).
func printable(v []byte) string {
	b := make([]byte, 0, len(v))
	for _, c := range v {
		if c >= 0x20 && c < 0x7f {
			b = append(b, c)
		}
	}
	return string(b)
}

// addrOf reads an n-octet address (an IPv6 one may carry a prefix length).
func addrOf(v []byte, n int) netip.Addr {
	if len(v) < n {
		return netip.Addr{}
	}
	a, _ := netip.AddrFromSlice(v[:n])
	return a
}

func appendAddr(l []netip.Addr, a netip.Addr) []netip.Addr {
	if a.IsValid() {
		return append(l, a)
	}
	return l
}

// cpAnnounce sends POLICY ADD for the addresses of the lease when the
// first child of the lease is installed. As responder (racoon2 5.4 (a)):
// the selector, its lifetime, mode, the selector's source and the leased
// address; as initiator: the assigned address as source and the
// selector's destination. In tunnel mode the child's SA endpoints follow.
func (e *Engine) cpAnnounce(sa *IKESA, c *childSA) {
	l := sa.cp
	if l == nil || l.announced != nil || e.o.Policy == nil {
		return
	}
	local, peer := c.addrs(sa)
	ours := l.pool != nil // we leased these to the peer; else the peer assigned them to us
	for _, a := range []netip.Addr{l.addr4, l.addr6} {
		if !a.IsValid() {
			continue
		}
		req := ike.PolicyRequest{Selector: c.cfg.Selector, Lifetime: uint64(c.cfg.Lifetime.HardTime.Seconds()),
			Mode: c.mode, Src: c.cfg.Sel.Src, Dst: netip.PrefixFrom(a, a.BitLen())}
		if !ours {
			req.Src, req.Dst = req.Dst, c.cfg.Sel.Dst
		}
		if a.Is4() != c.cfg.Sel.Src.Addr().Is4() {
			// racoon2 names a selector per family; this child's is of the
			// other family, so it cannot carry this address.
			sa.log.Info("assigned address not announced: selector of the other family", "selector", c.cfg.Selector, "addr", a)
			continue
		}
		if c.mode == ike.ModeTunnel {
			req.SASrc, req.SADst = local, peer
		}
		if l.announced == nil {
			l.announced = make([]ike.PolicyRequest, 0, 2) // once per lease
			l.annCfg = c.cfg
		}
		l.announced = append(l.announced, req)
		// racoon2 posts these without a callback; a failure is logged.
		e.policyAdd(req)
	}
}

// refreshLease posts the lease's POLICY ADDs again when a rekeyed child
// goes: spmd re-installs the policies (reference 9.3.6), restarting the
// hard lifetime they were given, the IPsec SA's, which a rekeyed child
// outlives (racoon2 never refreshes them, rwpolicy.go).
func (e *Engine) refreshLease(l *cpLease) {
	for _, req := range l.announced {
		e.policyAdd(req)
	}
}

// withdraw sends POLICY DELETE for what l announced.
func (e *Engine) withdraw(l *cpLease) {
	for _, req := range l.announced {
		e.policyDelete(req, l.annCfg.ReverseSelector)
	}
	l.announced, l.annCfg = nil, nil
}

// releaseLease gives the leased addresses back and withdraws the
// policies announced for them (POLICY DELETE).
func (e *Engine) releaseLease(sa *IKESA) {
	l := sa.cp
	if l == nil {
		return
	}
	sa.cp = nil
	e.withdraw(l)
	if l.pool != nil {
		for _, a := range []netip.Addr{l.addr4, l.addr6} {
			if a.IsValid() {
				l.pool.Release(a)
				sa.log.Info("address lease ended", "addr", a)
			}
		}
	}
}

// cpChildGone ends the lease when the last child of sa goes (racoon2
// ties leases to the child SA; a rekey installs the new child before the
// old one goes, so the lease lives on). An address the peer assigned us
// stays with the IKE SA, but its policy goes with the last child (a later
// child announces it again).
func (e *Engine) cpChildGone(sa *IKESA, c *childSA) {
	l := sa.cp
	if l == nil || l.pool == nil && l.announced == nil {
		return
	}
	for _, x := range sa.children {
		if x != c && x.installed {
			if c.rk.replaced() {
				e.refreshLease(l) // a rekey: the successor keeps the lease
			}
			return
		}
	}
	if l.pool == nil {
		e.withdraw(l)
		return
	}
	e.releaseLease(sa)
}

// cpOwnTS narrows our side of a CREATE_CHILD_SA request to the address
// the peer assigned us, when it lies inside (RFC 7296 2.19: a client
// uses its assigned address as TSi, as in IKE_AUTH after narrowing).
func cpOwnTS(sa *IKESA, r tsRange) tsRange {
	if l := sa.cp; l != nil && l.pool == nil {
		return leaseTS(l, r)
	}
	return r
}

// cpPeerTS narrows the peer's side of a child we answer to the address
// we leased it, when it lies inside: a rekey or an additional child of a
// client with a lease stays on its address (RFC 7296 2.9.2 for rekeys).
func cpPeerTS(sa *IKESA, r tsRange) tsRange {
	if l := sa.cp; l != nil && l.pool != nil {
		return leaseTS(l, r)
	}
	return r
}

// leaseTS is r narrowed to the first address of l inside it, or r.
func leaseTS(l *cpLease, r tsRange) tsRange {
	for _, a := range []netip.Addr{l.addr4, l.addr6} {
		if !a.IsValid() {
			continue
		}
		one := r
		one.start, one.end = a, a
		if within(one, r) {
			return one
		}
	}
	return r
}
