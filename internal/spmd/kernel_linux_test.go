package spmd

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
	"github.com/racoon2go/iked/internal/pfkey"
	"github.com/racoon2go/iked/internal/spmdclient"
	"github.com/racoon2go/iked/internal/xfrm"
)

func openBackend(t *testing.T, kind string) ike.Kernel {
	t.Helper()
	var k ike.Kernel
	var err error
	if kind == "pfkey" {
		var p *pfkey.Kernel
		if p, err = pfkey.Open(nil); err == nil {
			k = p
		}
	} else {
		k, err = xfrm.Open(nil)
	}
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// kernelNet gives this host the samples' addresses: MY_NET and
// MY_IPADDRESS on a dummy link, with PEERS_NET routed through it.
func kernelNet(t *testing.T) {
	kerneltest.Cmd(t, "", "ip", "link", "add", "spmd0", "type", "dummy")
	t.Cleanup(func() { kerneltest.Try("", "ip", "link", "del", "spmd0") })
	kerneltest.Cmd(t, "", "ip", "addr", "add", "192.168.0.1/24", "dev", "spmd0")
	kerneltest.Cmd(t, "", "ip", "addr", "add", "10.0.0.1/24", "dev", "spmd0")
	kerneltest.Cmd(t, "", "ip", "link", "set", "spmd0", "up")
	kerneltest.Cmd(t, "", "ip", "route", "add", "10.0.1.0/24", "dev", "spmd0")
	kerneltest.Cmd(t, "", "ip", "route", "add", "192.168.1.0/24", "dev", "spmd0")
}

func xfrmPolicies(t *testing.T) string {
	return kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list")
}

// TestKernelSamples: spmd installs the policies of racoon2's
// tunnel_ike.conf and transport_ike.conf (values filled in) through each
// backend; iked's client logs in and resolves each policy id, including
// the one of a real kernel ACQUIRE, to its selector with SLID; POLICY
// ADD/DELETE change the kernel SPD; the SIGTERM flush empties it.
func TestKernelSamples(t *testing.T) {
	iketest.RequireKernel(t)
	for _, kind := range []string{"pfkey", "xfrm"} {
		t.Run(kind, func(t *testing.T) { kernelSamples(t, kind) })
	}
}

func kernelSamples(t *testing.T, kind string) {
	kernelNet(t)
	kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "flush")
	kerneltest.Cmd(t, "", "ip", "xfrm", "state", "flush") // larval SAs would hold back ACQUIREs
	dir := testDir(t)
	c := loadSample(t, dir, defaultSample, "tunnel_ike.conf", "transport_ike.conf")
	k := openBackend(t, kind)
	go drain(k.Events())
	srv, err := New(FromConf(c, nil), k, Options{PasswordFile: c.Interface.SpmdPassword, Fwd: true,
		Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.InstallBoot(); err != nil {
		t.Fatal(err)
	}
	pol := xfrmPolicies(t)
	for _, want := range []string{
		"src 10.0.0.0/24 dst 10.0.1.0/24 \n\tdir out priority 0",
		"src 10.0.1.0/24 dst 10.0.0.0/24 \n\tdir in priority 0",
		"src 10.0.1.0/24 dst 10.0.0.0/24 \n\tdir fwd priority 0",
		"tmpl src 192.168.0.1 dst 192.168.1.1\n\t\tproto esp reqid 0 mode tunnel",
		"tmpl src 192.168.1.1 dst 192.168.0.1\n\t\tproto esp reqid 0 mode tunnel",
		"src 192.168.0.1/32 dst 192.168.1.1/32 proto udp sport 1701 \n\tdir out",
		"src 192.168.1.1/32 dst 192.168.0.1/32 proto udp dport 1701 \n\tdir in",
		"proto esp reqid 0 mode transport",
	} {
		if !strings.Contains(pol, want) {
			t.Errorf("kernel SPD lacks %q:\n%s", want, pol)
		}
	}
	if n := strings.Count(pol, "\tdir "); n != 5 {
		t.Errorf("%d kernel policies, want 5:\n%s", n, pol)
	}
	if len(c.Interface.Spmd) != 1 {
		t.Fatalf("spmd sockets %q", c.Interface.Spmd)
	}
	if err := srv.Listen(c.Interface.Spmd[0]); err != nil {
		t.Fatal(err)
	}
	cl := spmdclient.New(spmdclient.Config{Paths: c.Interface.Spmd, PasswordFile: c.Interface.SpmdPassword})
	cl.Start()
	defer cl.Close()
	slid := func(id uint32) (string, error) {
		type r struct {
			s   string
			err error
		}
		ch := make(chan r, 1)
		cl.SLID(id, func(s string, err error) { ch <- r{s, err} })
		select {
		case x := <-ch:
			return x.s, x.err
		case <-time.After(10 * time.Second):
			return "", fmt.Errorf("SLID %d: no answer", id)
		}
	}
	for _, p := range srv.Policies() {
		var id uint32
		fmt.Sscan(p[1], &id)
		if s, err := slid(id); s != p[0] || err != nil {
			t.Errorf("SLID %d: %q %v, want %s", id, s, err, p[0])
		}
	}

	// A kernel ACQUIRE, as iked's own kernel socket sees it, names a policy
	// id that SLID resolves to the selector whose traffic started it.
	iked := openBackend(t, kind)
	for _, tc := range []struct {
		src, dst netip.AddrPort
		sel      string
	}{
		{netip.MustParseAddrPort("10.0.0.1:0"), netip.MustParseAddrPort("10.0.1.5:9"), "ike_tun_sel_out"},
		{netip.MustParseAddrPort("192.168.0.1:1701"), netip.MustParseAddrPort("192.168.1.1:1701"), "ike_trans_sel_out"},
	} {
		a := acquire(t, iked, tc.src, tc.dst)
		if s, err := slid(a.PolicyID); s != tc.sel || err != nil {
			t.Errorf("ACQUIRE %v->%v policy %d: SLID %q %v, want %s", tc.src, tc.dst, a.PolicyID, s, err, tc.sel)
		}
		iked.AcquireFailed(a, 1)
	}

	// POLICY ADD for one host of PEERS_NET, then POLICY DELETE per direction.
	errc := make(chan error, 1)
	req := ike.PolicyRequest{Selector: "ike_tun_sel_out", Lifetime: 600, Mode: ike.ModeTunnel,
		Src: netip.MustParsePrefix("10.0.0.0/24"), Dst: netip.MustParsePrefix("10.0.1.7/32"),
		SASrc: netip.MustParseAddr("192.168.0.1"), SADst: netip.MustParseAddr("192.168.1.7")}
	cl.PolicyAdd(req, func(err error) { errc <- err })
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	pol = xfrmPolicies(t)
	for _, want := range []string{
		"src 10.0.0.0/24 dst 10.0.1.7/32 \n\tdir out",
		"src 10.0.1.7/32 dst 10.0.0.0/24 \n\tdir in",
		"src 10.0.1.7/32 dst 10.0.0.0/24 \n\tdir fwd",
		"tmpl src 192.168.1.7 dst 192.168.0.1",
	} {
		if !strings.Contains(pol, want) {
			t.Errorf("after POLICY ADD, SPD lacks %q:\n%s", want, pol)
		}
	}
	if kind == "pfkey" { // XFRM takes no policy lifetime: spmd enforces it
		if pol := kerneltest.Cmd(t, "", "ip", "-s", "xfrm", "policy", "list"); !strings.Contains(pol, "expire add: soft 0(sec), hard 600(sec)") {
			t.Errorf("POLICY ADD lifetime not in the kernel:\n%s", pol)
		}
	}
	del := func(r ike.PolicyRequest) {
		t.Helper()
		cl.PolicyDelete(r, func(err error) { errc <- err })
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		in := ike.PolicyRequest{Selector: "ike_tun_sel_in", Mode: ike.ModeTunnel, Src: r.Dst, Dst: r.Src, SASrc: r.SADst, SADst: r.SASrc}
		cl.PolicyDelete(in, func(err error) { errc <- err })
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	// The peer moved (iked re-announces, internal/ikev2 rwpolicy.go): the
	// ADD naming the new endpoint replaces the policies in place, and the
	// DELETE naming the old one that follows leaves them alone.
	moved := req
	moved.SADst = netip.MustParseAddr("192.168.1.8")
	cl.PolicyAdd(moved, func(err error) { errc <- err })
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	del(req)
	pol = xfrmPolicies(t)
	if strings.Count(pol, "\tdir ") != 8 || strings.Contains(pol, "192.168.1.7") ||
		!strings.Contains(pol, "tmpl src 192.168.1.8 dst 192.168.0.1") || !strings.Contains(pol, "tmpl src 192.168.0.1 dst 192.168.1.8") {
		t.Errorf("after POLICY ADD with a moved endpoint and DELETE of the old one:\n%s", pol)
	}
	del(moved)
	if pol := xfrmPolicies(t); strings.Contains(pol, "10.0.1.7") || strings.Count(pol, "\tdir ") != 5 {
		t.Errorf("after POLICY DELETE:\n%s", pol)
	}

	// SIGTERM's flush.
	if n := srv.Flush(); n != 0 {
		t.Errorf("flush: %d failures", n)
	}
	if pol := xfrmPolicies(t); strings.Contains(pol, "dir ") {
		t.Errorf("policies left after flush:\n%s", pol)
	}
}

func drain(ev <-chan ike.Event) {
	for range ev {
	}
}

// acquire sends one UDP datagram from src to dst and waits for the ACQUIRE.
func acquire(t *testing.T, k ike.Kernel, src, dst netip.AddrPort) *ike.Acquire {
	t.Helper()
	c, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(src), net.UDPAddrFromAddrPort(dst))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("acquire")) // EAGAIN while the SA is larval is expected
	tm := time.NewTimer(5 * time.Second)
	defer tm.Stop()
	for {
		select {
		case ev := <-k.Events():
			// Linux names the SA's end points, not the traffic's: the
			// policy id is the link to the selector.
			if a, ok := ev.(*ike.Acquire); ok {
				return a
			}
			t.Logf("event %T %+v skipped", ev, ev)
		case <-tm.C:
			t.Fatalf("no ACQUIRE for %v->%v", src, dst)
			return nil
		}
	}
}
