package pfkey

import (
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

func openPFKey() (ike.Kernel, error) { return Open(nil) }

// TestKernelTraffic: two namespaces ping each other over tunnel-mode ESP
// SAs installed through PF_KEY on both sides; the counters rise.
func TestKernelTraffic(t *testing.T) {
	iketest.RequireKernel(t)
	kerneltest.RunTraffic(t, "PF_KEY", openPFKey, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(16, 1), integSHA1, key(20, 2)
	})
}

// TestKernelTruncation is the RFC 4868 trap (interop-notes "Linux
// kernel"): an HMAC-SHA2-256 SA installed through Linux PF_KEY carries a
// 96-bit ICV, so a peer configured by `ip xfrm` with RFC 4868's 128 bits
// rejects every packet. This is why the configuration check refuses the
// transform with PF_KEY on Linux.
func TestKernelTruncation(t *testing.T) {
	iketest.RequireKernel(t)
	l, r, _, id := kerneltest.SHA256Tunnel(t, openPFKey, encrAESCBC, integSHA256_128)
	st := kerneltest.State(t, l, id)
	if !kerneltest.Contains(st, "hmac(sha256)", " 96") {
		t.Errorf("PF_KEY SA is not the 96-bit one:\n%s", st)
	}
	if out, ok := kerneltest.Ping(l, kerneltest.Right.String(), 2); ok {
		t.Fatalf("ping passed: Linux PF_KEY no longer truncates SHA-256 to 96 bits?\n%s", out)
	}
	if n := kerneltest.IntegrityFailed(t, r, id); n < 2 {
		t.Errorf("peer counted %d integrity failures, want the 2 pings", n)
	}
}
