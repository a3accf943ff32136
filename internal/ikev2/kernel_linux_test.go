//go:build linux

package ikev2

import (
	"log/slog"
	"net/netip"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
	"github.com/racoon2go/iked/internal/xfrm"
)

// Two engines negotiate over the in-memory network while each installs its
// CHILD_SA through XFRM in its own network namespace; ping then crosses
// the tunnel, which proves the child keys (RFC 7296 2.17: order, direction,
// salt) and SPIs are right, and Delete removes the SAs from both kernels.
func TestKernelEngineESPTraffic(t *testing.T) {
	iketest.RequireKernel(t)
	for name, esp := range map[string]ike.ChildProposal{
		"AES-GCM-16":                {Proto: ike.ProtoESP, Encr: []ike.EncrAlg{{ID: 20, KeyBits: 256}}},
		"AES-CBC+HMAC-SHA2-256-128": {Proto: ike.ProtoESP, Encr: []ike.EncrAlg{{ID: 12, KeyBits: 128}}, Integ: []uint16{12}},
	} {
		t.Run(name, func(t *testing.T) {
			left, right := kerneltest.Two(t)
			open := func() (ike.Kernel, error) { return xfrm.Open(slog.New(slog.DiscardHandler)) }
			kl := kerneltest.OpenIn(t, left, open)
			kr := kerneltest.OpenIn(t, right, open)
			kerneltest.Policies(t, kl, kerneltest.Left, kerneltest.Right)
			kerneltest.Policies(t, kr, kerneltest.Right, kerneltest.Left)

			w := iketest.NewWorld()
			mk := func(me, peer netip.Addr, k ike.Kernel, myName, peerName string) *Engine {
				pc := testPeer("p", peer, myName, peerName)
				ch := testChild("sel", "p", netip.PrefixFrom(me, 32).String(), netip.PrefixFrom(peer, 32).String())
				ch.Proposals, ch.ReqID = []ike.ChildProposal{esp}, 0
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
			a := mk(kerneltest.Left, kerneltest.Right, kl, "a.example", "b.example")
			b := mk(kerneltest.Right, kerneltest.Left, kr, "b.example", "a.example")
			if err := a.InitiateSelector("sel"); err != nil {
				t.Fatal(err)
			}
			w.Run()
			if a.Stats().ChildInstalled != 1 || b.Stats().ChildInstalled != 1 {
				t.Fatalf("children: %+v / %+v", a.Stats(), b.Stats())
			}
			if out, ok := kerneltest.Ping(left, kerneltest.Right.String(), 3); !ok {
				t.Fatalf("ping through the tunnel failed:\n%s\n%s", out, kerneltest.Cmd(t, left, "ip", "-s", "xfrm", "state"))
			}
			c := only(t, a).children[0]
			st, err := kl.QuerySA(ike.SAID{Src: kerneltest.Right, Dst: kerneltest.Left, Proto: ike.ProtoESP, SPI: c.inSPI})
			if err != nil || st.Packets == 0 {
				t.Fatalf("inbound SA counters %+v %v", st, err)
			}
			a.deleteIKE(only(t, a))
			w.Run()
			if _, err := kl.QuerySA(ike.SAID{Src: kerneltest.Right, Dst: kerneltest.Left, Proto: ike.ProtoESP, SPI: c.inSPI}); err == nil {
				t.Fatal("inbound SA still in the left kernel after Delete")
			}
			if _, err := kr.QuerySA(ike.SAID{Src: kerneltest.Left, Dst: kerneltest.Right, Proto: ike.ProtoESP, SPI: c.outSPI}); err == nil {
				t.Fatal("SA still in the right kernel after Delete")
			}
		})
	}
}
