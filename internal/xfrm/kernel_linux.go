package xfrm

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// racoon2's SPI range (reference section 4.2); IPComp CPIs are 16 bits.
const (
	spiMin = 0x100
	spiMax = 0x0fffffff
	cpiMax = 0xffff
)

// Kernel implements ike.Kernel over NETLINK_XFRM. Its sockets are opened in
// the network namespace of the calling thread and stay there.
type Kernel struct {
	log *slog.Logger

	mu  sync.Mutex // one request at a time on each socket
	h   *netlink.Handle
	req *nl.SocketHandle

	mon        *os.File // ACQUIRE, EXPIRE and MIGRATE multicast groups
	events     chan ike.Event
	dropped    atomic.Uint64
	readerDone chan struct{}
	closeOnce  sync.Once

	supported *ike.Algorithms
	// marks remembers the mark of each marked SA: ike.SAID has none, and
	// the kernel finds a marked SA only with its mark.
	marks map[ike.SAID]*netlink.XfrmMark
}

// Open opens the XFRM sockets and starts the upcall listener.
func Open(log *slog.Logger) (ike.Kernel, error) { return OpenXFRM(log) }

// OpenXFRM is Open with the concrete type.
func OpenXFRM(log *slog.Logger) (*Kernel, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h, err := netlink.NewHandle(unix.NETLINK_XFRM)
	if err != nil {
		return nil, noKernel("netlink handle", err)
	}
	s, err := nl.GetNetlinkSocketAt(netns.None(), netns.None(), unix.NETLINK_XFRM)
	if err != nil {
		h.Close()
		return nil, noKernel("netlink socket", err)
	}
	mon, err := listen()
	if err != nil {
		h.Close()
		s.Close()
		return nil, noKernel("multicast socket", err)
	}
	k := &Kernel{log: log, h: h, req: &nl.SocketHandle{Socket: s}, mon: mon,
		events: make(chan ike.Event, 1024), readerDone: make(chan struct{}),
		supported: algorithms(), marks: map[ike.SAID]*netlink.XfrmMark{}}
	go k.read()
	return k, nil
}

func noKernel(what string, err error) error {
	if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EAFNOSUPPORT) {
		return fmt.Errorf("xfrm: %s: %w (%w)", what, err, ike.ErrNoKernel)
	}
	return fmt.Errorf("xfrm: %s: %w", what, err)
}

// listen opens a non-blocking NETLINK_XFRM socket bound to the ACQUIRE,
// EXPIRE and MIGRATE groups; through the runtime poller, Close wakes its
// reader.
func listen() (*os.File, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_XFRM)
	if err != nil {
		return nil, err
	}
	groups := uint32(1<<(nl.XFRMNLGRP_ACQUIRE-1) | 1<<(nl.XFRMNLGRP_EXPIRE-1) | 1<<(nl.XFRMNLGRP_MIGRATE-1))
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: groups}); err != nil {
		unix.Close(fd)
		return nil, err
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	return os.NewFile(uintptr(fd), "xfrm-monitor"), nil
}

