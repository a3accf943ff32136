//go:build linux

package kerneltest

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
)

// The test bodies below are the ones the PF_KEY and XFRM backends share:
// each backend's TestKernel* functions call them with its own kernel and
// algorithms, then add the checks only that backend can make.

// The addresses of the single-namespace tests.
var (
	A = netip.MustParseAddr("192.0.2.1")
	B = netip.MustParseAddr("192.0.2.2")
)

// Key returns n key bytes counting up from seed.
func Key(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

// Contains reports whether s contains every one of subs.
func Contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// State returns `ip xfrm state get` for id in netns ns; extra adds
// arguments such as a mark.
func State(t testing.TB, ns string, id ike.SAID, extra ...string) string {
	t.Helper()
	proto := id.Proto.String()
	if id.Proto == ike.ProtoIPComp {
		proto = "comp"
	}
	args := []string{"ip", "xfrm", "state", "get", "src", id.Src.String(), "dst", id.Dst.String(),
		"proto", proto, "spi", fmt.Sprintf("0x%08x", id.SPI)}
	return Cmd(t, ns, append(args, extra...)...)
}

// WaitEvent returns the first event of type T from k for which ok holds,
// failing t if none comes within d. Other events are logged and dropped.
func WaitEvent[T ike.Event](t testing.TB, k ike.Kernel, d time.Duration, ok func(T) bool) T {
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

// SACase is one SA RunSA installs: a name with "6-" in it means IPv6
// endpoints; want are substrings of `ip xfrm state get`.
type SACase struct {
	Name  string
	Proto ike.Proto
	Mode  ike.Mode
	SA    func(*ike.SA)
	Want  []string
}

// SAConfig is what differs between backends in RunSA.
type SAConfig struct {
	SPIMin, SPIMax, CPIMax uint32
	ReplayWindow           uint32
	// OutSPI picks the SPI of the outbound twin of an inbound SA.
	OutSPI func(proto ike.Proto, in uint32) uint32
	// Add, Get and Delete name the backend's messages in failures.
	Add, Get, Delete string
}

// RunSA runs GETSPI, UPDATE, GET, ADD (twice, the second must give
// EEXIST) and DELETE (then GET gives ESRCH) for each case on k.
func RunSA(t *testing.T, k ike.Kernel, cfg SAConfig, cases []SACase) {
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) { runSA(t, k, cfg, c) })
	}
}

func runSA(t *testing.T, k ike.Kernel, cfg SAConfig, c SACase) {
	addrA, addrB := A, B
	if strings.Contains(c.Name, "6-") {
		addrA, addrB = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	}
	spi, err := k.GetSPI(addrB, addrA, c.Proto, c.Mode, 42)
	if err != nil {
		t.Fatal(err)
	}
	max := cfg.SPIMax
	if c.Proto == ike.ProtoIPComp {
		max = cfg.CPIMax
	}
	if spi < cfg.SPIMin || spi > max {
		t.Fatalf("SPI %#x outside racoon2's range", spi)
	}
	in := &ike.SA{Src: addrB, Dst: addrA, Proto: c.Proto, SPI: spi, Mode: c.Mode, ReqID: 42, ReplayWindow: cfg.ReplayWindow,
		Lifetime: ike.Lifetime{SoftTime: time.Hour, HardTime: 2 * time.Hour}}
	c.SA(in)
	if err := k.UpdateSA(in); err != nil {
		t.Fatal(err)
	}
	id := ike.SAID{Src: addrB, Dst: addrA, Proto: c.Proto, SPI: spi}
	var mark []string
	if in.Mark != 0 {
		mark = []string{"mark", fmt.Sprint(in.Mark), "mask", fmt.Sprint(in.MarkMask)}
	}
	st := State(t, "", id, mark...)
	for _, w := range c.Want {
		if !strings.Contains(st, w) {
			t.Errorf("state lacks %q:\n%s", w, st)
		}
	}
	if _, err := k.QuerySA(id); err != nil {
		t.Fatal(err)
	}
	out := *in
	out.Src, out.Dst, out.SPI = addrA, addrB, cfg.OutSPI(c.Proto, spi)
	if err := k.AddSA(&out); err != nil {
		t.Fatal(err)
	}
	if err := k.AddSA(&out); !errors.Is(err, syscall.EEXIST) {
		t.Errorf("second %s: %v, want EEXIST", cfg.Add, err)
	}
	oid := ike.SAID{Src: addrA, Dst: addrB, Proto: c.Proto, SPI: out.SPI}
	for _, x := range []ike.SAID{id, oid} {
		if err := k.DeleteSA(x); err != nil {
			t.Fatal(err)
		}
		if _, err := k.QuerySA(x); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s after %s: %v, want ESRCH", cfg.Get, cfg.Delete, err)
		}
	}
}

