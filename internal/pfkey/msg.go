package pfkey

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// PF_KEY fields are in host byte order, except SPIs and ports.
var ne = binary.NativeEndian

const (
	hdrLen = 16 // struct sadb_msg
	extHdr = 4  // struct sadb_ext
)

// SA is struct sadb_sa (RFC 2367 section 2.3.1).
type SA struct {
	SPI     uint32 // host value; network order on the wire
	Replay  uint8
	State   uint8
	Auth    uint8
	Encrypt uint8
	Flags   uint32
}

// Lifetime is struct sadb_lifetime (section 2.3.2).
type Lifetime struct {
	Allocations uint32
	Bytes       uint64
	AddTime     uint64 // seconds
	UseTime     uint64 // seconds
}

// Address is struct sadb_address and its sockaddr (section 2.3.3).
type Address struct {
	Proto     uint8
	PrefixLen uint8
	Addr      netip.AddrPort
}

// Key is struct sadb_key (section 2.3.4). Bits may be less than 8*len(Data).
type Key struct {
	Bits uint16
	Data []byte
}

// Ident is struct sadb_ident (section 2.3.5); Data is the string that
// follows it, without its padding.
type Ident struct {
	Type uint16
	ID   uint64
	Data []byte
}

// Sens is struct sadb_sens with its bitmaps (RFC 2367 section 2.3.6).
type Sens struct {
	DPD         uint32
	SensLevel   uint8
	IntegLevel  uint8
	SensBitmap  []uint64
	IntegBitmap []uint64
}

// Comb is struct sadb_comb (section 2.3.7).
type Comb struct {
	Auth, Encrypt                    uint8
	Flags                            uint16
	AuthMinBits, AuthMaxBits         uint16
	EncryptMinBits, EncryptMaxBits   uint16
	SoftAllocations, HardAllocations uint32
	SoftBytes, HardBytes             uint64
	SoftAddTime, HardAddTime         uint64
	SoftUseTime, HardUseTime         uint64
}

// Proposal is struct sadb_prop with its combinations (section 2.3.7).
type Proposal struct {
	Replay uint8
	Combs  []Comb
}

// Alg is struct sadb_alg, one entry of a supported list (section 2.3.8).
type Alg struct {
	ID      uint8
	IVLen   uint8
	MinBits uint16
	MaxBits uint16
}

// SPIRange is struct sadb_spirange (section 2.3.9), in host order.
type SPIRange struct{ Min, Max uint32 }

// SA2 is struct sadb_x_sa2 (KAME/Linux): the mode and reqid of an SA.
type SA2 struct {
	Mode     uint8
	Sequence uint32
	ReqID    uint32
}

// Request is struct sadb_x_ipsecrequest: one transform of an IPsec policy.
// Src and Dst are present for tunnel mode (and for MIGRATE), invalid
// otherwise. ReqID has 16 bits on the KAME descendants.
type Request struct {
	Proto    uint16
	Mode     uint8
	Level    uint8
	ReqID    uint32
	Src, Dst netip.AddrPort
}

// Policy is struct sadb_x_policy with its ipsecrequests. Priority is a
// reserved field on NetBSD. Flags is the byte after the direction: Linux's
// reserved, FreeBSD's sadb_x_policy_scope (IPSEC_POLICYSCOPE_*, 0 = any),
// NetBSD's sadb_x_policy_flags (0x80: made by the kernel).
type Policy struct {
	Type     uint16
	Dir      uint8
	Flags    uint8
	ID       uint32
	Priority uint32
	Requests []Request
}

// KMAddress is struct sadb_x_kmaddress: the key manager's endpoints of a
// MIGRATE.
type KMAddress struct{ Local, Remote netip.AddrPort }

// RawExt is an extension kept as bytes: one the codec does not interpret
// (security context, filter, sensitivity bitmaps, unknown types). Data is
// the body after the 4-byte extension header.
type RawExt struct {
	Type ExtType
	Data []byte
}

