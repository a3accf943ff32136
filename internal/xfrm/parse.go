package xfrm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/racoon2go/iked/internal/ike"
)

// Netlink and XFRM fields are in host order except addresses, SPIs and
// ports.
var ne = binary.NativeEndian

// XFRM message types (linux/xfrm.h) the listener decodes.
const (
	msgNewSA    = 0x10
	msgAcquire  = 0x17
	msgExpire   = 0x18
	msgMigrate  = 0x21
	nlmsgError  = 2
	nlmsgHdrLen = 16
)

// XFRM attribute types (linux/xfrm.h).
const (
	attrTmpl    = 5
	attrMigrate = 17
)

// Sizes of the kernel structures (linux/xfrm.h, x86-64 and arm64 alike).
const (
	sizeSelector    = 56
	sizeUsersaInfo  = 224
	sizePolicyInfo  = 168
	sizeAcquire     = 280
	sizeExpire      = 232 // usersa_info + hard, padded
	sizeUserTmpl    = 64
	sizePolicyID    = 64
	sizeUserMigrate = 76
)

const (
	afInet  = 2
	afInet6 = 10
)

// Msg is one netlink message: its type and payload (after nlmsghdr).
type Msg struct {
	Type uint16
	Seq  uint32
	Data []byte
}

// SplitMessages splits a netlink datagram into its messages.
func SplitMessages(b []byte) ([]Msg, error) {
	var out []Msg
	for len(b) >= nlmsgHdrLen {
		l := int(ne.Uint32(b))
		if l < nlmsgHdrLen || l > len(b) {
			return out, fmt.Errorf("xfrm: netlink message length %d of %d", l, len(b))
		}
		out = append(out, Msg{Type: ne.Uint16(b[4:]), Seq: ne.Uint32(b[8:]), Data: b[nlmsgHdrLen:l]})
		l = (l + 3) &^ 3
		if l > len(b) {
			break
		}
		b = b[l:]
	}
	return out, nil
}

// attrs returns the netlink attributes in b by type (the last wins).
func attrs(b []byte) (map[uint16][]byte, error) {
	m := map[uint16][]byte{}
	for len(b) >= 4 {
		l := int(ne.Uint16(b))
		if l < 4 || l > len(b) {
			return nil, fmt.Errorf("xfrm: attribute length %d of %d", l, len(b))
		}
		m[ne.Uint16(b[2:])&0x3fff] = b[4:l]
		l = (l + 3) &^ 3
		if l > len(b) {
			break
		}
		b = b[l:]
	}
	return m, nil
}

func addrOf(b []byte, fam uint16) netip.Addr {
	switch fam {
	case afInet:
		return netip.AddrFrom4([4]byte(b[:4]))
	case afInet6:
		return netip.AddrFrom16([16]byte(b[:16]))
	}
	return netip.Addr{}
}

func prefixOf(a netip.Addr, bits uint8) netip.Prefix {
	if !a.IsValid() {
		return netip.Prefix{}
	}
	p, err := a.Prefix(int(bits))
	if err != nil {
		return netip.Prefix{}
	}
	return p
}

// selector decodes struct xfrm_selector.
func selector(b []byte) ike.Selector {
	fam := ne.Uint16(b[40:])
	s := ike.Selector{
		Dst:   prefixOf(addrOf(b[0:], fam), b[42]),
		Src:   prefixOf(addrOf(b[16:], fam), b[43]),
		Proto: b[44],
	}
	if ne.Uint16(b[34:]) != 0 {
		s.DstPort = binary.BigEndian.Uint16(b[32:])
	}
	if ne.Uint16(b[38:]) != 0 {
		s.SrcPort = binary.BigEndian.Uint16(b[36:])
	}
	return s
}

func modeOf(m uint8) ike.Mode {
	switch m {
	case 0:
		return ike.ModeTransport
	case 1:
		return ike.ModeTunnel
	}
	return ike.ModeAny
}

func dirOf(d uint8) ike.Dir {
	switch d {
	case 0:
		return ike.DirIn
	case 1:
		return ike.DirOut
	case 2:
		return ike.DirFwd
	}
	return 0
}

var errShort = errors.New("xfrm: message too short")

