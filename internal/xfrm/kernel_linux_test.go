package xfrm

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

var (
	addrA = netip.MustParseAddr("192.0.2.1")
	addrB = netip.MustParseAddr("192.0.2.2")
)

func key(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

func openTest(t *testing.T) *Kernel {
	t.Helper()
	k, err := OpenXFRM(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	if err := k.Flush(0); err != nil {
		t.Fatal(err)
	}
	if err := k.FlushPolicies(); err != nil {
		t.Fatal(err)
	}
	return k
}

func xfrmState(t *testing.T, ns string, id ike.SAID, extra ...string) string {
	t.Helper()
	proto := id.Proto.String()
	if id.Proto == ike.ProtoIPComp {
		proto = "comp"
	}
	args := []string{"ip", "xfrm", "state", "get", "src", id.Src.String(), "dst", id.Dst.String(),
		"proto", proto, "spi", fmt.Sprintf("0x%08x", id.SPI)}
	return kerneltest.Cmd(t, ns, append(args, extra...)...)
}

type saCase struct {
	name  string
	proto ike.Proto
	mode  ike.Mode
	sa    func(*ike.SA)
	want  []string
}

var saCases = []saCase{
	{"esp6-gcm16-tunnel", ike.ProtoESP, ike.ModeTunnel, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 20, key(20, 1)
	}, []string{"src 2001:db8::", "aead rfc4106(gcm(aes))"}},
	{"ipcomp6-transport", ike.ProtoIPComp, ike.ModeTransport, func(sa *ike.SA) { sa.CompID = 2 },
		[]string{"src 2001:db8::", "proto comp"}},
	{"esp-cbc-sha256-tunnel", ike.ProtoESP, ike.ModeTunnel, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = 12, key(16, 1), 12, key(32, 2)
	}, []string{"mode tunnel", "cbc(aes)", "auth-trunc hmac(sha256)", " 128", "reqid 42"}},
	{"esp-cbc-sha1-transport", ike.ProtoESP, ike.ModeTransport, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = 12, key(32, 1), 2, key(20, 2)
	}, []string{"mode transport", "hmac(sha1)", " 96"}},
	{"esp-gcm16-tunnel", ike.ProtoESP, ike.ModeTunnel, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 20, key(20, 1)
	}, []string{"aead rfc4106(gcm(aes))", " 128"}},
	{"esp-gcm8-transport", ike.ProtoESP, ike.ModeTransport, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 18, key(36, 1)
	}, []string{"aead rfc4106(gcm(aes))", " 64"}},
	{"esp-gcm12-tunnel", ike.ProtoESP, ike.ModeTunnel, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 19, key(20, 1)
	}, []string{"aead rfc4106(gcm(aes))", " 96"}},
	{"esp-chacha20poly1305-tunnel", ike.ProtoESP, ike.ModeTunnel, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 28, key(36, 1)
	}, []string{"aead rfc7539esp(chacha20,poly1305)", " 128"}},
	{"esp-esn-replay-encap-mark", ike.ProtoESP, ike.ModeTunnel, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 20, key(20, 1)
		sa.ESN, sa.ReplayWindow = true, 1024
		sa.Encap = &ike.Encap{SrcPort: 4500, DstPort: 4501, OrigAddr: netip.MustParseAddr("198.51.100.7")}
		sa.Mark, sa.MarkMask = 7, 0xff
	}, []string{"flag esn", "replay_window 1024", "encap type espinudp sport 4500 dport 4501 addr 198.51.100.7", "mark 0x7/0xff"}},
	{"ah-sha512-transport", ike.ProtoAH, ike.ModeTransport, func(sa *ike.SA) {
		sa.IntegID, sa.IntegKey = 14, key(64, 3)
	}, []string{"proto ah", "hmac(sha512)", " 256"}},
	{"ah-sha256-tunnel", ike.ProtoAH, ike.ModeTunnel, func(sa *ike.SA) {
		sa.IntegID, sa.IntegKey = 12, key(32, 3)
	}, []string{"proto ah", "mode tunnel", "hmac(sha256)", " 128"}},
	{"ipcomp-tunnel", ike.ProtoIPComp, ike.ModeTunnel, func(sa *ike.SA) { sa.CompID = 2 },
		[]string{"proto comp", "mode tunnel", "deflate"}},
	{"ipcomp-transport", ike.ProtoIPComp, ike.ModeTransport, func(sa *ike.SA) { sa.CompID = 2 },
		[]string{"proto comp", "mode transport", "deflate"}},
}