// Msg is a PF_KEYv2 message: the base header and its extensions. A nil
// pointer or slice means the extension is absent.
type Msg struct {
	Type     MsgType
	Errno    uint8
	SAType   SAType
	Reserved uint16
	Seq, PID uint32

	SA                  *SA
	Current, Hard, Soft *Lifetime
	Src, Dst, Proxy     *Address
	AuthKey, EncryptKey *Key
	SrcIdent, DstIdent  *Ident
	Sensitivity         *Sens
	Proposal            *Proposal
	SupportedAuth       []Alg
	SupportedEncrypt    []Alg
	hasSuppAuth         bool
	hasSuppEnc          bool
	SPIRange            *SPIRange
	Policy              *Policy
	SA2                 *SA2
	NATTType            *uint8
	NATTSPort           *uint16
	NATTDPort           *uint16
	NATTOA              *Address // SADB_X_EXT_NAT_T_OA; KAME: NAT_T_OAI
	NATTOAR             *Address // SADB_X_EXT_NAT_T_OAR (KAME only)
	KMAddress           *KMAddress
	SAReplay            *uint32 // SADB_X_EXT_SA_REPLAY, packets (FreeBSD only)
	// Raw holds the extensions kept as bytes, in the order received.
	Raw []RawExt
}

// ParseError describes a malformed message: which extension and where.
type ParseError struct {
	Ext    ExtType // 0: the base header
	Offset int
	Msg    string
}

