package pfkey

import (
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

func openPFKey() (ike.Kernel, error) { return Open(nil) }

// TestKernelTraffic: two namespaces ping each other over tunnel-mode ESP
// SAs installed through PF_KEY on both sides; the counters rise.
func TestKernelTraffic(t *testing.T) {
	iketest.RequireKernel(t)
	l, r := kerneltest.Two(t)
	kl, kr := kerneltest.OpenIn(t, l, openPFKey), kerneltest.OpenIn(t, r, openPFKey)
	outL, outR := kerneltest.ESPTunnel(t, kl, kr, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(16, 1), integSHA1, key(20, 2)
		// A used SA: its soft expire must carry allocations. The kernel checks
		// the limit before counting a packet, so the third ping crosses 100.
		sa.Lifetime.SoftBytes = 100
	})
	if out, ok := kerneltest.Ping(l, kerneltest.Right.String(), 3); !ok {
		t.Fatalf("ping over PF_KEY SAs failed:\n%s", out)
	}
	for _, c := range []struct {
		k  ike.Kernel
		id ike.SAID
	}{{kl, outL}, {kr, outR}} {
		s, err := c.k.QuerySA(c.id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Packets < 3 || s.Bytes == 0 {
			t.Errorf("SA %08x: %d packets, %d bytes after 3 pings", c.id.SPI, s.Packets, s.Bytes)
		}
	}
	// The soft byte limit was crossed by traffic: unlike the soft expire of
	// an unused SA (TestKernelExpire), racoon2's rule keeps this one.
	e := waitEvent(t, kl, 3*time.Second, func(e *ike.Expire) bool { return e.SAID == outL })
	if e.Hard || e.Allocations == 0 || e.Bytes < 100 {
		t.Errorf("soft byte EXPIRE %+v, want allocations and >= 100 bytes", e)
	}
}

// TestKernelTruncation is the RFC 4868 trap (interop-notes "Linux
// kernel"): an HMAC-SHA2-256 SA installed through Linux PF_KEY carries a
// 96-bit ICV, so a peer configured by `ip xfrm` with RFC 4868's 128 bits
// rejects every packet. This is why the configuration check refuses the
// transform with PF_KEY on Linux.
func TestKernelTruncation(t *testing.T) {
	iketest.RequireKernel(t)
	l, r := kerneltest.Two(t)
	kl := kerneltest.OpenIn(t, l, openPFKey)
	enc, auth := key(16, 1), key(32, 2)
	for _, sa := range []*ike.SA{
		{Src: kerneltest.Left, Dst: kerneltest.Right, SPI: 0x2001},
		{Src: kerneltest.Right, Dst: kerneltest.Left, SPI: 0x2002},
	} {
		sa.Proto, sa.Mode, sa.ReplayWindow = ike.ProtoESP, ike.ModeTunnel, 32
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, enc, integSHA256_128, auth
		if err := kl.AddSA(sa); err != nil {
			t.Fatal(err)
		}
	}
	kerneltest.Policies(t, kl, kerneltest.Left, kerneltest.Right)
	kerneltest.IPXfrmPeer(t, r, kerneltest.Right, kerneltest.Left, 0x2001, 0x2002, enc, auth)
	st := kerneltest.Cmd(t, l, "ip", "xfrm", "state", "get", "src", "10.99.0.1", "dst", "10.99.0.2", "proto", "esp", "spi", "0x00002001")
	if !contains(st, "hmac(sha256)", " 96") {
		t.Errorf("PF_KEY SA is not the 96-bit one:\n%s", st)
	}
	if out, ok := kerneltest.Ping(l, kerneltest.Right.String(), 2); ok {
		t.Fatalf("ping passed: Linux PF_KEY no longer truncates SHA-256 to 96 bits?\n%s", out)
	}
	in := ike.SAID{Src: kerneltest.Left, Dst: kerneltest.Right, Proto: ike.ProtoESP, SPI: 0x2001}
	if n := kerneltest.IntegrityFailed(t, r, in); n < 2 {
		t.Errorf("peer counted %d integrity failures, want the 2 pings", n)
	}
}
