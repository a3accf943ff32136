package transport

import (
	"bytes"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// With an ESP policy covering all UDP on loopback and no SA, ordinary
// sockets cannot send, but IKE sockets with the bypass policy can: that is
// what application_bypass is for (racoon2 sets it on every IKE socket).
func TestKernelBypassPolicy(t *testing.T) {
	iketest.RequireKernel(t)
	ip := iketest.RequireBinary(t, "ip")
	// Linux exempts the loopback device from IPsec unless told otherwise.
	for _, f := range []string{"disable_xfrm", "disable_policy"} {
		path := "/proc/sys/net/ipv4/conf/lo/" + f
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.WriteFile(path, old, 0o644) })
	}
	pol := []string{"xfrm", "policy", "add", "src", "127.0.0.1/32", "dst", "127.0.0.1/32", "proto", "udp",
		"dir", "out", "tmpl", "proto", "esp", "mode", "transport", "level", "required"}
	if out, err := exec.Command(ip, pol...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(pol, " "), err, out)
	}
	t.Cleanup(func() {
		exec.Command(ip, "xfrm", "policy", "delete", "src", "127.0.0.1/32", "dst", "127.0.0.1/32",
			"proto", "udp", "dir", "out").Run()
	})
	var logs bytes.Buffer
	port := freePort(t, "127.0.0.1")
	tr, s := open(t, Config{Addrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}, Port: port,
		Bypass: true, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if strings.Contains(logs.String(), "bypass") {
		t.Fatalf("bypass policy refused: %s", logs.String())
	}
	// Our own socket talks to itself through the policy.
	local := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
	if err := tr.Send(ike.Packet{Local: local, Remote: local, Data: ikeMsg(1)}); err != nil {
		t.Fatalf("send with bypass: %v", err)
	}
	if p := s.next(t); p.Data[0] != 1 {
		t.Fatalf("got %+v", p)
	}
	// An ordinary socket is held by the policy (no SA: the packet waits
	// for an ACQUIRE answer or is refused).
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(local))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(time.Second))
	c.Write(ikeMsg(2))
	select {
	case p := <-s:
		t.Fatalf("a socket without bypass got through the ESP policy: %+v", p)
	case <-time.After(300 * time.Millisecond):
	}
}