func (k *Kernel) read() {
	defer close(k.readerDone)
	buf := make([]byte, 1<<16)
	for {
		n, err := k.mon.Read(buf)
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			if errors.Is(err, unix.ENOBUFS) {
				k.log.Warn("xfrm: receive buffer overflow: kernel messages lost")
				continue
			}
			k.log.Error("xfrm: read", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		msgs, err := SplitMessages(append([]byte(nil), buf[:n]...))
		if err != nil {
			k.log.Debug("xfrm: malformed netlink message", "err", err)
		}
		for _, m := range msgs {
			ev, err := Event(m)
			if err != nil {
				k.log.Debug("xfrm: malformed upcall dropped", "type", m.Type, "err", err)
				continue
			}
			if ev == nil {
				continue
			}
			select {
			case k.events <- ev:
			default:
				k.dropped.Add(1)
				k.log.Warn("xfrm: event queue full, kernel message dropped", "type", m.Type)
			}
		}
	}
}

// request sends one XFRM request on the own socket and returns the reply
// payloads (an ACK alone gives none).
func (k *Kernel) request(typ, flags int, data ...nl.NetlinkRequestData) ([][]byte, error) {
	req := nl.NewNetlinkRequest(typ, flags|unix.NLM_F_ACK)
	req.Sockets = map[int]*nl.SocketHandle{unix.NETLINK_XFRM: k.req}
	for _, d := range data {
		req.AddData(d)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return req.Execute(unix.NETLINK_XFRM, 0)
}

func ip(a netip.Addr) net.IP { return net.IP(a.AsSlice()) }

func family(a netip.Addr) uint16 {
	if a.Is4() {
		return nl.FAMILY_V4
	}
	return nl.FAMILY_V6
}

func xmode(m ike.Mode) uint8 {
	if m == ike.ModeTunnel {
		return uint8(netlink.XFRM_MODE_TUNNEL)
	}
	return uint8(netlink.XFRM_MODE_TRANSPORT)
}

func infinite(l *nl.XfrmLifetimeCfg) {
	l.SoftByteLimit, l.HardByteLimit = nl.XFRM_INF, nl.XFRM_INF
	l.SoftPacketLimit, l.HardPacketLimit = nl.XFRM_INF, nl.XFRM_INF
}

// setLifetime sets an SA's or policy's limits from l: seconds as given
// (0 is none), byte limits only when set, the rest infinite.
func setLifetime(lft *nl.XfrmLifetimeCfg, l ike.Lifetime) {
	infinite(lft)
	lft.SoftAddExpiresSeconds = uint64(l.SoftTime / time.Second)
	lft.HardAddExpiresSeconds = uint64(l.HardTime / time.Second)
	if l.SoftBytes > 0 {
		lft.SoftByteLimit = l.SoftBytes
	}
	if l.HardBytes > 0 {
		lft.HardByteLimit = l.HardBytes
	}
}

func usersa(src, dst netip.Addr, proto ike.Proto, spi uint32, mode ike.Mode, reqID uint32) *nl.XfrmUsersaInfo {
	u := &nl.XfrmUsersaInfo{}
	u.Id.Daddr.FromIP(ip(dst))
	u.Id.Spi = nl.Swap32(spi)
	u.Id.Proto = uint8(proto)
	u.Saddr.FromIP(ip(src))
	u.Family = family(dst)
	u.Mode = xmode(mode)
	u.Reqid = reqID
	infinite(&u.Lft)
	return u
}

// GetSPI allocates an SPI in racoon2's range (XFRM_MSG_ALLOCSPI); the
// library's own range is fixed and too wide for IPComp.
func (k *Kernel) GetSPI(src, dst netip.Addr, proto ike.Proto, mode ike.Mode, reqID uint32) (uint32, error) {
	si := &nl.XfrmUserSpiInfo{XfrmUsersaInfo: *usersa(src, dst, proto, 0, mode, reqID), Min: spiMin, Max: spiMax}
	if proto == ike.ProtoIPComp {
		si.Max = cpiMax
	}
	msgs, err := k.request(nl.XFRM_MSG_ALLOCSPI, 0, si)
	if err == nil && (len(msgs) == 0 || len(msgs[0]) < sizeUsersaInfo) {
		err = fmt.Errorf("no SA in reply: %w", syscall.EPROTO)
	}
	if err != nil {
		return 0, fmt.Errorf("xfrm: ALLOCSPI %v %v->%v: %w", proto, src, dst, err)
	}
	u, err := parseUsersa(msgs[0])
	if err != nil {
		return 0, fmt.Errorf("xfrm: ALLOCSPI reply: %w", err)
	}
	return u.id.SPI, nil
}

// AddSA installs an SA (XFRM_MSG_NEWSA).
func (k *Kernel) AddSA(sa *ike.SA) error { return k.install(nl.XFRM_MSG_NEWSA, "NEWSA", sa) }

// UpdateSA completes the larval SA of GetSPI (XFRM_MSG_UPDSA).
func (k *Kernel) UpdateSA(sa *ike.SA) error { return k.install(nl.XFRM_MSG_UPDSA, "UPDSA", sa) }

func (k *Kernel) install(typ int, name string, sa *ike.SA) error {
	data, err := SAData(sa)
	if err == nil {
		_, err = k.request(typ, unix.NLM_F_CREATE|unix.NLM_F_EXCL, data...)
	}
	if err == nil && (sa.Mark != 0 || sa.MarkMask != 0) {
		k.mu.Lock()
		k.marks[ike.SAID{Src: sa.Src, Dst: sa.Dst, Proto: sa.Proto, SPI: sa.SPI}] = &netlink.XfrmMark{Value: sa.Mark, Mask: sa.MarkMask}
		k.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("xfrm: %s %v spi %08x %v->%v: %w", name, sa.Proto, sa.SPI, sa.Src, sa.Dst, err)
	}
	return nil
}

type rawAttr struct {
	typ  uint16
	data []byte
}

func (a rawAttr) Len() int { return (4 + len(a.data) + 3) &^ 3 }
func (a rawAttr) Serialize() []byte {
	b := make([]byte, a.Len())
	nl.NativeEndian().PutUint16(b, uint16(4+len(a.data)))
	nl.NativeEndian().PutUint16(b[2:], a.typ)
	copy(b[4:], a.data)
	return b
}

func algName(dst []byte, name string) { copy(dst[:64], name) }

// SAData builds the usersa_info and attributes of a NEWSA/UPDSA for sa.
func SAData(sa *ike.SA) ([]nl.NetlinkRequestData, error) {
	if sa.Src.BitLen() != sa.Dst.BitLen() || !sa.Src.IsValid() {
		return nil, fmt.Errorf("addresses %v, %v: %w", sa.Src, sa.Dst, syscall.EINVAL)
	}
	u := usersa(sa.Src, sa.Dst, sa.Proto, sa.SPI, sa.Mode, sa.ReqID)
	setLifetime(&u.Lft, sa.Lifetime)
	if s := sa.Selector; s != nil {
		sel, err := selectorData(s)
		if err != nil {
			return nil, err
		}
		u.Sel = *sel
	}
	var out []nl.NetlinkRequestData
	switch sa.Proto {
	case ike.ProtoESP, ike.ProtoAH:
		a, err := algAttrs(sa)
		if err != nil {
			return nil, err
		}
		out = a
	case ike.ProtoIPComp:
		name, ok := Comp[sa.CompID]
		if !ok {
			return nil, fmt.Errorf("IPComp transform %d: %w", sa.CompID, syscall.EINVAL)
		}
		b := make([]byte, nl.SizeofXfrmAlgo)
		algName(b, name)
		out = append(out, rawAttr{nl.XFRMA_ALG_COMP, b})
		u.Flags |= nl.XFRM_STATE_WILDRECV // CPIs are shared by all senders
	default:
		return nil, fmt.Errorf("protocol %v: %w", sa.Proto, syscall.EINVAL)
	}
	switch {
	case sa.ESN || sa.ReplayWindow > 255:
		if sa.ESN {
			u.Flags |= nl.XFRM_STATE_ESN
		}
		out = append(out, rawAttr{nl.XFRMA_REPLAY_ESN_VAL, replayESN(sa.ReplayWindow)})
	default:
		u.ReplayWindow = uint8(sa.ReplayWindow)
	}
	if e := sa.Encap; e != nil {
		if sa.Proto != ike.ProtoESP {
			return nil, fmt.Errorf("UDP encapsulation of %v: %w", sa.Proto, syscall.EINVAL)
		}
		b := make([]byte, nl.SizeofXfrmEncapTmpl)
		t := nl.DeserializeXfrmEncapTmpl(b)
		t.EncapType = uint16(netlink.XFRM_ENCAP_ESPINUDP)
		t.EncapSport, t.EncapDport = nl.Swap16(e.SrcPort), nl.Swap16(e.DstPort)
		if e.OrigAddr.IsValid() {
			t.EncapOa.FromIP(ip(e.OrigAddr))
		}
		out = append(out, rawAttr{nl.XFRMA_ENCAP, b})
	}
	if sa.Mark != 0 || sa.MarkMask != 0 {
		m := &nl.XfrmMark{Value: sa.Mark, Mask: sa.MarkMask}
		out = append(out, rawAttr{nl.XFRMA_MARK, m.Serialize()})
	}
	return append([]nl.NetlinkRequestData{u}, out...), nil
}

// replayESN is struct xfrm_replay_state_esn with an empty bitmap of w bits.
func replayESN(w uint32) []byte {
	if w == 0 {
		w = 32
	}
	n := (w + 31) / 32
	b := make([]byte, 24+4*n)
	ne.PutUint32(b[0:], n)
	ne.PutUint32(b[20:], w)
	return b
}

// algAttrs gives the algorithm attributes of an ESP or AH SA: AEAD with
// its ICV length, or cipher plus integrity with the RFC's truncation
// (XFRMA_ALG_AUTH_TRUNC), which is what PF_KEY on Linux gets wrong.
func algAttrs(sa *ike.SA) ([]nl.NetlinkRequestData, error) {
	var out []nl.NetlinkRequestData
	if sa.Proto == ike.ProtoESP {
		t, ok := Encr[sa.EncrID]
		if !ok {
			return nil, fmt.Errorf("ENCR transform %d: %w", sa.EncrID, syscall.EINVAL)
		}
		if t.AEAD {
			if sa.IntegID != 0 {
				return nil, fmt.Errorf("AEAD with INTEG transform %d: %w", sa.IntegID, syscall.EINVAL)
			}
			a := &nl.XfrmAlgoAEAD{AlgKeyLen: uint32(len(sa.EncrKey) * 8), AlgICVLen: uint32(t.Bits), AlgKey: sa.EncrKey}
			copy(a.AlgName[:], t.Name)
			return append(out, rawAttr{nl.XFRMA_ALG_AEAD, a.Serialize()}), nil
		}
		a := &nl.XfrmAlgo{AlgKeyLen: uint32(len(sa.EncrKey) * 8), AlgKey: sa.EncrKey}
		copy(a.AlgName[:], t.Name)
		out = append(out, rawAttr{nl.XFRMA_ALG_CRYPT, a.Serialize()})
	} else if sa.EncrID != 0 {
		return nil, fmt.Errorf("AH with ENCR transform: %w", syscall.EINVAL)
	}
	if sa.IntegID == 0 {
		if sa.Proto == ike.ProtoAH {
			return nil, fmt.Errorf("AH without INTEG transform: %w", syscall.EINVAL)
		}
		return out, nil
	}
	t, ok := Integ[sa.IntegID]
	if !ok {
		return nil, fmt.Errorf("INTEG transform %d: %w", sa.IntegID, syscall.EINVAL)
	}
	a := &nl.XfrmAlgoAuth{AlgKeyLen: uint32(len(sa.IntegKey) * 8), AlgTruncLen: uint32(t.Bits), AlgKey: sa.IntegKey}
	copy(a.AlgName[:], t.Name)
	return append(out, rawAttr{nl.XFRMA_ALG_AUTH_TRUNC, a.Serialize()}), nil
}

func selectorData(s *ike.Selector) (*nl.XfrmSelector, error) {
	if !s.Src.IsValid() || !s.Dst.IsValid() || s.Src.Addr().BitLen() != s.Dst.Addr().BitLen() {
		return nil, fmt.Errorf("selector %v->%v: %w", s.Src, s.Dst, syscall.EINVAL)
	}
	sel := &nl.XfrmSelector{}
	sel.Family = family(s.Dst.Addr())
	sel.Daddr.FromIP(ip(s.Dst.Addr()))
	sel.Saddr.FromIP(ip(s.Src.Addr()))
	sel.PrefixlenD, sel.PrefixlenS = uint8(s.Dst.Bits()), uint8(s.Src.Bits())
	sel.Proto = s.Proto
	if s.DstPort != 0 {
		sel.Dport, sel.DportMask = nl.Swap16(s.DstPort), 0xffff
	}
	if s.SrcPort != 0 {
		sel.Sport, sel.SportMask = nl.Swap16(s.SrcPort), 0xffff
	}
	return sel, nil
}

// state names an SA for the library; call with k.mu held.
func (k *Kernel) state(id ike.SAID) *netlink.XfrmState {
	return &netlink.XfrmState{Src: ip(id.Src), Dst: ip(id.Dst), Proto: netlink.Proto(id.Proto), Spi: int(id.SPI),
		Mark: k.marks[id]}
}

// DeleteSA removes an SA (XFRM_MSG_DELSA).
func (k *Kernel) DeleteSA(id ike.SAID) error {
	k.mu.Lock()
	err := k.h.XfrmStateDel(k.state(id))
	if err == nil {
		delete(k.marks, id)
	}
	k.mu.Unlock()
	if err != nil {
		return fmt.Errorf("xfrm: DELSA %v spi %08x %v->%v: %w", id.Proto, id.SPI, id.Src, id.Dst, err)
	}
	return nil
}

// QuerySA returns an SA's counters (XFRM_MSG_GETSA).
func (k *Kernel) QuerySA(id ike.SAID) (ike.SAStats, error) {
	k.mu.Lock()
	st, err := k.h.XfrmStateGet(k.state(id))
	k.mu.Unlock()
	if err != nil {
		return ike.SAStats{}, fmt.Errorf("xfrm: GETSA %v spi %08x %v->%v: %w", id.Proto, id.SPI, id.Src, id.Dst, err)
	}
	s := ike.SAStats{Bytes: st.Statistics.Bytes, Packets: st.Statistics.Packets}
	if t := st.Statistics.AddTime; t != 0 {
		s.AddTime = time.Unix(int64(t), 0)
	}
	if t := st.Statistics.UseTime; t != 0 {
		s.UseTime = time.Unix(int64(t), 0)
	}
	return s, nil
}

// Flush removes all SAs of proto (0: all) (XFRM_MSG_FLUSHSA).
func (k *Kernel) Flush(proto ike.Proto) error {
	p := netlink.XFRM_PROTO_IPSEC_ANY
	if proto != 0 {
		p = netlink.Proto(proto)
	}
	k.mu.Lock()
	err := k.h.XfrmStateFlush(p)
	if err == nil {
		for id := range k.marks {
			if proto == 0 || id.Proto == proto {
				delete(k.marks, id)
			}
		}
	}
	k.mu.Unlock()
	if err != nil {
		return fmt.Errorf("xfrm: FLUSHSA %v: %w", proto, err)
	}
	return nil
}

// AcquireFailed cannot tell the kernel anything: XFRM has no negative
// answer to an ACQUIRE (PF_KEY's errno reply has no netlink twin), and the
// larval state has SPI 0, which XFRM_MSG_DELSA cannot name. The kernel
// drops it after net.core.xfrm_acq_expires seconds.
func (k *Kernel) AcquireFailed(a *ike.Acquire, errno int) error {
	k.log.Debug("xfrm: negotiation for ACQUIRE failed; the kernel times out its larval state",
		"seq", a.Seq, "errno", errno)
	return nil
}

func policyOf(p *ike.Policy) (*netlink.XfrmPolicy, error) {
	s := p.Selector
	if !s.Src.IsValid() || !s.Dst.IsValid() {
		return nil, fmt.Errorf("policy selector %v->%v: %w", s.Src, s.Dst, syscall.EINVAL)
	}
	xp := &netlink.XfrmPolicy{
		Src:   &net.IPNet{IP: ip(s.Src.Addr()), Mask: net.CIDRMask(s.Src.Bits(), s.Src.Addr().BitLen())},
		Dst:   &net.IPNet{IP: ip(s.Dst.Addr()), Mask: net.CIDRMask(s.Dst.Bits(), s.Dst.Addr().BitLen())},
		Proto: netlink.Proto(s.Proto), SrcPort: int(s.SrcPort), DstPort: int(s.DstPort),
		Priority: int(p.Priority), Index: int(p.ID),
	}
	switch p.Dir {
	case ike.DirIn:
		xp.Dir = netlink.XFRM_DIR_IN
	case ike.DirOut:
		xp.Dir = netlink.XFRM_DIR_OUT
	case ike.DirFwd:
		xp.Dir = netlink.XFRM_DIR_FWD
	default:
		return nil, fmt.Errorf("policy direction %d: %w", p.Dir, syscall.EINVAL)
	}
	switch p.Action {
	case ike.ActionIPsec:
		if len(p.Templates) == 0 {
			return nil, fmt.Errorf("IPsec policy without templates: %w", syscall.EINVAL)
		}
		for _, t := range p.Templates {
			xt := netlink.XfrmPolicyTmpl{Proto: netlink.Proto(t.Proto), Mode: netlink.Mode(xmode(t.Mode)), Reqid: int(t.ReqID)}
			if t.Level == ike.LevelUse {
				xt.Optional = 1
			}
			if t.Mode == ike.ModeTunnel {
				if !t.Src.IsValid() || !t.Dst.IsValid() {
					return nil, fmt.Errorf("tunnel template without endpoints: %w", syscall.EINVAL)
				}
				xt.Src, xt.Dst = ip(t.Src), ip(t.Dst)
			} else {
				// Transport templates carry the family in an unspecified address.
				z := netip.IPv4Unspecified()
				if s.Dst.Addr().Is6() {
					z = netip.IPv6Unspecified()
				}
				xt.Src, xt.Dst = ip(z), ip(z)
			}
			xp.Tmpls = append(xp.Tmpls, xt)
		}
	case ike.ActionBypass:
		xp.Action = netlink.XFRM_POLICY_ALLOW
	case ike.ActionDiscard:
		xp.Action = netlink.XFRM_POLICY_BLOCK
	default:
		return nil, fmt.Errorf("policy action %d: %w", p.Action, syscall.EINVAL)
	}
	return xp, nil
}

// AddPolicy installs or replaces p (XFRM_MSG_UPDPOLICY, as racoon2's spmd
// uses SPDUPDATE) and reads back its kernel index. The request is built
// here because the library's policy calls cannot set a lifetime (spmd's
// POLICY ADD needs one).
func (k *Kernel) AddPolicy(p *ike.Policy) (uint32, error) {
	xp, err := policyOf(p)
	var data []nl.NetlinkRequestData
	if err == nil {
		data, err = policyData(p, xp)
	}
	if err == nil {
		_, err = k.request(nl.XFRM_MSG_UPDPOLICY, unix.NLM_F_CREATE, data...)
	}
	if err != nil {
		return 0, fmt.Errorf("xfrm: UPDPOLICY %v %v->%v: %w", p.Dir, p.Selector.Src, p.Selector.Dst, err)
	}
	xp.Index = 0
	k.mu.Lock()
	got, err := k.h.XfrmPolicyGet(xp)
	k.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("xfrm: GETPOLICY %v %v->%v: %w", p.Dir, p.Selector.Src, p.Selector.Dst, err)
	}
	p.ID = uint32(got.Index)
	return p.ID, nil
}

// policyData is struct xfrm_userpolicy_info and its XFRMA_TMPL.
func policyData(p *ike.Policy, xp *netlink.XfrmPolicy) ([]nl.NetlinkRequestData, error) {
	sel, err := selectorData(&p.Selector)
	if err != nil {
		return nil, err
	}
	info := &nl.XfrmUserpolicyInfo{Sel: *sel, Priority: p.Priority, Dir: uint8(xp.Dir), Action: uint8(xp.Action)}
	setLifetime(&info.Lft, p.Lifetime)
	out := []nl.NetlinkRequestData{info}
	if len(xp.Tmpls) > 0 {
		b := make([]byte, nl.SizeofXfrmUserTmpl*len(xp.Tmpls))
		for i, t := range xp.Tmpls {
			u := nl.DeserializeXfrmUserTmpl(b[i*nl.SizeofXfrmUserTmpl:])
			u.XfrmId.Daddr.FromIP(t.Dst)
			u.XfrmId.Proto = uint8(t.Proto)
			u.Saddr.FromIP(t.Src)
			if t.Dst.To4() == nil {
				u.Family = nl.FAMILY_V6
			} else {
				u.Family = nl.FAMILY_V4
			}
			u.Mode, u.Reqid, u.Optional = uint8(t.Mode), uint32(t.Reqid), uint8(t.Optional)
			u.Aalgos, u.Ealgos, u.Calgos = ^uint32(0), ^uint32(0), ^uint32(0)
		}
		out = append(out, rawAttr{nl.XFRMA_TMPL, b})
	}
	return out, nil
}

// DeletePolicy removes p by index when it has one, else by selector.
func (k *Kernel) DeletePolicy(p *ike.Policy) error {
	xp, err := policyOf(p)
	if err == nil {
		k.mu.Lock()
		err = k.h.XfrmPolicyDel(xp)
		k.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("xfrm: DELPOLICY %v id %d: %w", p.Dir, p.ID, err)
	}
	return nil
}

// Supported lists what this backend can express, by IKEv2 ID; whether the
// kernel has each crypto module loaded shows only when an SA is installed.
func (k *Kernel) Supported() *ike.Algorithms { return k.supported }

func algorithms() *ike.Algorithms {
	a := &ike.Algorithms{Encr: map[uint16]bool{}, Integ: map[uint16]bool{}, Comp: map[uint16]bool{}}
	for id := range Encr {
		a.Encr[id] = true
	}
	for id := range Integ {
		a.Integ[id] = true
	}
	for id := range Comp {
		a.Comp[id] = true
	}
	return a
}

// Events delivers ACQUIRE, EXPIRE and MIGRATE until Close.
func (k *Kernel) Events() <-chan ike.Event { return k.events }

// Dropped counts upcalls lost because Events was full.
func (k *Kernel) Dropped() uint64 { return k.dropped.Load() }

// Close closes the sockets, waits for the listener, then closes Events.
func (k *Kernel) Close() error {
	var err error
	k.closeOnce.Do(func() {
		err = k.mon.Close()
		<-k.readerDone
		close(k.events)
		k.mu.Lock()
		k.h.Close()
		k.req.Close()
		k.mu.Unlock()
	})
	return err
}

var _ ike.Kernel = (*Kernel)(nil)

// Migrate asks the kernel to move the SAs and policy template of
// ev.Selector/ev.Dir with reqid ev.ReqID to new endpoints
// (XFRM_MSG_MIGRATE); the kernel then reports it on the MIGRATE group,
// which Events delivers.
func (k *Kernel) Migrate(ev *ike.Migrate, proto ike.Proto, mode ike.Mode) error {
	sel, err := selectorData(&ev.Selector)
	if err == nil && (!ev.OldSrc.IsValid() || !ev.OldDst.IsValid() || !ev.NewSrc.IsValid() || !ev.NewDst.IsValid()) {
		err = fmt.Errorf("endpoints: %w", syscall.EINVAL)
	}
	dir := map[ike.Dir]uint8{ike.DirIn: 0, ike.DirOut: 1, ike.DirFwd: 2}
	d, ok := dir[ev.Dir]
	if err == nil && !ok {
		err = fmt.Errorf("direction %d: %w", ev.Dir, syscall.EINVAL)
	}
	if err == nil {
		id := &nl.XfrmUserpolicyId{Sel: *sel, Dir: d}
		_, err = k.request(nl.XFRM_MSG_MIGRATE, 0, id, rawAttr{nl.XFRMA_MIGRATE, migrateEntry(ev, proto, mode)})
	}
	if err != nil {
		return fmt.Errorf("xfrm: MIGRATE %v->%v: %w", ev.OldSrc, ev.NewSrc, err)
	}
	return nil
}

// migrateEntry is struct xfrm_user_migrate.
func migrateEntry(ev *ike.Migrate, proto ike.Proto, mode ike.Mode) []byte {
	b := make([]byte, sizeUserMigrate)
	for i, a := range []netip.Addr{ev.OldDst, ev.OldSrc, ev.NewDst, ev.NewSrc} {
		copy(b[16*i:16*i+16], a.AsSlice())
	}
	b[64], b[65] = uint8(proto), xmode(mode)
	ne.PutUint32(b[68:], ev.ReqID)
	ne.PutUint16(b[72:], family(ev.OldDst))
	ne.PutUint16(b[74:], family(ev.NewDst))
	return b
}

// FlushPolicies removes every security policy (XFRM_MSG_FLUSHPOLICY).
func (k *Kernel) FlushPolicies() error {
	k.mu.Lock()
	err := k.h.XfrmPolicyFlush()
	k.mu.Unlock()
	if err != nil {
		return fmt.Errorf("xfrm: FLUSHPOLICY: %w", err)
	}
	return nil
}
