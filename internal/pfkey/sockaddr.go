package pfkey

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// layout is how a system lays out sockaddrs and numbers its families:
// Linux has a 16-bit sa_family, the BSDs an 8-bit sa_len then an 8-bit
// sa_family (and their own AF_INET6).
type layout struct {
	saLen  bool
	inet6  uint8
	afKey  int
	kmAddr bool // extension 25 is SADB_X_EXT_KMADDRESS
	fwd    bool // IPSEC_DIR_FWD exists
}

const afInet = 2

var (
	linuxLayout   = layout{saLen: false, inet6: 10, afKey: 15, kmAddr: true, fwd: true}
	freebsdLayout = layout{saLen: true, inet6: 28, afKey: 27}
	netbsdLayout  = layout{saLen: true, inet6: 24, afKey: 29}
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
