package ikev2

import (
	"net/netip"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// nullKernel hands out SPIs and stores nothing, so that benchmarks measure
// the engine and not the fake kernel's bookkeeping.
type nullKernel struct {
	iketest.Kernel
	next uint32
}

func (k *nullKernel) GetSPI(netip.Addr, netip.Addr, ike.Proto, ike.Mode, uint32) (uint32, error) {
	k.next++
	return k.next, nil
}
func (k *nullKernel) AddSA(*ike.SA) error        { return nil }
func (k *nullKernel) UpdateSA(*ike.SA) error     { return nil }
func (k *nullKernel) DeleteSA(ike.SAID) error    { return nil }
func (k *nullKernel) Supported() *ike.Algorithms { return nil }

// timedExec runs work on a node's deferred executor and adds the thread
// CPU time it takes to *ns.
type timedExec struct {
	n  *iketest.Node
	ns *time.Duration
}

func (x timedExec) Go(work func() func()) {
	x.n.Go(func() func() {
		t0 := threadCPU()
		done := work()
		*x.ns += threadCPU() - t0
		if done == nil {
			return nil
		}
		return func() {
			t0 := threadCPU()
			done()
			*x.ns += threadCPU() - t0
		}
	})
}

type benchPair struct {
	w      *iketest.World
	a, b   *Engine
	respNs time.Duration
	peer   *ike.PeerConfig
	child  *ike.ChildConfig
}

func newBenchPair(tb testing.TB, group uint16) *benchPair {
	bp := &benchPair{w: iketest.NewWorld()}
	bp.w.NoLog = true
	ca := &ike.Config{
		Peers:    []*ike.PeerConfig{testPeer("b", addrB, "a.example", "b.example")},
		Children: []*ike.ChildConfig{testChild("a-out", "b", "10.1.0.0/16", "10.2.0.0/16")},
	}
	cb := &ike.Config{
		Peers:    []*ike.PeerConfig{testPeer("a", addrA, "b.example", "a.example")},
		Children: []*ike.ChildConfig{testChild("b-out", "a", "10.2.0.0/16", "10.1.0.0/16")},
	}
	for _, c := range []*ike.Config{ca, cb} {
		c.Peers[0].Proposal = ike.IKEProposal{Encr: []ike.EncrAlg{{ID: 20, KeyBits: 256}}, PRF: []uint16{5}, DH: []uint16{group}}
		c.Peers[0].Lifetime = 0 // no lifetime timer per SA in the heap figures
	}
	na, nb := bp.w.Node(addrA), bp.w.Node(addrB)
	mk := func(n *iketest.Node, c *ike.Config, ex ike.Executor) *Engine {
		addr := n.Addr
		e, err := New(Options{Config: c, Sched: n, Exec: ex, Conn: n, Kernel: &nullKernel{},
			LocalAddr: func(netip.Addr) netip.Addr { return addr }})
		if err != nil {
			tb.Fatal(err)
		}
		n.OnTimer = func(k ike.TimerKey) { e.HandleTimer(k) }
		return e
	}
	bp.a = mk(na, ca, na)
	bp.b = mk(nb, cb, timedExec{nb, &bp.respNs})
	na.Handle = bp.a.HandlePacket
	nb.Handle = func(p ike.Packet) {
		t0 := threadCPU()
		bp.b.HandlePacket(p)
		bp.respNs += threadCPU() - t0
	}
	bp.peer, bp.child = ca.Peers[0], ca.Children[0]
	return bp
}

// handshake runs one full IKE_SA_INIT + IKE_AUTH with a child.
func (bp *benchPair) handshake(tb testing.TB) {
	_, err := bp.a.startIKE(bp.peer, bp.child, netip.AddrPortFrom(addrA, 500), netip.AddrPortFrom(addrB, 500))
	if err != nil {
		tb.Fatal(err)
	}
	bp.w.Run()
}

func benchHandshake(b *testing.B, group uint16) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	bp := newBenchPair(b, group)
	c0 := threadCPU()
	b.ReportAllocs()
	for b.Loop() {
		bp.handshake(b)
	}
	if got := bp.b.Stats().Established; got != uint64(b.N) && b.N > 0 && got < uint64(b.N) {
		b.Fatalf("established %d of %d", got, b.N)
	}
	b.ReportMetric(float64((threadCPU()-c0).Microseconds())/float64(b.N), "cpu-µs/handshake")
	b.ReportMetric(float64(bp.respNs.Microseconds())/float64(b.N), "resp-cpu-µs/SA")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
}

// BenchmarkHandshakeX25519 is a full IKE_SA_INIT + IKE_AUTH (PSK, AES-GCM,
// Curve25519) with one CHILD_SA between two engines in one goroutine;
// resp-µs/SA is the responder's share.
func BenchmarkHandshakeX25519(b *testing.B) { benchHandshake(b, 31) }

// BenchmarkHandshakeMODP2048 is the same with MODP-2048.
func BenchmarkHandshakeMODP2048(b *testing.B) { benchHandshake(b, 14) }

// TestHeapPerEstablishedSA measures the responder's heap per established
// IKE SA with one CHILD_SA (target: 4 KiB): N handshakes, then the
// initiator's SAs are dropped locally and the heap is compared.
func TestHeapPerEstablishedSA(t *testing.T) {
	if testing.Short() {
		t.Skip("heap measurement")
	}
	const n = 2000
	bp := newBenchPair(t, 31)
	bp.handshake(t) // warm up the scratch buffers
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		bp.handshake(t)
	}
	for _, sa := range bp.a.sortedSAs() {
		bp.a.destroy(sa, "test")
	}
	bp.a.sas = newSATable()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if bp.b.Len() != n+1 {
		t.Fatalf("%d SAs", bp.b.Len())
	}
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("responder heap per established IKE SA with one child: %.0f bytes", per)
	if per > 4096 {
		t.Errorf("%.0f bytes per SA, target 4096", per)
	}
	if f := os.Getenv("IKEV2_HEAPPROF"); f != "" {
		w, err := os.Create(f)
		if err == nil {
			_ = pprof.WriteHeapProfile(w)
			w.Close()
		}
	}
	runtime.KeepAlive(bp)
}