// TestKernelSA: ALLOCSPI, UPDSA, GETSA, NEWSA, DELSA for ESP (CBC+HMAC and
// the AEADs of RFC 4106 and RFC 7634), AH and IPComp in both modes.
func TestKernelSA(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	for _, c := range saCases {
		t.Run(c.name, func(t *testing.T) {
			addrA, addrB := addrA, addrB
			if strings.Contains(c.name, "6-") {
				addrA, addrB = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
			}
			spi, err := k.GetSPI(addrB, addrA, c.proto, c.mode, 42)
			if err != nil {
				t.Fatal(err)
			}
			max := uint32(spiMax)
			if c.proto == ike.ProtoIPComp {
				max = cpiMax
			}
			if spi < spiMin || spi > max {
				t.Fatalf("SPI %#x outside racoon2's range", spi)
			}
			in := &ike.SA{Src: addrB, Dst: addrA, Proto: c.proto, SPI: spi, Mode: c.mode, ReqID: 42, ReplayWindow: 64,
				Lifetime: ike.Lifetime{SoftTime: time.Hour, HardTime: 2 * time.Hour}}
			c.sa(in)
			if err := k.UpdateSA(in); err != nil {
				t.Fatal(err)
			}
			id := ike.SAID{Src: addrB, Dst: addrA, Proto: c.proto, SPI: spi}
			var mark []string
			if in.Mark != 0 {
				mark = []string{"mark", fmt.Sprint(in.Mark), "mask", fmt.Sprint(in.MarkMask)}
			}
			st := xfrmState(t, "", id, mark...)
			for _, w := range c.want {
				if !strings.Contains(st, w) {
					t.Errorf("state lacks %q:\n%s", w, st)
				}
			}
			if _, err := k.QuerySA(id); err != nil {
				t.Fatal(err)
			}
			out := *in
			out.Src, out.Dst, out.SPI = addrA, addrB, 0x3000+spi%0x1000
			if err := k.AddSA(&out); err != nil {
				t.Fatal(err)
			}
			if err := k.AddSA(&out); !errors.Is(err, syscall.EEXIST) {
				t.Errorf("second NEWSA: %v, want EEXIST", err)
			}
			oid := ike.SAID{Src: addrA, Dst: addrB, Proto: c.proto, SPI: out.SPI}
			for _, x := range []ike.SAID{id, oid} {
				if err := k.DeleteSA(x); err != nil {
					t.Fatal(err)
				}
				if _, err := k.QuerySA(x); !errors.Is(err, syscall.ESRCH) {
					t.Errorf("GETSA after DELSA: %v, want ESRCH", err)
				}
			}
		})
	}
}

