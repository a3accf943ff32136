//go:build linux

package ikev2

import (
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
	"github.com/racoon2go/iked/internal/xfrm"
)

// Rekeys in a real kernel (XFRM, two namespaces): a child rekey with PFS
// and an IKE SA rekey keep traffic flowing and leave exactly the new SAs
// in both kernels; then the kernel's own soft EXPIRE (lifetime 20 s, soft
// at 16-18 s) starts a child rekey, and traffic still flows.
func TestKernelRekeyTraffic(t *testing.T) {
	iketest.RequireKernel(t)
	w, a, b, kl, kr, left, right := kernelPair(t, 20*time.Second)
	if err := a.InitiateSelector("sel"); err != nil {
		t.Fatal(err)
	}
	w.Run()
	ping := func(when string) {
		t.Helper()
		if out, ok := kerneltest.Ping(left, kerneltest.Right.String(), 2); !ok {
			t.Fatalf("%s: ping through the tunnel failed:\n%s\n%s", when, out, kerneltest.Cmd(t, left, "ip", "-s", "xfrm", "state"))
		}
	}
	states := func(when string) {
		t.Helper()
		for _, ns := range []string{left, right} {
			out := kerneltest.Cmd(t, ns, "ip", "xfrm", "state")
			if n := strings.Count(out, "proto esp"); n != 2 {
				t.Fatalf("%s: %d ESP SAs in %s:\n%s", when, n, ns, out)
			}
		}
	}
	ping("established")
	old := only(t, a).children[0]
	a.rekeyChild(only(t, a), old)
	w.Run()
	states("after child rekey")
	if _, err := kl.QuerySA(ike.SAID{Src: kerneltest.Right, Dst: kerneltest.Left, Proto: ike.ProtoESP, SPI: old.inSPI}); err == nil {
		t.Fatal("old inbound SA still installed")
	}
	ping("after child rekey")
	b.rekeyIKE(only(t, b))
	w.Run()
	states("after IKE SA rekey")
	ping("after IKE SA rekey")

	before := a.ExtStats().ChildRekeys + b.ExtStats().ChildRekeys
	deadline := time.Now().Add(25 * time.Second)
	for a.ExtStats().ChildRekeys+b.ExtStats().ChildRekeys == before {
		if time.Now().After(deadline) {
			t.Fatalf("no soft EXPIRE rekey; A %+v B %+v", a.ExtStats(), b.ExtStats())
		}
		select {
		case ev := <-kl.Events():
			a.HandleKernelEvent(ev)
		case ev := <-kr.Events():
			b.HandleKernelEvent(ev)
		case <-time.After(100 * time.Millisecond):
		}
		w.Run()
	}
	w.Run()
	states("after soft EXPIRE")
	ping("after soft EXPIRE")
}

// kernelPair is two engines on a World, each installing through XFRM in
// its own namespace, with PFS and child lifetime life; A initiates.
func kernelPair(t *testing.T, life time.Duration) (w *iketest.World, a, b *Engine, kl, kr ike.Kernel, left, right string) {
	left, right = kerneltest.Two(t)
	open := func() (ike.Kernel, error) { return xfrm.Open(slog.New(slog.DiscardHandler)) }
	kl = kerneltest.OpenIn(t, left, open)
	kr = kerneltest.OpenIn(t, right, open)
	kerneltest.Policies(t, kl, kerneltest.Left, kerneltest.Right)
	kerneltest.Policies(t, kr, kerneltest.Right, kerneltest.Left)
	w = iketest.NewWorld()
	mk := func(me, peer netip.Addr, k ike.Kernel, myName, peerName string) *Engine {
		pc := testPeer("p", peer, myName, peerName)
		pc.NeedPFS = true
		ch := testChild("sel", "p", netip.PrefixFrom(me, 32).String(), netip.PrefixFrom(peer, 32).String())
		ch.ReqID = 0
		ch.Lifetime = ike.Lifetime{HardTime: life}
		n := w.Node(me)
		e, err := New(Options{Config: &ike.Config{Peers: []*ike.PeerConfig{pc}, Children: []*ike.ChildConfig{ch}},
			Sched: n, Exec: n, Conn: n, Kernel: k, Log: testLogger(t),
			LocalAddr: func(netip.Addr) netip.Addr { return me }})
		if err != nil {
			t.Fatal(err)
		}
		n.Handle = e.HandlePacket
		n.OnTimer = func(k ike.TimerKey) { e.HandleTimer(k) }
		return e
	}
	a = mk(kerneltest.Left, kerneltest.Right, kl, "a.example", "b.example")
	b = mk(kerneltest.Right, kerneltest.Left, kr, "b.example", "a.example")
	return w, a, b, kl, kr, left, right
}

// racoon2: the kernel's soft EXPIRE of an SA that carried no traffic is
// ignored, and its hard EXPIRE removes the child on both sides; the SA
// is not kept alive by rekeys nobody needs.
func TestKernelUnusedChildExpires(t *testing.T) {
	iketest.RequireKernel(t)
	w, a, b, kl, kr, left, right := kernelPair(t, 6*time.Second)
	if err := a.InitiateSelector("sel"); err != nil {
		t.Fatal(err)
	}
	w.Run()
	deadline := time.Now().Add(12 * time.Second)
	for a.Stats().ChildDeleted == 0 || b.Stats().ChildDeleted == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("child not deleted at hard expiry: A %+v B %+v", a.ExtStats(), b.ExtStats())
		}
		select {
		case ev := <-kl.Events():
			a.HandleKernelEvent(ev)
		case ev := <-kr.Events():
			b.HandleKernelEvent(ev)
		case <-time.After(100 * time.Millisecond):
		}
		w.Run()
	}
	// At the hard lifetime the kernels remove the SAs themselves; that is
	// not an error. Only the peer's Delete may find the SAs already gone
	// (the two kernels expire them at the same instant): at most one.
	if a.Stats().KernelErrors+b.Stats().KernelErrors > 1 {
		t.Fatalf("kernel errors: A %+v B %+v", a.Stats(), b.Stats())
	}
	if a.ExtStats().SoftUnused == 0 || a.ExtStats().ChildRekeys+b.ExtStats().ChildRekeys != 0 {
		t.Fatalf("unused SA rekeyed: A %+v B %+v", a.ExtStats(), b.ExtStats())
	}
	for _, ns := range []string{left, right} {
		if out := kerneltest.Cmd(t, ns, "ip", "xfrm", "state"); strings.Contains(out, "proto esp") {
			t.Fatalf("SAs left in %s:\n%s", ns, out)
		}
	}
}
