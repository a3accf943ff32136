package pfkey

import (
	"net/netip"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

// TestKernelAcquire: traffic hitting an IPsec policy with no SA makes the
// kernel send SADB_ACQUIRE (RFC 2367 section 3.1.6) naming the policy
// AddPolicy installed; the negative answer is accepted.
func TestKernelAcquire(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	p := &ike.Policy{
		Selector: ike.Selector{Src: netip.MustParsePrefix("192.0.2.1/32"), Dst: netip.MustParsePrefix("192.0.2.2/32")},
		Dir:      ike.DirOut, Action: ike.ActionIPsec,
		Templates: []ike.Template{{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelRequire,
			Src: addrA, Dst: addrB}},
	}
	id, a := kerneltest.RunAcquire(t, k, p)
	if pol := kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list"); !kerneltest.Contains(pol, "dir out", "proto esp", "mode tunnel") {
		t.Fatalf("policy not installed:\n%s", pol)
	}
	if a.PolicyID != id || a.Src != addrA || a.Dst != addrB || a.Proto != ike.ProtoESP || a.Seq == 0 {
		t.Errorf("ACQUIRE %+v, want policy %d %v->%v esp", a, id, addrA, addrB)
	}
	if err := k.AcquireFailed(a, 1); err != nil { // EPERM
		t.Fatal(err)
	}
	if err := k.DeletePolicy(p); err != nil {
		t.Fatal(err)
	}
	if pol := kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list"); kerneltest.Contains(pol, "dir out") {
		t.Errorf("policy still there after DeletePolicy:\n%s", pol)
	}
}

// TestKernelExpire: soft then hard SADB_EXPIRE for short lifetimes (RFC
// 2367 section 3.1.8), with an unused SA's zero allocations exposed.
func TestKernelExpire(t *testing.T) {
	iketest.RequireKernel(t)
	kerneltest.RunExpire(t, openTest(t), func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(16, 1), integSHA1, key(20, 1)
	})
}
