//go:build linux

package kerneltest

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
)

// The addresses Two gives its namespaces.
var (
	Left  = netip.MustParseAddr("10.99.0.1")
	Right = netip.MustParseAddr("10.99.0.2")
)

// OpenIn opens a backend inside namespace ns and closes it when t ends.
func OpenIn(t testing.TB, ns string, open func() (ike.Kernel, error)) ike.Kernel {
	t.Helper()
	var k ike.Kernel
	var err error
	In(t, ns, func() { k, err = open() })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// Policies installs out and in tunnel-mode ESP policies between a and b on
// k (the side whose address is a).
func Policies(t testing.TB, k ike.Kernel, a, b netip.Addr) {
	t.Helper()
	for _, p := range []*ike.Policy{
		{Selector: ike.Selector{Src: netip.PrefixFrom(a, 32), Dst: netip.PrefixFrom(b, 32)}, Dir: ike.DirOut,
			Action: ike.ActionIPsec, Templates: []ike.Template{{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelRequire, Src: a, Dst: b}}},
		{Selector: ike.Selector{Src: netip.PrefixFrom(b, 32), Dst: netip.PrefixFrom(a, 32)}, Dir: ike.DirIn,
			Action: ike.ActionIPsec, Templates: []ike.Template{{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelRequire, Src: b, Dst: a}}},
	} {
		if _, err := k.AddPolicy(p); err != nil {
			t.Fatal(err)
		}
	}
}

// ESPTunnel installs a tunnel-mode ESP SA pair between left (kl) and right
// (kr) as an IKE exchange would: each side reserves its inbound SPI with
// GetSPI and completes it with UpdateSA, the peer adds it as outbound. It
// returns the outbound SA of each side.
func ESPTunnel(t testing.TB, kl, kr ike.Kernel, algs func(*ike.SA)) (outL, outR ike.SAID) {
	t.Helper()
	spiR, err := kr.GetSPI(Left, Right, ike.ProtoESP, ike.ModeTunnel, 0)
	if err != nil {
		t.Fatal(err)
	}
	spiL, err := kl.GetSPI(Right, Left, ike.ProtoESP, ike.ModeTunnel, 0)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(src, dst netip.Addr, spi uint32) *ike.SA {
		sa := &ike.SA{Src: src, Dst: dst, Proto: ike.ProtoESP, SPI: spi, Mode: ike.ModeTunnel, ReplayWindow: 32}
		algs(sa)
		return sa
	}
	for _, step := range []struct {
		k      ike.Kernel
		update bool
		sa     *ike.SA
	}{
		{kr, true, mk(Left, Right, spiR)}, {kl, false, mk(Left, Right, spiR)},
		{kl, true, mk(Right, Left, spiL)}, {kr, false, mk(Right, Left, spiL)},
	} {
		var err error
		if step.update {
			err = step.k.UpdateSA(step.sa)
		} else {
			err = step.k.AddSA(step.sa)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	Policies(t, kl, Left, Right)
	Policies(t, kr, Right, Left)
	return ike.SAID{Src: Left, Dst: Right, Proto: ike.ProtoESP, SPI: spiR},
		ike.SAID{Src: Right, Dst: Left, Proto: ike.ProtoESP, SPI: spiL}
}

// IPXfrmPeer configures namespace ns (address self, peer peer) with
// `ip xfrm`, RFC 4868 style: AES-CBC and HMAC-SHA2-256 truncated to 128
// bits, SPI spiIn inbound and spiOut outbound, tunnel mode.
func IPXfrmPeer(t testing.TB, ns string, self, peer netip.Addr, spiIn, spiOut uint32, encKey, authKey []byte) {
	t.Helper()
	state := func(src, dst netip.Addr, spi uint32) {
		Cmd(t, ns, "ip", "xfrm", "state", "add", "src", src.String(), "dst", dst.String(), "proto", "esp",
			"spi", fmt.Sprintf("0x%08x", spi), "mode", "tunnel", "replay-window", "32",
			"enc", "cbc(aes)", "0x"+hex.EncodeToString(encKey),
			"auth-trunc", "hmac(sha256)", "0x"+hex.EncodeToString(authKey), "128")
	}
	state(peer, self, spiIn)
	state(self, peer, spiOut)
	for _, d := range []struct{ dir, src, dst string }{
		{"out", self.String(), peer.String()}, {"in", peer.String(), self.String()},
	} {
		Cmd(t, ns, "ip", "xfrm", "policy", "add", "src", d.src+"/32", "dst", d.dst+"/32", "dir", d.dir,
			"tmpl", "src", d.src, "dst", d.dst, "proto", "esp", "mode", "tunnel")
	}
}

var failedRE = regexp.MustCompile(`failed (\d+)`)

// IntegrityFailed returns the integrity failure count of an SA in ns.
func IntegrityFailed(t testing.TB, ns string, id ike.SAID) int {
	t.Helper()
	out := Cmd(t, ns, "ip", "-s", "xfrm", "state", "get", "src", id.Src.String(), "dst", id.Dst.String(),
		"proto", "esp", "spi", fmt.Sprintf("0x%08x", id.SPI))
	m := failedRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no failure counter in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
