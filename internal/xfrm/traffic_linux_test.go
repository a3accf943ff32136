package xfrm

import (
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

func openXFRM() (ike.Kernel, error) { return Open(nil) }

// TestKernelTraffic: two namespaces ping each other over AES-GCM-16 (RFC
// 4106) tunnel SAs installed through XFRM on both sides; counters rise.
func TestKernelTraffic(t *testing.T) {
	iketest.RequireKernel(t)
	l, r := kerneltest.Two(t)
	kl, kr := kerneltest.OpenIn(t, l, openXFRM), kerneltest.OpenIn(t, r, openXFRM)
	outL, outR := kerneltest.ESPTunnel(t, kl, kr, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 20, key(36, 1)
		// A used SA: its soft expire must carry allocations. The kernel checks
		// the limit before counting a packet, so the third ping crosses 100.
		sa.Lifetime.SoftBytes = 100
	})
	if out, ok := kerneltest.Ping(l, kerneltest.Right.String(), 3); !ok {
		t.Fatalf("ping over XFRM SAs failed:\n%s", out)
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

// TestKernelTruncation: the same RFC 4868 setup that fails through Linux
// PF_KEY (pfkey.TestKernelTruncation) carries traffic through XFRM, which
// sets the 128-bit truncation explicitly (XFRMA_ALG_AUTH_TRUNC).
func TestKernelTruncation(t *testing.T) {
	iketest.RequireKernel(t)
	l, r := kerneltest.Two(t)
	kl := kerneltest.OpenIn(t, l, openXFRM)
	enc, auth := key(16, 1), key(32, 2)
	for _, sa := range []*ike.SA{
		{Src: kerneltest.Left, Dst: kerneltest.Right, SPI: 0x2001},
		{Src: kerneltest.Right, Dst: kerneltest.Left, SPI: 0x2002},
	} {
		sa.Proto, sa.Mode, sa.ReplayWindow = ike.ProtoESP, ike.ModeTunnel, 32
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = 12, enc, 12, auth
		if err := kl.AddSA(sa); err != nil {
			t.Fatal(err)
		}
	}
	kerneltest.Policies(t, kl, kerneltest.Left, kerneltest.Right)
	kerneltest.IPXfrmPeer(t, r, kerneltest.Right, kerneltest.Left, 0x2001, 0x2002, enc, auth)
	if out, ok := kerneltest.Ping(l, kerneltest.Right.String(), 3); !ok {
		t.Fatalf("ping to the RFC 4868 peer failed:\n%s", out)
	}
	in := ike.SAID{Src: kerneltest.Left, Dst: kerneltest.Right, Proto: ike.ProtoESP, SPI: 0x2001}
	if n := kerneltest.IntegrityFailed(t, r, in); n != 0 {
		t.Errorf("peer counted %d integrity failures", n)
	}
	s, err := kl.QuerySA(ike.SAID{Src: kerneltest.Right, Dst: kerneltest.Left, Proto: ike.ProtoESP, SPI: 0x2002})
	if err != nil || s.Packets < 3 {
		t.Errorf("inbound SA from the ip-xfrm peer: %+v %v", s, err)
	}
}
