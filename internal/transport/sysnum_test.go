package transport

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustNumbers(t testing.TB, goos, goarch string) sysNumbers {
	t.Helper()
	n, ok := bsdNumbers(goos, goarch)
	if !ok {
		t.Fatalf("no numbers for %s/%s", goos, goarch)
	}
	return n
}

// The source-address control messages a BSD kernel expects, built on any
// host: struct cmsghdr { socklen_t cmsg_len; int cmsg_level; int
// cmsg_type } padded to CMSG_ALIGN, then the datum padded to CMSG_SPACE.
// IPv4: IP_SENDSRCADDR (7) at IPPROTO_IP with a struct in_addr (FreeBSD
// ip(4), NetBSD ip(4)); IPv6: IPV6_PKTINFO (46) at IPPROTO_IPV6 (41) with
// struct in6_pktinfo (RFC 3542 section 6.1).
func TestGoldenSrcCmsgBSD(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("golden bytes are written for little-endian hosts")
	}
	for _, tc := range []struct {
		goos, goarch, src string
		want              string
	}{
		{"freebsd", "amd64", "192.0.2.1", `
			14 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00
			c0 00 02 01 00 00 00 00`},
		{"netbsd", "amd64", "192.0.2.1", `
			14 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00
			c0 00 02 01 00 00 00 00`},
		// NetBSD/arm64 aligns to 16 bytes.
		{"netbsd", "arm64", "192.0.2.1", `
			14 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00
			c0 00 02 01 00 00 00 00 00 00 00 00 00 00 00 00`},
		{"freebsd", "arm64", "fe80::1%5", `
			24 00 00 00 29 00 00 00 2e 00 00 00 00 00 00 00
			fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 05 00 00 00 00 00 00 00`},
		{"netbsd", "arm64", "2001:db8::1", `
			24 00 00 00 29 00 00 00 2e 00 00 00 00 00 00 00
			20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 00
			00 00 00 00 00 00 00 00 00 00 00 00`},
	} {
		n := mustNumbers(t, tc.goos, tc.goarch)
		src := netip.MustParseAddr(tc.src)
		got := n.appendSrc(nil, src, zoneIndex(src))
		if want := unhex(t, tc.want); !bytes.Equal(got, want) {
			t.Errorf("%s/%s %v:\n got %x\nwant %x", tc.goos, tc.goarch, src, got, want)
		}
		// What the kernel hands back on receive has the same framing.
		recv := got
		if src.Is4() {
			recv = append([]byte(nil), got...)
			binary.NativeEndian.PutUint32(recv[8:], uint32(n.ipRecvDstAddr))
		}
		if a, ok := n.parseDst(recv); !ok || a != src {
			t.Errorf("%s/%s: parsed %v %v, want %v", tc.goos, tc.goarch, a, ok, src)
		}
	}
}

// Two control messages in one buffer (a kernel may add IP_RECVIF or
// others first): the destination is found after an unrelated one.
func TestParseDstSkipsOthers(t *testing.T) {
	n := mustNumbers(t, "freebsd", "amd64")
	b := n.cmsg.appendCmsg(nil, levelIP, 20 /* IP_RECVIF */, make([]byte, 20))
	b = n.cmsg.appendCmsg(b, levelIP, n.ipRecvDstAddr, []byte{198, 51, 100, 9})
	if a, ok := n.parseDst(b); !ok || a != netip.MustParseAddr("198.51.100.9") {
		t.Fatalf("got %v %v", a, ok)
	}
	for _, bad := range [][]byte{nil, b[:10], b[:n.cmsg.hdrLen()+1]} {
		if a, ok := n.parseDst(bad); ok {
			t.Errorf("%x: parsed %v", bad, a)
		}
	}
}

// The numbers differ between the BSDs where it matters: UDP_ENCAP is 1 on
// FreeBSD and 100 on NetBSD (as on Linux), IP_IPSEC_POLICY 21 and 22.
func TestBSDNumbers(t *testing.T) {
	f, nb := mustNumbers(t, "freebsd", "amd64"), mustNumbers(t, "netbsd", "amd64")
	if f.udpEncap != 1 || nb.udpEncap != 100 || f.udpEncapESPinUDP != 2 || nb.udpEncapESPinUDP != 2 {
		t.Errorf("UDP_ENCAP %d/%d", f.udpEncap, nb.udpEncap)
	}
	if f.ipIPsecPolicy != 21 || nb.ipIPsecPolicy != 22 || f.ipv6IPsecPolicy != 28 || nb.ipv6IPsecPolicy != 28 {
		t.Errorf("IPsec policy options %+v %+v", f, nb)
	}
	if _, ok := bsdNumbers("linux", "amd64"); ok {
		t.Error("numbers for linux")
	}
	want := unhex(t, "02 00 12 00 04 00 02 00 00 00 00 00 00 00 00 00")
	if p := bypassPolicy(2); binary.NativeEndian.Uint16([]byte{1, 0}) == 1 && !bytes.Equal(p[:], want) {
		t.Errorf("bypass policy %x, want %x", p, want)
	}
}

// FuzzParseDstBSD: the control message walker never panics nor loops, on
// either alignment.
func FuzzParseDstBSD(f *testing.F) {
	n := mustNumbers(f, "freebsd", "amd64")
	f.Add(n.appendSrc(nil, netip.MustParseAddr("192.0.2.1"), 0))
	f.Add(n.appendSrc(nil, netip.MustParseAddr("fe80::1"), 3))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, arch := range []string{"amd64", "arm64"} {
			mustNumbers(t, "netbsd", arch).parseDst(b)
		}
	})
}
