package ikev2

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// loopConn delivers datagrams to the other engine's loop.
type loopConn struct {
	to      **ike.Loop
	deliver *func(ike.Packet)
}

func (c loopConn) Send(p ike.Packet) error {
	q := ike.Packet{Local: p.Remote, Remote: p.Local, Data: append([]byte(nil), p.Data...)}
	d := *c.deliver
	(*c.to).Post(func() { d(q) })
	return nil
}

// Two engines on real event loops with worker pools (run with -race): the
// DH, key derivation and signatures really run on other goroutines, and a
// negotiation torn down while its work is in flight is safe.
func TestRealLoops(t *testing.T) {
	var la, lb *ike.Loop
	var ea, eb *Engine
	var da, db func(ike.Packet)
	la = ike.NewLoop(func(k ike.TimerKey) { ea.HandleTimer(k) }, 2)
	lb = ike.NewLoop(func(k ike.TimerKey) { eb.HandleTimer(k) }, 2)
	p := newPair(t, nil) // for the configurations only
	ka, kb := iketest.NewKernel(0x100), iketest.NewKernel(0x200)
	var err error
	ea, err = New(Options{Config: p.ca, Sched: la, Exec: la, Conn: loopConn{&lb, &db}, Kernel: ka,
		LocalAddr: func(netip.Addr) netip.Addr { return addrA }})
	if err != nil {
		t.Fatal(err)
	}
	eb, err = New(Options{Config: p.cb, Sched: lb, Exec: lb, Conn: loopConn{&la, &da}, Kernel: kb,
		LocalAddr: func(netip.Addr) netip.Addr { return addrB }})
	if err != nil {
		t.Fatal(err)
	}
	da, db = ea.HandlePacket, eb.HandlePacket
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, l := range []*ike.Loop{la, lb} {
		wg.Add(1)
		go func() { defer wg.Done(); l.Run(ctx) }()
	}
	defer func() { cancel(); wg.Wait() }()

	up := func() bool {
		ok := false
		la.Call(func() { ok = ea.Stats().Established == 1 && ea.Stats().ChildInstalled == 1 })
		return ok
	}
	la.Call(func() {
		if err := ea.InitiateSelector("a-out"); err != nil {
			t.Error(err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !up() {
		if time.Now().After(deadline) {
			t.Fatal("no IKE SA over real loops")
		}
		time.Sleep(5 * time.Millisecond)
	}
	done := make(chan struct{})
	la.Call(func() { ea.Shutdown(func() { close(done) }) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown did not finish")
	}
	// Start and kill at once: the work in flight finds its SA gone.
	for range 20 {
		la.Call(func() {
			ea.closing = false
			sa, err := ea.startIKE(p.ca.Peers[0], p.ca.Children[0], netipAP(addrA), netipAP(addrB))
			if err == nil {
				ea.destroy(sa, "test")
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	la.Call(func() {
		if ea.Len() != 0 {
			t.Errorf("%d SAs left", ea.Len())
		}
	})
}