// TestKernelFlush: FLUSHSA by protocol and for all.
func TestKernelFlush(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	esp := &ike.SA{Src: addrA, Dst: addrB, Proto: ike.ProtoESP, SPI: 0x1000, Mode: ike.ModeTransport, EncrID: 20, EncrKey: key(20, 1)}
	ah := &ike.SA{Src: addrA, Dst: addrB, Proto: ike.ProtoAH, SPI: 0x2000, Mode: ike.ModeTransport, IntegID: 2, IntegKey: key(20, 1)}
	for _, sa := range []*ike.SA{esp, ah} {
		if err := k.AddSA(sa); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.Flush(ike.ProtoESP); err != nil {
		t.Fatal(err)
	}
	if _, err := k.QuerySA(ike.SAID{Src: addrA, Dst: addrB, Proto: ike.ProtoESP, SPI: 0x1000}); err == nil {
		t.Error("ESP SA survived FLUSHSA esp")
	}
	if _, err := k.QuerySA(ike.SAID{Src: addrA, Dst: addrB, Proto: ike.ProtoAH, SPI: 0x2000}); err != nil {
		t.Errorf("AH SA gone after FLUSHSA esp: %v", err)
	}
	if err := k.Flush(0); err != nil {
		t.Fatal(err)
	}
	if out := kerneltest.Cmd(t, "", "ip", "xfrm", "state", "list"); strings.TrimSpace(out) != "" {
		t.Errorf("states after FLUSHSA all:\n%s", out)
	}
}

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

// TestKernelAcquire: traffic hitting a policy with no SA gives
// XFRM_MSG_ACQUIRE with the policy index, selector, mode and reqid.
func TestKernelAcquire(t *testing.T) {
	iketest.RequireKernel(t)
	kerneltest.Cmd(t, "", "ip", "link", "add", "acq0", "type", "dummy")
	kerneltest.Cmd(t, "", "ip", "addr", "add", "192.0.2.1/24", "dev", "acq0")
	kerneltest.Cmd(t, "", "ip", "link", "set", "acq0", "up")
	k := openTest(t)
	p := &ike.Policy{
		Selector: ike.Selector{Src: netip.MustParsePrefix("192.0.2.1/32"), Dst: netip.MustParsePrefix("192.0.2.2/32"), Proto: 17},
		Dir:      ike.DirOut, Action: ike.ActionIPsec,
		Templates: []ike.Template{{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelRequire, ReqID: 9,
			Src: addrA, Dst: addrB}},
	}
	id, err := k.AddPolicy(p)
	if err != nil {
		t.Fatal(err)
	}
	if id == 0 || id%8 != 1 {
		t.Errorf("outbound policy index %d", id)
	}
	c, err := net.DialUDP("udp4", &net.UDPAddr{IP: addrA.AsSlice()}, &net.UDPAddr{IP: addrB.AsSlice(), Port: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("trigger"))
	a := waitEvent(t, k, 5*time.Second, func(a *ike.Acquire) bool { return true })
	if a.PolicyID != id || a.Src != addrA || a.Dst != addrB || a.Proto != ike.ProtoESP || a.Mode != ike.ModeTunnel ||
		a.ReqID != 9 || a.Selector.Proto != 17 || a.Selector.Dst.String() != "192.0.2.2/32" {
		t.Errorf("ACQUIRE %+v, want policy %d", a, id)
	}
	if err := k.DeletePolicy(p); err != nil {
		t.Fatal(err)
	}
	if err := k.DeletePolicy(p); err == nil {
		t.Error("second DeletePolicy succeeded")
	}
}

// TestKernelExpire: soft then hard XFRM_MSG_EXPIRE for short lifetimes.
func TestKernelExpire(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	sa := &ike.SA{Src: addrA, Dst: addrB, Proto: ike.ProtoESP, SPI: 0x4242, Mode: ike.ModeTunnel,
		EncrID: 20, EncrKey: key(20, 1),
		Lifetime: ike.Lifetime{SoftTime: time.Second, HardTime: 2 * time.Second}}
	if err := k.AddSA(sa); err != nil {
		t.Fatal(err)
	}
	want := ike.SAID{Src: addrA, Dst: addrB, Proto: ike.ProtoESP, SPI: 0x4242}
	soft := waitEvent(t, k, 5*time.Second, func(e *ike.Expire) bool { return e.SAID == want })
	if soft.Hard || soft.Allocations != 0 {
		t.Errorf("first EXPIRE %+v, want soft and unused", soft)
	}
	hard := waitEvent(t, k, 5*time.Second, func(e *ike.Expire) bool { return e.SAID == want })
	if !hard.Hard {
		t.Errorf("second EXPIRE %+v, want hard", hard)
	}
}