// RunTraffic opens a backend in each of two namespaces, joins them with
// tunnel-mode ESP SAs using algs, pings across and checks that the
// counters rise and that the soft byte limit gives a soft EXPIRE with
// allocations. name is the backend in failures.
func RunTraffic(t *testing.T, name string, open func() (ike.Kernel, error), algs func(*ike.SA)) {
	l, r := Two(t)
	kl, kr := OpenIn(t, l, open), OpenIn(t, r, open)
	outL, outR := ESPTunnel(t, kl, kr, func(sa *ike.SA) {
		algs(sa)
		// A used SA: its soft expire must carry allocations. The kernel checks
		// the limit before counting a packet, so the third ping crosses 100.
		sa.Lifetime.SoftBytes = 100
	})
	if out, ok := Ping(l, Right.String(), 3); !ok {
		t.Fatalf("ping over %s SAs failed:\n%s", name, out)
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
	// an unused SA (RunExpire), racoon2's rule keeps this one.
	e := WaitEvent(t, kl, 3*time.Second, func(e *ike.Expire) bool { return e.SAID == outL })
	if e.Hard || e.Allocations == 0 || e.Bytes < 100 {
		t.Errorf("soft byte EXPIRE %+v, want allocations and >= 100 bytes", e)
	}
}

// SHA256Tunnel is the RFC 4868 setup (interop-notes "Linux kernel"): in
// namespace l, a backend opened by open installs AES-CBC with
// HMAC-SHA2-256 (IKEv2 IDs encr and integ) tunnel SAs to r, and r gets
// the same keys from `ip xfrm` with the 128-bit ICV. It returns l, r, the
// backend and the SA from l to r.
func SHA256Tunnel(t *testing.T, open func() (ike.Kernel, error), encr, integ uint16) (l, r string, kl ike.Kernel, out ike.SAID) {
	t.Helper()
	l, r = Two(t)
	kl = OpenIn(t, l, open)
	enc, auth := Key(16, 1), Key(32, 2)
	for _, sa := range []*ike.SA{
		{Src: Left, Dst: Right, SPI: 0x2001},
		{Src: Right, Dst: Left, SPI: 0x2002},
	} {
		sa.Proto, sa.Mode, sa.ReplayWindow = ike.ProtoESP, ike.ModeTunnel, 32
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encr, enc, integ, auth
		if err := kl.AddSA(sa); err != nil {
			t.Fatal(err)
		}
	}
	Policies(t, kl, Left, Right)
	IPXfrmPeer(t, r, Right, Left, 0x2001, 0x2002, enc, auth)
	return l, r, kl, ike.SAID{Src: Left, Dst: Right, Proto: ike.ProtoESP, SPI: 0x2001}
}

// RunAcquire installs p (an outbound tunnel-mode ESP policy from A to B)
// on k, sends a UDP datagram from A to B through a dummy interface and
// returns the policy id and the ACQUIRE that traffic caused. The policy
// is deleted when t ends.
func RunAcquire(t *testing.T, k ike.Kernel, p *ike.Policy) (uint32, *ike.Acquire) {
	t.Helper()
	Cmd(t, "", "ip", "link", "add", "acq0", "type", "dummy")
	Cmd(t, "", "ip", "addr", "add", A.String()+"/24", "dev", "acq0")
	Cmd(t, "", "ip", "link", "set", "acq0", "up")
	id, err := k.AddPolicy(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.DeletePolicy(p) })
	if id == 0 || id%8 != 1 {
		t.Errorf("outbound policy id %d: Linux ids have direction 1 in the low 3 bits", id)
	}
	c, err := net.DialUDP("udp4", &net.UDPAddr{IP: A.AsSlice()}, &net.UDPAddr{IP: B.AsSlice(), Port: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("trigger")) // EAGAIN while the SA is larval is expected
	return id, WaitEvent(t, k, 5*time.Second, func(a *ike.Acquire) bool { return true })
}

// RunExpire adds an unused tunnel-mode ESP SA with algs and 1 s soft, 2 s
// hard lifetimes, and checks the soft EXPIRE (no allocations, no bytes),
// the hard one, and that the SA is gone after it.
func RunExpire(t *testing.T, k ike.Kernel, algs func(*ike.SA)) {
	sa := &ike.SA{Src: A, Dst: B, Proto: ike.ProtoESP, SPI: 0x4242, Mode: ike.ModeTunnel,
		Lifetime: ike.Lifetime{SoftTime: time.Second, HardTime: 2 * time.Second}}
	algs(sa)
	if err := k.AddSA(sa); err != nil {
		t.Fatal(err)
	}
	want := ike.SAID{Src: A, Dst: B, Proto: ike.ProtoESP, SPI: 0x4242}
	soft := WaitEvent(t, k, 5*time.Second, func(e *ike.Expire) bool { return e.SAID == want })
	if soft.Hard || soft.Allocations != 0 || soft.Bytes != 0 {
		t.Errorf("first EXPIRE %+v, want soft with no allocations", soft)
	}
	hard := WaitEvent(t, k, 5*time.Second, func(e *ike.Expire) bool { return e.SAID == want })
	if !hard.Hard {
		t.Errorf("second EXPIRE %+v, want hard", hard)
	}
	if _, err := k.QuerySA(want); err == nil {
		t.Errorf("SA still there after hard expire")
	}
}

// Migrator is a backend that can move SAs and policies (RFC 4555
// MOBIKE, racoon2's migrate).
type Migrator interface {
	ike.Kernel
	Migrate(ev *ike.Migrate, proto ike.Proto, mode ike.Mode) error
}

// RunMigrate moves a tunnel policy and its SA (with algs) from A to a new
// local address and checks that the kernel's MIGRATE report comes back as
// the same ike.Migrate and that the SA answers at its new address.
func RunMigrate(t *testing.T, k Migrator, algs func(*ike.SA)) {
	sel := ike.Selector{Src: netip.MustParsePrefix("10.1.0.0/24"), Dst: netip.MustParsePrefix("10.2.0.0/24")}
	p := &ike.Policy{Selector: sel, Dir: ike.DirOut, Action: ike.ActionIPsec, Templates: []ike.Template{
		{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelUnique, ReqID: 7, Src: A, Dst: B}}}
	if _, err := k.AddPolicy(p); err != nil {
		t.Fatal(err)
	}
	sa := &ike.SA{Src: A, Dst: B, Proto: ike.ProtoESP, SPI: 0x5151, Mode: ike.ModeTunnel, ReqID: 7}
	algs(sa)
	if err := k.AddSA(sa); err != nil {
		t.Fatal(err)
	}
	newSrc := netip.MustParseAddr("192.0.2.9")
	ev := &ike.Migrate{Selector: sel, Dir: ike.DirOut, ReqID: 7, OldSrc: A, OldDst: B, NewSrc: newSrc, NewDst: B}
	if err := k.Migrate(ev, ike.ProtoESP, ike.ModeTunnel); err != nil {
		t.Fatal(err)
	}
	got := WaitEvent(t, k, 3*time.Second, func(*ike.Migrate) bool { return true })
	if *got != *ev {
		t.Errorf("MIGRATE event %+v, want %+v", got, ev)
	}
	if _, err := k.QuerySA(ike.SAID{Src: newSrc, Dst: B, Proto: ike.ProtoESP, SPI: 0x5151}); err != nil {
		t.Errorf("migrated SA: %v", err)
	}
}