// ParseAcquire decodes XFRM_MSG_ACQUIRE (struct xfrm_user_acquire and its
// templates). The address family comes from the template that matches the
// larval SA's protocol (the structure has none of its own).
func ParseAcquire(b []byte) (*ike.Acquire, error) {
	if len(b) < sizeAcquire {
		return nil, errShort
	}
	proto := ike.Proto(b[20])
	pol := b[96:]
	a := &ike.Acquire{
		Seq:      ne.Uint32(b[276:]),
		PolicyID: ne.Uint32(pol[156:]),
		Proto:    proto,
		Mode:     ike.ModeAny,
		Selector: selector(b[40:]),
	}
	fam := ne.Uint16(pol[40:])
	at, err := attrs(b[sizeAcquire:])
	if err != nil {
		return nil, err
	}
	var tmpl []byte // the template of the larval SA's protocol, else the first
	t := at[attrTmpl]
	for o := 0; o+sizeUserTmpl <= len(t); o += sizeUserTmpl {
		if tmpl == nil || ike.Proto(t[o+20]) == proto {
			tmpl = t[o : o+sizeUserTmpl]
		}
		if ike.Proto(t[o+20]) == proto {
			break
		}
	}
	if tmpl != nil {
		fam = ne.Uint16(tmpl[24:])
		a.ReqID, a.Mode = ne.Uint32(tmpl[44:]), modeOf(tmpl[48])
	}
	a.Dst, a.Src = addrOf(b[0:], fam), addrOf(b[24:], fam)
	if !a.Dst.IsValid() || !a.Src.IsValid() {
		return nil, fmt.Errorf("xfrm: ACQUIRE with address family %d", fam)
	}
	return a, nil
}

// saInfo holds the fields of struct xfrm_usersa_info an event needs.
type saInfo struct {
	id             ike.SAID
	bytes, packets uint64
	reqID          uint32
	mode           uint8
}

func parseUsersa(b []byte) (saInfo, error) {
	if len(b) < sizeUsersaInfo {
		return saInfo{}, errShort
	}
	fam := ne.Uint16(b[212:])
	u := saInfo{
		id: ike.SAID{Dst: addrOf(b[56:], fam), Src: addrOf(b[80:], fam),
			SPI: binary.BigEndian.Uint32(b[72:]), Proto: ike.Proto(b[76])},
		bytes: ne.Uint64(b[160:]), packets: ne.Uint64(b[168:]),
		reqID: ne.Uint32(b[208:]), mode: b[214],
	}
	if !u.id.Dst.IsValid() {
		return saInfo{}, fmt.Errorf("xfrm: SA with address family %d", fam)
	}
	return u, nil
}

// ParseExpire decodes XFRM_MSG_EXPIRE (struct xfrm_user_expire). Packets
// go in Allocations, as Linux PF_KEY reports them, so that racoon2's rule
// (a soft expire of an SA never used is ignored) reads the same.
func ParseExpire(b []byte) (*ike.Expire, error) {
	if len(b) < sizeUsersaInfo+1 {
		return nil, errShort
	}
	u, err := parseUsersa(b)
	if err != nil {
		return nil, err
	}
	return &ike.Expire{SAID: u.id, Hard: b[sizeUsersaInfo] != 0, Bytes: u.bytes, Allocations: uint32(u.packets)}, nil
}

// ParseMigrate decodes XFRM_MSG_MIGRATE: struct xfrm_userpolicy_id then
// XFRMA_MIGRATE entries (struct xfrm_user_migrate); the first gives the
// endpoints.
func ParseMigrate(b []byte) (*ike.Migrate, error) {
	if len(b) < sizePolicyID {
		return nil, errShort
	}
	at, err := attrs(b[sizePolicyID:])
	if err != nil {
		return nil, err
	}
	mg := at[attrMigrate]
	if len(mg) < sizeUserMigrate {
		return nil, errors.New("xfrm: MIGRATE without entries")
	}
	of, nf := ne.Uint16(mg[72:]), ne.Uint16(mg[74:])
	m := &ike.Migrate{
		Selector: selector(b),
		Dir:      dirOf(b[60]),
		ReqID:    ne.Uint32(mg[68:]),
		OldDst:   addrOf(mg[0:], of), OldSrc: addrOf(mg[16:], of),
		NewDst: addrOf(mg[32:], nf), NewSrc: addrOf(mg[48:], nf),
	}
	if !m.OldDst.IsValid() || !m.NewDst.IsValid() {
		return nil, fmt.Errorf("xfrm: MIGRATE with address families %d, %d", of, nf)
	}
	return m, nil
}

// Event decodes one multicast message into an ike.Event; nil, nil for
// types the engines do not consume.
func Event(m Msg) (ike.Event, error) {
	switch m.Type {
	case msgAcquire:
		return ParseAcquire(m.Data)
	case msgExpire:
		return ParseExpire(m.Data)
	case msgMigrate:
		return ParseMigrate(m.Data)
	}
	return nil, nil
}
