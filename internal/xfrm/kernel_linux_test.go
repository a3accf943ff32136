package xfrm

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

var addrA, addrB = kerneltest.A, kerneltest.B

var key = kerneltest.Key

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

var saCases = []kerneltest.SACase{
	{Name: "esp6-gcm16-tunnel", Proto: ike.ProtoESP, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 20, key(20, 1)
	}, Want: []string{"src 2001:db8::", "aead rfc4106(gcm(aes))"}},
	{Name: "ipcomp6-transport", Proto: ike.ProtoIPComp, Mode: ike.ModeTransport, SA: func(sa *ike.SA) { sa.CompID = 2 },
		Want: []string{"src 2001:db8::", "proto comp"}},
	{Name: "esp-cbc-sha256-tunnel", Proto: ike.ProtoESP, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = 12, key(16, 1), 12, key(32, 2)
	}, Want: []string{"mode tunnel", "cbc(aes)", "auth-trunc hmac(sha256)", " 128", "reqid 42"}},
	{Name: "esp-cbc-sha1-transport", Proto: ike.ProtoESP, Mode: ike.ModeTransport, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = 12, key(32, 1), 2, key(20, 2)
	}, Want: []string{"mode transport", "hmac(sha1)", " 96"}},
	{Name: "esp-gcm16-tunnel", Proto: ike.ProtoESP, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 20, key(20, 1)
	}, Want: []string{"aead rfc4106(gcm(aes))", " 128"}},
	{Name: "esp-gcm8-transport", Proto: ike.ProtoESP, Mode: ike.ModeTransport, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 18, key(36, 1)
	}, Want: []string{"aead rfc4106(gcm(aes))", " 64"}},
	{Name: "esp-gcm12-tunnel", Proto: ike.ProtoESP, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 19, key(20, 1)
	}, Want: []string{"aead rfc4106(gcm(aes))", " 96"}},
	{Name: "esp-chacha20poly1305-tunnel", Proto: ike.ProtoESP, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 28, key(36, 1)
	}, Want: []string{"aead rfc7539esp(chacha20,poly1305)", " 128"}},
	{Name: "esp-esn-replay-encap-mark", Proto: ike.ProtoESP, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey = 20, key(20, 1)
		sa.ESN, sa.ReplayWindow = true, 1024
		sa.Encap = &ike.Encap{SrcPort: 4500, DstPort: 4501, OrigAddr: netip.MustParseAddr("198.51.100.7")}
		sa.Mark, sa.MarkMask = 7, 0xff
	}, Want: []string{"flag esn", "replay_window 1024", "encap type espinudp sport 4500 dport 4501 addr 198.51.100.7", "mark 0x7/0xff"}},
	{Name: "ah-sha512-transport", Proto: ike.ProtoAH, Mode: ike.ModeTransport, SA: func(sa *ike.SA) {
		sa.IntegID, sa.IntegKey = 14, key(64, 3)
	}, Want: []string{"proto ah", "hmac(sha512)", " 256"}},
	{Name: "ah-sha256-tunnel", Proto: ike.ProtoAH, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.IntegID, sa.IntegKey = 12, key(32, 3)
	}, Want: []string{"proto ah", "mode tunnel", "hmac(sha256)", " 128"}},
	{Name: "ipcomp-tunnel", Proto: ike.ProtoIPComp, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) { sa.CompID = 2 },
		Want: []string{"proto comp", "mode tunnel", "deflate"}},
	{Name: "ipcomp-transport", Proto: ike.ProtoIPComp, Mode: ike.ModeTransport, SA: func(sa *ike.SA) { sa.CompID = 2 },
		Want: []string{"proto comp", "mode transport", "deflate"}},
}

// TestKernelSA: ALLOCSPI, UPDSA, GETSA, NEWSA, DELSA for ESP (CBC+HMAC and
// the AEADs of RFC 4106 and RFC 7634), AH and IPComp in both modes.
func TestKernelSA(t *testing.T) {
	iketest.RequireKernel(t)
	kerneltest.RunSA(t, openTest(t), kerneltest.SAConfig{
		SPIMin: spiMin, SPIMax: spiMax, CPIMax: cpiMax, ReplayWindow: 64,
		OutSPI: func(_ ike.Proto, in uint32) uint32 { return 0x3000 + in%0x1000 },
		Add:    "NEWSA", Get: "GETSA", Delete: "DELSA",
	}, saCases)
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

// TestKernelAcquire: traffic hitting a policy with no SA gives
// XFRM_MSG_ACQUIRE with the policy index, selector, mode and reqid.
func TestKernelAcquire(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	p := &ike.Policy{
		Selector: ike.Selector{Src: netip.MustParsePrefix("192.0.2.1/32"), Dst: netip.MustParsePrefix("192.0.2.2/32"), Proto: 17},
		Dir:      ike.DirOut, Action: ike.ActionIPsec,
		Templates: []ike.Template{{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelRequire, ReqID: 9,
			Src: addrA, Dst: addrB}},
	}
	id, a := kerneltest.RunAcquire(t, k, p)
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
	kerneltest.RunExpire(t, openTest(t), func(sa *ike.SA) { sa.EncrID, sa.EncrKey = 20, key(20, 1) })
}
