//go:build linux

package ikev2

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

// RFC 7296 2.23 in a real kernel (XFRM): A sits behind a NAT (rewritten
// by the harness) whose public address changes while B has a child rekey
// in flight. B completes that rekey at the new address (the larval SA
// GETSPI made at the old one is replaced by one at the new), and the old
// SAs are deleted by the addresses they were installed with: B's kernel
// ends with exactly two ESP SAs, both naming A's new address.
func TestKernelNATAddressChange(t *testing.T) {
	iketest.RequireKernel(t)
	w, a, b, _, _, _, right := kernelPair(t, time.Hour)
	pub := netip.MustParseAddr("198.51.100.1")
	b.cfg.Peers[0].Addrs = []netip.Addr{pub}
	w.AddFilter(func(q ike.Packet) []ike.Packet {
		switch {
		case q.Local.Addr() == kerneltest.Left:
			q.Local = netip.AddrPortFrom(pub, q.Local.Port()+1000)
		case q.Remote.Addr() == pub:
			q.Remote = netip.AddrPortFrom(kerneltest.Left, q.Remote.Port()-1000)
		default:
			if q.Remote.Addr() != kerneltest.Right {
				return nil // to an address the NAT no longer has
			}
		}
		return []ike.Packet{q}
	})
	if err := a.InitiateSelector("sel"); err != nil {
		t.Fatal(err)
	}
	w.Run()
	if !only(t, b).natRemote {
		t.Fatal("no NAT detected")
	}
	states := func(want netip.Addr, stale netip.Addr) {
		t.Helper()
		out := kerneltest.Cmd(t, right, "ip", "xfrm", "state")
		if n := strings.Count(out, "proto esp"); n != 2 || !strings.Contains(out, want.String()) || strings.Contains(out, stale.String()+" ") {
			t.Fatalf("%d ESP SAs in B's kernel, want 2 naming %v only:\n%s", n, want, out)
		}
	}
	old := pub
	pub = netip.MustParseAddr("198.51.100.77")
	b.rekeyChild(only(t, b), only(t, b).children[0])
	w.Run() // B's request goes to the old address: lost
	a.liveness(only(t, a))
	w.Run()
	w.Advance(time.Minute)
	if got := only(t, b).remote.Addr(); got != pub {
		t.Fatalf("B talks to %v", got)
	}
	states(pub, old)
	if a.Stats().KernelErrors+b.Stats().KernelErrors != 0 {
		t.Fatalf("kernel errors: A %d B %d", a.Stats().KernelErrors, b.Stats().KernelErrors)
	}
}
