package pfkey

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// layout is what differs between the PF_KEY implementations iked runs
// on. Linux has a 16-bit sa_family; the KAME descendants (FreeBSD's
// sys/net/pfkeyv2.h, NetBSD's sys/net/pfkeyv2.h) have an 8-bit sa_len then
// an 8-bit sa_family, their own AF_INET6 and pseudo_AF_KEY, an 8-byte
// struct sadb_x_ipsecrequest with a 16-bit reqid where Linux has 16 bytes
// and 32 bits, and extension types above 23 of their own.
type layout struct {
	name   string
	saLen  bool
	inet6  uint8
	afKey  int
	kmAddr bool // extension 25 is SADB_X_EXT_KMADDRESS (Linux)
	fwd    bool // IPSEC_DIR_FWD exists (Linux)
	// kameReq: struct sadb_x_ipsecrequest is { u16 len; u16 proto;
	// u8 mode; u8 level; u16 reqid } (8 bytes), not Linux's 16.
	kameReq bool
	// replayBytes: sadb_sa_replay is the window in bytes (8 packets
	// each), as KAME's key_setsaval reads it; Linux reads packets.
	replayBytes bool
	// replayExt: SADB_X_EXT_SA_REPLAY (26) carries a window in packets
	// beyond sadb_sa_replay's 255 bytes (FreeBSD).
	replayExt bool
	// oar: extension 24 is SADB_X_EXT_NAT_T_OAR (the KAME descendants;
	// Linux: SADB_X_EXT_SEC_CTX).
	oar bool
	// priority: sadb_x_policy_priority is honoured (Linux, FreeBSD);
	// NetBSD has sadb_x_policy_reserved2 there.
	priority bool
	migrate  bool // SADB_X_MIGRATE exists (Linux; NetBSD has it under #if 0)
	// linuxLimits: af_key's algorithm limits (notes.go).
	linuxLimits bool
}

const afInet = 2

// AF_INET6 is 10 on Linux, 28 on FreeBSD, 24 on NetBSD; PF_KEY is 15,
// FreeBSD's pseudo_AF_KEY 27 and NetBSD's 29 (sys/socket.h).
var (
	linuxLayout = layout{name: "Linux", inet6: 10, afKey: 15, kmAddr: true, fwd: true,
		priority: true, migrate: true, linuxLimits: true}
	freebsdLayout = layout{name: "FreeBSD", saLen: true, inet6: 28, afKey: 27, kameReq: true,
		replayBytes: true, replayExt: true, oar: true, priority: true}
	netbsdLayout = layout{name: "NetBSD", saLen: true, inet6: 24, afKey: 29, kameReq: true,
		replayBytes: true, oar: true}
)

const (
	sizeofSockaddrInet4 = 16
	sizeofSockaddrInet6 = 28
)

// appendSockaddr appends ap as a sockaddr_in or sockaddr_in6 of the native
// layout. The port is written in network order (racoon2's NOPORTS path
// wrote the host-order constant 500: reference section 4.2).
func appendSockaddr(b []byte, ap netip.AddrPort) ([]byte, error) {
	return native.appendSockaddr(b, ap)
}

func parseSockaddr(b []byte) (netip.AddrPort, int, error) {
	return native.parseSockaddr(b)
}

func (l layout) appendFamily(b []byte, fam uint8, size int) []byte {
	if l.saLen {
		return append(b, byte(size), fam)
	}
	return binary.NativeEndian.AppendUint16(b, uint16(fam))
}

func (l layout) appendSockaddr(b []byte, ap netip.AddrPort) ([]byte, error) {
	a := ap.Addr()
	port := ap.Port()
	switch {
	case a.Is4():
		b = l.appendFamily(b, afInet, sizeofSockaddrInet4)
		b = append(b, byte(port>>8), byte(port))
		a4 := a.As4()
		b = append(b, a4[:]...)
		return append(b, 0, 0, 0, 0, 0, 0, 0, 0), nil
	case a.Is6():
		b = l.appendFamily(b, l.inet6, sizeofSockaddrInet6)
		b = append(b, byte(port>>8), byte(port), 0, 0, 0, 0)
		a16 := a.As16()
		b = append(b, a16[:]...)
		return binary.NativeEndian.AppendUint32(b, scopeID(a)), nil
	}
	return nil, errors.New("pfkey: no address")
}

// scopeID returns the numeric zone of a link-local address, 0 otherwise.
func scopeID(a netip.Addr) uint32 {
	var id uint32
	for _, c := range a.Zone() {
		if c < '0' || c > '9' {
			return 0
		}
		id = id*10 + uint32(c-'0')
	}
	return id
}

func (l layout) parseSockaddr(b []byte) (netip.AddrPort, int, error) {
	if len(b) < 2 {
		return netip.AddrPort{}, 0, errors.New("short sockaddr")
	}
	var fam uint8
	if l.saLen {
		fam = b[1]
	} else {
		f := binary.NativeEndian.Uint16(b)
		if f > 0xff {
			return netip.AddrPort{}, 0, fmt.Errorf("address family %d", f)
		}
		fam = uint8(f)
	}
	switch fam {
	case afInet:
		if len(b) < sizeofSockaddrInet4 {
			return netip.AddrPort{}, 0, errors.New("short sockaddr_in")
		}
		a := netip.AddrFrom4([4]byte(b[4:8]))
		return netip.AddrPortFrom(a, binary.BigEndian.Uint16(b[2:])), sizeofSockaddrInet4, nil
	case l.inet6:
		if len(b) < sizeofSockaddrInet6 {
			return netip.AddrPort{}, 0, errors.New("short sockaddr_in6")
		}
		a := netip.AddrFrom16([16]byte(b[8:24]))
		if id := binary.NativeEndian.Uint32(b[24:]); id != 0 && a.IsLinkLocalUnicast() {
			a = a.WithZone(utoa(uint64(id)))
		}
		return netip.AddrPortFrom(a, binary.BigEndian.Uint16(b[2:])), sizeofSockaddrInet6, nil
	}
	return netip.AddrPort{}, 0, fmt.Errorf("address family %d", fam)
}

// reqHdrLen is sizeof(struct sadb_x_ipsecrequest): 8 on the KAME
// descendants, 16 on Linux (linux/pfkeyv2.h).
func (l layout) reqHdrLen() int {
	if l.kameReq {
		return 8
	}
	return 16
}
