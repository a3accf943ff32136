package pfkey

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

func waitEvent[T ike.Event](t *testing.T, k ike.Kernel, d time.Duration, ok func(T) bool) T {
	t.Helper()
	tm := time.NewTimer(d)
	defer tm.Stop()
	for {
		select {
		case ev := <-k.Events():
			if e, is := ev.(T); is && ok(e) {
				return e
			}
			t.Logf("event %T %+v skipped", ev, ev)
		case <-tm.C:
			var zero T
			t.Fatalf("no %T within %v", zero, d)
			return zero
		}
	}
}

// TestKernelAcquire: traffic hitting an IPsec policy with no SA makes the
// kernel send SADB_ACQUIRE (RFC 2367 section 3.1.6) naming the policy
// AddPolicy installed; the negative answer is accepted.
func TestKernelAcquire(t *testing.T) {
	iketest.RequireKernel(t)
	kerneltest.Cmd(t, "", "ip", "link", "add", "acq0", "type", "dummy")
	kerneltest.Cmd(t, "", "ip", "addr", "add", "192.0.2.1/24", "dev", "acq0")
	kerneltest.Cmd(t, "", "ip", "link", "set", "acq0", "up")
	k := openTest(t)
	p := &ike.Policy{
		Selector: ike.Selector{Src: netip.MustParsePrefix("192.0.2.1/32"), Dst: netip.MustParsePrefix("192.0.2.2/32")},
		Dir:      ike.DirOut, Action: ike.ActionIPsec,
		Templates: []ike.Template{{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelRequire,
			Src: addrA, Dst: addrB}},
	}
	id, err := k.AddPolicy(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.DeletePolicy(p) })
	if id == 0 || id%8 != 1 {
		t.Errorf("outbound policy id %d: Linux ids have direction 1 in the low 3 bits", id)
	}
	if pol := kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list"); !contains(pol, "dir out", "proto esp", "mode tunnel") {
		t.Fatalf("policy not installed:\n%s", pol)
	}
	c, err := net.DialUDP("udp4", &net.UDPAddr{IP: addrA.AsSlice()}, &net.UDPAddr{IP: addrB.AsSlice(), Port: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("trigger")) // EAGAIN while the SA is larval is expected
	a := waitEvent(t, k, 5*time.Second, func(a *ike.Acquire) bool { return true })
	if a.PolicyID != id || a.Src != addrA || a.Dst != addrB || a.Proto != ike.ProtoESP || a.Seq == 0 {
		t.Errorf("ACQUIRE %+v, want policy %d %v->%v esp", a, id, addrA, addrB)
	}
	if err := k.AcquireFailed(a, 1); err != nil { // EPERM
		t.Fatal(err)
	}
	if err := k.DeletePolicy(p); err != nil {
		t.Fatal(err)
	}
	if pol := kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list"); contains(pol, "dir out") {
		t.Errorf("policy still there after DeletePolicy:\n%s", pol)
	}
}

// TestKernelExpire: soft then hard SADB_EXPIRE for short lifetimes (RFC
// 2367 section 3.1.8), with an unused SA's zero allocations exposed.
func TestKernelExpire(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	sa := &ike.SA{Src: addrA, Dst: addrB, Proto: ike.ProtoESP, SPI: 0x4242, Mode: ike.ModeTunnel,
		EncrID: encrAESCBC, EncrKey: key(16, 1), IntegID: integSHA1, IntegKey: key(20, 1),
		Lifetime: ike.Lifetime{SoftTime: time.Second, HardTime: 2 * time.Second}}
	if err := k.AddSA(sa); err != nil {
		t.Fatal(err)
	}
	want := ike.SAID{Src: addrA, Dst: addrB, Proto: ike.ProtoESP, SPI: 0x4242}
	soft := waitEvent(t, k, 5*time.Second, func(e *ike.Expire) bool { return e.SAID == want })
	if soft.Hard || soft.Allocations != 0 || soft.Bytes != 0 {
		t.Errorf("first EXPIRE %+v, want soft with no allocations", soft)
	}
	hard := waitEvent(t, k, 5*time.Second, func(e *ike.Expire) bool { return e.SAID == want })
	if !hard.Hard {
		t.Errorf("second EXPIRE %+v, want hard", hard)
	}
	if _, err := k.QuerySA(want); err == nil {
		t.Errorf("SA still there after hard expire")
	}
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !containsStr(s, x) {
			return false
		}
	}
	return true
}

func containsStr(s, sub string) bool { return strings.Contains(s, sub) }