func (e *ParseError) Error() string {
	if e.Ext == 0 {
		return fmt.Sprintf("pfkey: header at %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("pfkey: extension %d at %d: %s", e.Ext, e.Offset, e.Msg)
}

// ErrShort is returned for a buffer shorter than the length it announces.
var ErrShort = errors.New("pfkey: short message")

// MsgLen returns the length announced by the header at the start of b, or
// 0 if b is too short to hold one.
func MsgLen(b []byte) int {
	if len(b) < hdrLen {
		return 0
	}
	return int(ne.Uint16(b[4:])) * 8
}

// Parse decodes one message. Every extension is checked for bounds and
// duplicates (as racoon2's rcpfk_handler does); extensions the codec does
// not interpret are kept in Raw. Slices in the result alias b.
func Parse(b []byte) (*Msg, error) {
	if len(b) < hdrLen {
		return nil, &ParseError{Offset: 0, Msg: "short header"}
	}
	if b[0] != Version {
		return nil, &ParseError{Offset: 0, Msg: fmt.Sprintf("version %d", b[0])}
	}
	n := MsgLen(b)
	if n < hdrLen {
		return nil, &ParseError{Offset: 4, Msg: "length below header size"}
	}
	if n > len(b) {
		return nil, ErrShort
	}
	m := &Msg{
		Type:     MsgType(b[1]),
		Errno:    b[2],
		SAType:   SAType(b[3]),
		Reserved: ne.Uint16(b[6:]),
		Seq:      ne.Uint32(b[8:]),
		PID:      ne.Uint32(b[12:]),
	}
	var seen [extMax + 1]bool
	for off := hdrLen; off < n; {
		if n-off < extHdr {
			return nil, &ParseError{Offset: off, Msg: "truncated extension header"}
		}
		l := int(ne.Uint16(b[off:])) * 8
		t := ExtType(ne.Uint16(b[off+2:]))
		if l < 8 || l > n-off {
			return nil, &ParseError{Ext: t, Offset: off, Msg: fmt.Sprintf("bad length %d", l)}
		}
		if t == 0 {
			return nil, &ParseError{Ext: t, Offset: off, Msg: "reserved type 0"}
		}
		if t <= extMax {
			if seen[t] {
				return nil, &ParseError{Ext: t, Offset: off, Msg: "duplicate"}
			}
			seen[t] = true
		}
		if err := m.parseExt(t, b[off:off+l]); err != nil {
			return nil, &ParseError{Ext: t, Offset: off, Msg: err.Error()}
		}
		off += l
	}
	return m, nil
}

var errExtShort = errors.New("too short")

func (m *Msg) parseExt(t ExtType, e []byte) error {
	switch t {
	case ExtSA:
		if len(e) < 16 {
			return errExtShort
		}
		m.SA = &SA{SPI: binary.BigEndian.Uint32(e[4:]), Replay: e[8], State: e[9],
			Auth: e[10], Encrypt: e[11], Flags: ne.Uint32(e[12:])}
	case ExtLifetimeCurrent, ExtLifetimeHard, ExtLifetimeSoft:
		if len(e) < 32 {
			return errExtShort
		}
		lt := &Lifetime{Allocations: ne.Uint32(e[4:]), Bytes: ne.Uint64(e[8:]),
			AddTime: ne.Uint64(e[16:]), UseTime: ne.Uint64(e[24:])}
		switch t {
		case ExtLifetimeCurrent:
			m.Current = lt
		case ExtLifetimeHard:
			m.Hard = lt
		default:
			m.Soft = lt
		}
	case ExtAddressSrc, ExtAddressDst, ExtAddressProxy, ExtXNATTOA:
		a, err := parseAddress(e)
		if err != nil {
			return err
		}
		switch t {
		case ExtAddressSrc:
			m.Src = a
		case ExtAddressDst:
			m.Dst = a
		case ExtAddressProxy:
			m.Proxy = a
		default:
			m.NATTOA = a
		}
	case ExtKeyAuth, ExtKeyEncrypt:
		if len(e) < 8 {
			return errExtShort
		}
		bits := ne.Uint16(e[4:])
		nb := (int(bits) + 7) / 8
		if nb > len(e)-8 {
			return fmt.Errorf("key of %d bits in %d bytes", bits, len(e)-8)
		}
		k := &Key{Bits: bits, Data: e[8 : 8+nb]}
		if t == ExtKeyAuth {
			m.AuthKey = k
		} else {
			m.EncryptKey = k
		}
	case ExtIdentitySrc, ExtIdentityDst:
		if len(e) < 16 {
			return errExtShort
		}
		id := &Ident{Type: ne.Uint16(e[4:]), ID: ne.Uint64(e[8:]), Data: trimNUL(e[16:])}
		if t == ExtIdentitySrc {
			m.SrcIdent = id
		} else {
			m.DstIdent = id
		}
	case ExtSensitivity:
		sn, err := parseSens(e)
		if err != nil {
			return err
		}
		m.Sensitivity = sn
	case ExtProposal:
		p, err := parseProposal(e)
		if err != nil {
			return err
		}
		m.Proposal = p
	case ExtSupportedAuth, ExtSupportedEncr:
		if len(e) < 8 || (len(e)-8)%8 != 0 {
			return errors.New("supported list not a multiple of sadb_alg")
		}
		algs := make([]Alg, 0, (len(e)-8)/8)
		for o := 8; o < len(e); o += 8 {
			algs = append(algs, Alg{ID: e[o], IVLen: e[o+1],
				MinBits: ne.Uint16(e[o+2:]), MaxBits: ne.Uint16(e[o+4:])})
		}
		if t == ExtSupportedAuth {
			m.SupportedAuth, m.hasSuppAuth = algs, true
		} else {
			m.SupportedEncrypt, m.hasSuppEnc = algs, true
		}
	case ExtSPIRange:
		if len(e) < 16 {
			return errExtShort
		}
		m.SPIRange = &SPIRange{Min: ne.Uint32(e[4:]), Max: ne.Uint32(e[8:])}
	case ExtXPolicy:
		p, err := parsePolicy(e)
		if err != nil {
			return err
		}
		m.Policy = p
	case ExtXSA2:
		if len(e) < 16 {
			return errExtShort
		}
		m.SA2 = &SA2{Mode: e[4], Sequence: ne.Uint32(e[8:]), ReqID: ne.Uint32(e[12:])}
	case ExtXNATTType:
		v := e[4]
		m.NATTType = &v
	case ExtXNATTSPort, ExtXNATTDPort:
		v := binary.BigEndian.Uint16(e[4:])
		if t == ExtXNATTSPort {
			m.NATTSPort = &v
		} else {
			m.NATTDPort = &v
		}
	case ExtXNATTOAR: // ExtXSecCtx on Linux
		if native.oar {
			a, err := parseAddress(e)
			if err != nil {
				return err
			}
			m.NATTOAR = a
			return nil
		}
		m.Raw = append(m.Raw, RawExt{Type: t, Data: e[extHdr:]})
	case ExtXSAReplay: // ExtXFilter on Linux
		if native.replayExt {
			if len(e) < 8 {
				return errExtShort
			}
			v := ne.Uint32(e[4:])
			m.SAReplay = &v
			return nil
		}
		m.Raw = append(m.Raw, RawExt{Type: t, Data: e[extHdr:]})
	case ExtXKMAddress:
		if native.kmAddr {
			k, err := parseKMAddress(e)
			if err != nil {
				return err
			}
			m.KMAddress = k
			return nil
		}
		m.Raw = append(m.Raw, RawExt{Type: t, Data: e[extHdr:]})
	default:
		// KM private, security context, filter and types
		// this codec does not know are carried, not interpreted.
		m.Raw = append(m.Raw, RawExt{Type: t, Data: e[extHdr:]})
	}
	return nil
}

func trimNUL(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

func parseAddress(e []byte) (*Address, error) {
	if len(e) < 8 {
		return nil, errExtShort
	}
	ap, _, err := parseSockaddr(e[8:])
	if err != nil {
		return nil, err
	}
	return &Address{Proto: e[4], PrefixLen: e[5], Addr: ap}, nil
}

func parseSens(e []byte) (*Sens, error) {
	if len(e) < 16 {
		return nil, errExtShort
	}
	sl, il := int(e[9]), int(e[11])
	if 16+8*(sl+il) > len(e) {
		return nil, fmt.Errorf("bitmaps of %d+%d words in %d bytes", sl, il, len(e))
	}
	s := &Sens{DPD: ne.Uint32(e[4:]), SensLevel: e[8], IntegLevel: e[10]}
	words := func(o, n int) []uint64 {
		w := make([]uint64, n)
		for i := range w {
			w[i] = ne.Uint64(e[o+8*i:])
		}
		return w
	}
	s.SensBitmap, s.IntegBitmap = words(16, sl), words(16+8*sl, il)
	return s, nil
}

func parseProposal(e []byte) (*Proposal, error) {
	const combLen = 72
	if len(e) < 8 || (len(e)-8)%combLen != 0 {
		return nil, errors.New("proposal not a multiple of sadb_comb")
	}
	p := &Proposal{Replay: e[4], Combs: make([]Comb, 0, (len(e)-8)/combLen)}
	for o := 8; o < len(e); o += combLen {
		c := e[o:]
		p.Combs = append(p.Combs, Comb{
			Auth: c[0], Encrypt: c[1], Flags: ne.Uint16(c[2:]),
			AuthMinBits: ne.Uint16(c[4:]), AuthMaxBits: ne.Uint16(c[6:]),
			EncryptMinBits: ne.Uint16(c[8:]), EncryptMaxBits: ne.Uint16(c[10:]),
			SoftAllocations: ne.Uint32(c[16:]), HardAllocations: ne.Uint32(c[20:]),
			SoftBytes: ne.Uint64(c[24:]), HardBytes: ne.Uint64(c[32:]),
			SoftAddTime: ne.Uint64(c[40:]), HardAddTime: ne.Uint64(c[48:]),
			SoftUseTime: ne.Uint64(c[56:]), HardUseTime: ne.Uint64(c[64:]),
		})
	}
	return p, nil
}

func parsePolicy(e []byte) (*Policy, error) {
	if len(e) < 16 {
		return nil, errExtShort
	}
	p := &Policy{Type: ne.Uint16(e[4:]), Dir: e[6], Flags: e[7], ID: ne.Uint32(e[8:]), Priority: ne.Uint32(e[12:])}
	hl := native.reqHdrLen()
	for o := 16; o < len(e); {
		if len(e)-o < hl {
			return nil, fmt.Errorf("truncated ipsecrequest at %d", o)
		}
		r := e[o:]
		l := int(ne.Uint16(r))
		if l < hl || l > len(e)-o {
			return nil, fmt.Errorf("ipsecrequest at %d: bad length %d", o, l)
		}
		q := Request{Proto: ne.Uint16(r[2:]), Mode: r[4], Level: r[5]}
		if native.kameReq {
			q.ReqID = uint32(ne.Uint16(r[6:]))
		} else {
			q.ReqID = ne.Uint32(r[8:])
		}
		if l > hl {
			src, n, err := parseSockaddr(r[hl:l])
			if err != nil {
				return nil, fmt.Errorf("ipsecrequest at %d: src: %w", o, err)
			}
			dst, _, err := parseSockaddr(r[hl+n : l])
			if err != nil {
				return nil, fmt.Errorf("ipsecrequest at %d: dst: %w", o, err)
			}
			q.Src, q.Dst = src, dst
		}
		p.Requests = append(p.Requests, q)
		o += l
	}
	return p, nil
}

func parseKMAddress(e []byte) (*KMAddress, error) {
	if len(e) < 8 {
		return nil, errExtShort
	}
	l, n, err := parseSockaddr(e[8:])
	if err != nil {
		return nil, err
	}
	r, _, err := parseSockaddr(e[8+n:])
	if err != nil {
		return nil, err
	}
	return &KMAddress{Local: l, Remote: r}, nil
}

// Marshal appends the wire form of m to b. Extensions go out in ascending
// type order (the kernel indexes them by type; the order does not matter).
func (m *Msg) Marshal(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, Version, byte(m.Type), m.Errno, byte(m.SAType), 0, 0)
	b = ne.AppendUint16(b, m.Reserved)
	b = ne.AppendUint32(b, m.Seq)
	b = ne.AppendUint32(b, m.PID)
	var err error
	if m.SA != nil {
		s := m.SA
		b = extStart(b, 2, ExtSA)
		b = append(b, byte(s.SPI>>24), byte(s.SPI>>16), byte(s.SPI>>8), byte(s.SPI),
			s.Replay, s.State, s.Auth, s.Encrypt)
		b = ne.AppendUint32(b, s.Flags)
	}
	b = appendLifetime(b, ExtLifetimeCurrent, m.Current)
	b = appendLifetime(b, ExtLifetimeHard, m.Hard)
	b = appendLifetime(b, ExtLifetimeSoft, m.Soft)
	for _, a := range []struct {
		t ExtType
		a *Address
	}{{ExtAddressSrc, m.Src}, {ExtAddressDst, m.Dst}, {ExtAddressProxy, m.Proxy}} {
		if b, err = appendAddress(b, a.t, a.a); err != nil {
			return nil, err
		}
	}
	b = appendKey(b, ExtKeyAuth, m.AuthKey)
	b = appendKey(b, ExtKeyEncrypt, m.EncryptKey)
	b = appendIdent(b, ExtIdentitySrc, m.SrcIdent)
	b = appendIdent(b, ExtIdentityDst, m.DstIdent)
	if sn := m.Sensitivity; sn != nil {
		if len(sn.SensBitmap) > 255 || len(sn.IntegBitmap) > 255 {
			return nil, errors.New("pfkey: sensitivity bitmap too long")
		}
		b = extStart(b, 2+len(sn.SensBitmap)+len(sn.IntegBitmap), ExtSensitivity)
		b = ne.AppendUint32(b, sn.DPD)
		b = append(b, sn.SensLevel, byte(len(sn.SensBitmap)), sn.IntegLevel, byte(len(sn.IntegBitmap)))
		b = ne.AppendUint32(b, 0)
		for _, w := range append(append([]uint64(nil), sn.SensBitmap...), sn.IntegBitmap...) {
			b = ne.AppendUint64(b, w)
		}
	}
	if p := m.Proposal; p != nil {
		b = extStart(b, 1+len(p.Combs)*9, ExtProposal)
		b = append(b, p.Replay, 0, 0, 0)
		for _, c := range p.Combs {
			b = appendComb(b, &c)
		}
	}
	if m.SupportedAuth != nil || m.hasSuppAuth {
		b = appendSupported(b, ExtSupportedAuth, m.SupportedAuth)
	}
	if m.SupportedEncrypt != nil || m.hasSuppEnc {
		b = appendSupported(b, ExtSupportedEncr, m.SupportedEncrypt)
	}
	if r := m.SPIRange; r != nil {
		b = extStart(b, 2, ExtSPIRange)
		b = ne.AppendUint32(b, r.Min)
		b = ne.AppendUint32(b, r.Max)
		b = ne.AppendUint32(b, 0)
	}
	if m.Policy != nil {
		if b, err = appendPolicy(b, m.Policy); err != nil {
			return nil, err
		}
	}
	if s := m.SA2; s != nil {
		b = extStart(b, 2, ExtXSA2)
		b = append(b, s.Mode, 0, 0, 0)
		b = ne.AppendUint32(b, s.Sequence)
		b = ne.AppendUint32(b, s.ReqID)
	}
	if m.NATTType != nil {
		b = extStart(b, 1, ExtXNATTType)
		b = append(b, *m.NATTType, 0, 0, 0)
	}
	b = appendPort(b, ExtXNATTSPort, m.NATTSPort)
	b = appendPort(b, ExtXNATTDPort, m.NATTDPort)
	if b, err = appendAddress(b, ExtXNATTOA, m.NATTOA); err != nil {
		return nil, err
	}
	if m.NATTOAR != nil {
		if !native.oar {
			return nil, fmt.Errorf("pfkey: SADB_X_EXT_NAT_T_OAR does not exist on %s", native.name)
		}
		if b, err = appendAddress(b, ExtXNATTOAR, m.NATTOAR); err != nil {
			return nil, err
		}
	}
	if k := m.KMAddress; k != nil && native.kmAddr {
		hs := len(b)
		b = extStart(b, 0, ExtXKMAddress)
		b = append(b, 0, 0, 0, 0)
		if b, err = appendSockaddr(b, k.Local); err != nil {
			return nil, err
		}
		if b, err = appendSockaddr(b, k.Remote); err != nil {
			return nil, err
		}
		b = pad8(b, hs)
		ne.PutUint16(b[hs:], uint16((len(b)-hs)/8))
	}
	if m.SAReplay != nil {
		if !native.replayExt {
			return nil, fmt.Errorf("pfkey: SADB_X_EXT_SA_REPLAY does not exist on %s", native.name)
		}
		b = extStart(b, 1, ExtXSAReplay)
		b = ne.AppendUint32(b, *m.SAReplay)
	}
	for _, r := range m.Raw {
		hs := len(b)
		b = extStart(b, 0, r.Type)
		b = append(b, r.Data...)
		b = pad8(b, hs)
		ne.PutUint16(b[hs:], uint16((len(b)-hs)/8))
	}
	n := len(b) - start
	if n/8 > 0xffff {
		return nil, errors.New("pfkey: message too long")
	}
	ne.PutUint16(b[start+4:], uint16(n/8))
	return b, nil
}

// extStart appends an extension header of units 8-byte words.
func extStart(b []byte, units int, t ExtType) []byte {
	b = ne.AppendUint16(b, uint16(units))
	return ne.AppendUint16(b, uint16(t))
}

func pad8(b []byte, from int) []byte {
	for (len(b)-from)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

func appendLifetime(b []byte, t ExtType, l *Lifetime) []byte {
	if l == nil {
		return b
	}
	b = extStart(b, 4, t)
	b = ne.AppendUint32(b, l.Allocations)
	b = ne.AppendUint64(b, l.Bytes)
	b = ne.AppendUint64(b, l.AddTime)
	return ne.AppendUint64(b, l.UseTime)
}

func appendAddress(b []byte, t ExtType, a *Address) ([]byte, error) {
	if a == nil {
		return b, nil
	}
	hs := len(b)
	b = extStart(b, 0, t)
	b = append(b, a.Proto, a.PrefixLen, 0, 0)
	b, err := appendSockaddr(b, a.Addr)
	if err != nil {
		return nil, err
	}
	b = pad8(b, hs)
	ne.PutUint16(b[hs:], uint16((len(b)-hs)/8))
	return b, nil
}

func appendKey(b []byte, t ExtType, k *Key) []byte {
	if k == nil {
		return b
	}
	hs := len(b)
	b = extStart(b, 0, t)
	bits := k.Bits
	if bits == 0 {
		bits = uint16(len(k.Data) * 8)
	}
	b = ne.AppendUint16(b, bits)
	b = append(b, 0, 0)
	b = append(b, k.Data...)
	b = pad8(b, hs)
	ne.PutUint16(b[hs:], uint16((len(b)-hs)/8))
	return b
}

func appendIdent(b []byte, t ExtType, id *Ident) []byte {
	if id == nil {
		return b
	}
	hs := len(b)
	b = extStart(b, 0, t)
	b = ne.AppendUint16(b, id.Type)
	b = append(b, 0, 0)
	b = ne.AppendUint64(b, id.ID)
	if len(id.Data) > 0 {
		b = append(b, id.Data...)
		b = append(b, 0) // NUL-terminated (RFC 2367 section 2.3.5)
	}
	b = pad8(b, hs)
	ne.PutUint16(b[hs:], uint16((len(b)-hs)/8))
	return b
}

func appendComb(b []byte, c *Comb) []byte {
	b = append(b, c.Auth, c.Encrypt)
	b = ne.AppendUint16(b, c.Flags)
	b = ne.AppendUint16(b, c.AuthMinBits)
	b = ne.AppendUint16(b, c.AuthMaxBits)
	b = ne.AppendUint16(b, c.EncryptMinBits)
	b = ne.AppendUint16(b, c.EncryptMaxBits)
	b = ne.AppendUint32(b, 0)
	b = ne.AppendUint32(b, c.SoftAllocations)
	b = ne.AppendUint32(b, c.HardAllocations)
	for _, v := range []uint64{c.SoftBytes, c.HardBytes, c.SoftAddTime, c.HardAddTime, c.SoftUseTime, c.HardUseTime} {
		b = ne.AppendUint64(b, v)
	}
	return b
}

func appendSupported(b []byte, t ExtType, algs []Alg) []byte {
	b = extStart(b, 1+len(algs), t)
	b = append(b, 0, 0, 0, 0)
	for _, a := range algs {
		b = append(b, a.ID, a.IVLen)
		b = ne.AppendUint16(b, a.MinBits)
		b = ne.AppendUint16(b, a.MaxBits)
		b = append(b, 0, 0)
	}
	return b
}

func appendPort(b []byte, t ExtType, p *uint16) []byte {
	if p == nil {
		return b
	}
	b = extStart(b, 1, t)
	return append(b, byte(*p>>8), byte(*p), 0, 0) // network order (RFC 3948 ports)
}

func appendPolicy(b []byte, p *Policy) ([]byte, error) {
	if p.Priority != 0 && !native.priority {
		return nil, fmt.Errorf("pfkey: policy priority %d: %s has no sadb_x_policy_priority: %w",
			p.Priority, native.name, syscall.EOPNOTSUPP)
	}
	hs := len(b)
	b = extStart(b, 0, ExtXPolicy)
	b = ne.AppendUint16(b, p.Type)
	b = append(b, p.Dir, p.Flags)
	b = ne.AppendUint32(b, p.ID)
	b = ne.AppendUint32(b, p.Priority)
	for _, r := range p.Requests {
		rs := len(b)
		b = ne.AppendUint16(b, 0)
		b = ne.AppendUint16(b, r.Proto)
		b = append(b, r.Mode, r.Level)
		if native.kameReq {
			// FreeBSD/NetBSD sys/net/pfkeyv2.h: u_int16_t
			// sadb_x_ipsecrequest_reqid, no padding.
			if r.ReqID > 0xffff {
				return nil, fmt.Errorf("pfkey: reqid %d does not fit %s's 16-bit sadb_x_ipsecrequest_reqid: %w",
					r.ReqID, native.name, syscall.EINVAL)
			}
			b = ne.AppendUint16(b, uint16(r.ReqID))
		} else {
			b = append(b, 0, 0)
			b = ne.AppendUint32(b, r.ReqID)
			b = ne.AppendUint32(b, 0)
		}
		if r.Src.IsValid() || r.Dst.IsValid() {
			var err error
			if b, err = appendSockaddr(b, r.Src); err != nil {
				return nil, err
			}
			if b, err = appendSockaddr(b, r.Dst); err != nil {
				return nil, err
			}
		}
		b = pad8(b, rs)
		ne.PutUint16(b[rs:], uint16(len(b)-rs)) // ipsecrequest length is in bytes
	}
	ne.PutUint16(b[hs:], uint16((len(b)-hs)/8))
	return b, nil
}
