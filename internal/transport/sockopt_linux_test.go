package transport

import (
	"bytes"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The NAT-T socket hands ESP to the kernel: UDP_ENCAP_ESPINUDP is set
// (RFC 3948; racoon2 sets it on IPv4 4500 sockets only).
func TestUDPEncapSet(t *testing.T) {
	port, natt := freePort(t, "127.0.0.1"), freePort(t, "127.0.0.1")
	tr, _ := open(t, Config{Addrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}, Port: port, NATTPort: natt, NATT: true})
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for a, s := range tr.socks {
		rc, err := s.conn.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var v int
		var gerr error
		rc.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_ENCAP) })
		if gerr != nil {
			t.Fatalf("%v: getsockopt UDP_ENCAP: %v", a, gerr)
		}
		want := 0
		if a.Port() == natt {
			want = unix.UDP_ENCAP_ESPINUDP
		}
		if v != want {
			t.Errorf("%v: UDP_ENCAP = %d, want %d", a, v, want)
		}
	}
}

// The per-socket bypass policy needs CAP_NET_ADMIN and the kernel's
// IPsec policy support; without them the daemon warns and goes on.
func TestBypassPolicy(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	port := freePort(t, "127.0.0.1")
	open(t, Config{Addrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}, Port: port, Bypass: true, Log: log})
	warned := strings.Contains(logs.String(), "IPsec bypass policy")
	if os.Geteuid() != 0 {
		if !warned {
			t.Fatalf("non-root bypass did not warn: %s", logs.String())
		}
		return
	}
	if warned {
		t.Skipf("kernel refused the bypass policy even as root: %s", logs.String())
	}
}
