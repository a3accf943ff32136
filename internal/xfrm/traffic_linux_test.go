package xfrm

import (
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

func openXFRM() (ike.Kernel, error) { return Open(nil) }

// TestKernelTraffic: two namespaces ping each other over AES-GCM-16 (RFC
// 4106) tunnel SAs installed through XFRM on both sides; counters rise.
func TestKernelTraffic(t *testing.T) {
	iketest.RequireKernel(t)
	kerneltest.RunTraffic(t, "XFRM", openXFRM, func(sa *ike.SA) { sa.EncrID, sa.EncrKey = 20, key(36, 1) })
}

// TestKernelTruncation: the same RFC 4868 setup that fails through Linux
// PF_KEY (pfkey.TestKernelTruncation) carries traffic through XFRM, which
// sets the 128-bit truncation explicitly (XFRMA_ALG_AUTH_TRUNC).
func TestKernelTruncation(t *testing.T) {
	iketest.RequireKernel(t)
	l, r, kl, id := kerneltest.SHA256Tunnel(t, openXFRM, 12, 12)
	if out, ok := kerneltest.Ping(l, kerneltest.Right.String(), 3); !ok {
		t.Fatalf("ping to the RFC 4868 peer failed:\n%s", out)
	}
	if n := kerneltest.IntegrityFailed(t, r, id); n != 0 {
		t.Errorf("peer counted %d integrity failures", n)
	}
	s, err := kl.QuerySA(ike.SAID{Src: kerneltest.Right, Dst: kerneltest.Left, Proto: ike.ProtoESP, SPI: 0x2002})
	if err != nil || s.Packets < 3 {
		t.Errorf("inbound SA from the ip-xfrm peer: %+v %v", s, err)
	}
}
