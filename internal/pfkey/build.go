package pfkey

import (
	"fmt"
	"net/netip"
	"syscall"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// Racoon2 numbers its requests from 0x4000001 so that they never collide
// with the kernel's ACQUIRE sequence numbers (reference section 4.1): a
// GETSPI whose seq matches a pending ACQUIRE reuses that larval SA on Linux.
const firstSeq = 0x4000001

// SPIMin and SPIMax are racoon2's GETSPI range (reference section 4.2).
const (
	SPIMin = 0x100
	SPIMax = 0x0fffffff
	cpiMax = 0xffff // IPComp CPIs are 16 bits
)

// Message builders shared by the socket and the golden tests; they are
// system-independent except through the native layout.

func hostAddr(a netip.Addr) *Address {
	return &Address{Proto: ProtoAny, PrefixLen: uint8(a.BitLen()), Addr: netip.AddrPortFrom(a, 0)}
}

func spiRange(p ike.Proto) *SPIRange {
	if p == ike.ProtoIPComp {
		return &SPIRange{Min: SPIMin, Max: cpiMax}
	}
	return &SPIRange{Min: SPIMin, Max: SPIMax}
}

// SAMsg builds the UPDATE or ADD message for sa, with racoon2's content
// (reference section 4.2) less its bugs. What PF_KEY cannot express (ESN,
// marks) is an error rather than silently dropped.
func SAMsg(t MsgType, sa *ike.SA) (*Msg, error) {
	st, ok := SATypeOf(sa.Proto)
	if !ok || st == SATypeUnspec {
		return nil, fmt.Errorf("protocol %v: %w", sa.Proto, syscall.EINVAL)
	}
	if sa.ESN {
		return nil, fmt.Errorf("extended sequence numbers cannot be set through PF_KEY: %w", syscall.EOPNOTSUPP)
	}
	if sa.Mark != 0 || sa.MarkMask != 0 {
		return nil, fmt.Errorf("marks cannot be set through PF_KEY: %w", syscall.EOPNOTSUPP)
	}
	if mx := native.maxReplay(); sa.ReplayWindow > mx {
		return nil, fmt.Errorf("replay window %d above %s PF_KEY's %d: %w", sa.ReplayWindow, native.name, mx, syscall.EINVAL)
	}
	if err := checkReqID(sa.ReqID); err != nil {
		return nil, err
	}
	replay, replayExt := native.replay(sa.ReplayWindow)
	s := &SA{SPI: sa.SPI, Replay: replay, State: StateMature}
	m := &Msg{Type: t, SAType: st, SA: s, SA2: &SA2{Mode: modeOf(sa.Mode), ReqID: sa.ReqID},
		Src: hostAddr(sa.Src), Dst: hostAddr(sa.Dst), SAReplay: replayExt}
	if sel := sa.Selector; sel != nil {
		// racoon2 puts the selector's protocol and prefix lengths in the
		// address extensions.
		if sel.Proto != 0 {
			m.Src.Proto, m.Dst.Proto = sel.Proto, sel.Proto
		}
		if sel.Src.IsValid() && sel.Src.Addr().BitLen() == sa.Src.BitLen() {
			m.Src.PrefixLen = uint8(sel.Src.Bits())
		}
		if sel.Dst.IsValid() && sel.Dst.Addr().BitLen() == sa.Dst.BitLen() {
			m.Dst.PrefixLen = uint8(sel.Dst.Bits())
		}
	}
	switch sa.Proto {
	case ike.ProtoIPComp:
		c, ok := CompAlg(sa.CompID)
		if !ok {
			return nil, fmt.Errorf("IPComp transform %d has no PF_KEY number: %w", sa.CompID, syscall.EINVAL)
		}
		s.Encrypt = c
	default:
		if sa.Proto == ike.ProtoESP {
			e, ok := EncrAlg(sa.EncrID)
			if !ok {
				return nil, fmt.Errorf("ENCR transform %d has no PF_KEY number: %w", sa.EncrID, syscall.EINVAL)
			}
			s.Encrypt = e
			if len(sa.EncrKey) > 0 {
				m.EncryptKey = &Key{Bits: uint16(len(sa.EncrKey) * 8), Data: sa.EncrKey}
			}
		} else if sa.EncrID != 0 {
			return nil, fmt.Errorf("AH with an ENCR transform: %w", syscall.EINVAL)
		}
		if sa.IntegID != 0 {
			a, ok := IntegAlg(sa.IntegID)
			if !ok {
				return nil, fmt.Errorf("INTEG transform %d has no PF_KEY number: %w", sa.IntegID, syscall.EINVAL)
			}
			s.Auth = a
			m.AuthKey = &Key{Bits: uint16(len(sa.IntegKey) * 8), Data: sa.IntegKey}
		} else if sa.Proto == ike.ProtoAH {
			return nil, fmt.Errorf("AH without INTEG transform: %w", syscall.EINVAL)
		}
	}
	// Linux af_key refuses one lifetime without the other (EINVAL, seen in
	// TestKernelTraffic); zero fields mean unlimited.
	if l := sa.Lifetime; l != (ike.Lifetime{}) {
		m.Hard = &Lifetime{Bytes: l.HardBytes, AddTime: uint64(l.HardTime / time.Second)}
		m.Soft = &Lifetime{Bytes: l.SoftBytes, AddTime: uint64(l.SoftTime / time.Second)}
	}
	if e := sa.Encap; e != nil {
		if sa.Proto != ike.ProtoESP {
			return nil, fmt.Errorf("UDP encapsulation of %v: %w", sa.Proto, syscall.EINVAL)
		}
		typ, sp, dp := uint8(NATTEspInUDP), e.SrcPort, e.DstPort
		m.NATTType, m.NATTSPort, m.NATTDPort = &typ, &sp, &dp
		if e.OrigAddr.IsValid() {
			// KAME reads NAT_T_OA as NAT_T_OAI, the original address
			// of the SA's source, and only for transport-mode checksum
			// fixup; FreeBSD's key_setnatt takes AF_INET only there.
			if native.oar && e.OrigAddr.Is6() && sa.Mode != ike.ModeTunnel {
				return nil, fmt.Errorf("IPv6 NAT-OA %v: %s takes IPv4 only: %w", e.OrigAddr, native.name, syscall.EINVAL)
			}
			m.NATTOA = hostAddr(e.OrigAddr)
		}
	}
	return m, nil
}

// checkReqID refuses a reqid the KAME descendants cannot carry: their
// sadb_x_ipsecrequest_reqid has 16 bits (and NetBSD's sadb_x_sa2_reqid
// "topmost 16bits are always 0"), so an SA with a larger one would never
// match its policy.
func checkReqID(r uint32) error {
	if native.kameReq && r > 0xffff {
		return fmt.Errorf("reqid %d above %s's 16-bit reqids: %w", r, native.name, syscall.EINVAL)
	}
	return nil
}

func said(id ike.SAID) (*Msg, error) {
	st, ok := SATypeOf(id.Proto)
	if !ok || st == SATypeUnspec {
		return nil, fmt.Errorf("protocol %v: %w", id.Proto, syscall.EINVAL)
	}
	return &Msg{SAType: st, SA: &SA{SPI: id.SPI}, Src: hostAddr(id.Src), Dst: hostAddr(id.Dst)}, nil
}
