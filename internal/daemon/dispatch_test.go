package daemon_test

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/daemon"
	"github.com/racoon2go/iked/internal/daemon/daemontest"
	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

func msg(major byte) ike.Packet {
	b := make([]byte, 28)
	b[17] = major << 4
	return ike.Packet{Remote: netip.MustParseAddrPort("192.0.2.1:500"), Data: b}
}

func TestDispatchByMajorVersion(t *testing.T) {
	v1 := &daemontest.Engine{V: 1, TimerMin: 100}
	v2 := &daemontest.Engine{V: 2, TimerMin: 200}
	d := daemon.NewDispatcher(daemon.Discard())
	d.SetEngines([]ike.Engine{v1, v2})
	d.Packet(msg(1))
	d.Packet(msg(2))
	d.Packet(msg(3)) // RFC 7296 section 3.1: the IKEv2 engine answers INVALID_MAJOR_VERSION
	d.Packet(msg(0)) // nobody speaks version 0
	d.Packet(ike.Packet{Data: []byte{1, 2}})
	p1, _, _, _, _ := v1.Snapshot()
	p2, _, _, _, _ := v2.Snapshot()
	if len(p1) != 1 || len(p2) != 2 || d.NoEngine.Load() != 2 {
		t.Fatalf("v1 %d, v2 %d, no engine %d", len(p1), len(p2), d.NoEngine.Load())
	}
}

func TestDispatchTimersEventsInitiate(t *testing.T) {
	v1 := &daemontest.Engine{V: 1, TimerMin: 100}
	v2 := &daemontest.Engine{V: 2, TimerMin: 200, SAs: []ike.SAID{{Proto: ike.ProtoESP, SPI: 7}}}
	d := daemon.NewDispatcher(daemon.Discard())
	d.SetEngines([]ike.Engine{v1, v2})
	d.Timer(ike.TimerKey{Kind: 150})
	d.Timer(ike.TimerKey{Kind: 250})
	d.Timer(ike.TimerKey{Kind: 999})
	d.KernelEvent(&ike.Expire{SAID: ike.SAID{Proto: ike.ProtoESP, SPI: 7}})
	d.KernelEvent(&ike.Expire{SAID: ike.SAID{Proto: ike.ProtoESP, SPI: 8}})
	if err := d.Initiate(netip.Addr{}, "1sel"); err != nil {
		t.Fatal(err)
	}
	if err := d.Initiate(netip.MustParseAddr("192.0.2.2"), ""); err != nil {
		t.Fatal(err)
	}
	if err := d.Initiate(netip.Addr{}, "9sel"); !errors.Is(err, daemon.ErrNoEngine) {
		t.Fatalf("unknown selector: %v", err)
	}
	_, ev1, t1, i1, _ := v1.Snapshot()
	_, ev2, t2, i2, _ := v2.Snapshot()
	if len(t1) != 1 || len(t2) != 1 || len(ev1) != 0 || len(ev2) != 1 || d.Unclaimed.Load() != 2 {
		t.Fatalf("timers %v %v events %v %v unclaimed %d", t1, t2, ev1, ev2, d.Unclaimed.Load())
	}
	if strings.Join(i1, ",") != "1sel" || strings.Join(i2, ",") != "192.0.2.2" {
		t.Fatalf("initiated %v %v", i1, i2)
	}
	var b bytes.Buffer
	d.Status(&b)
	if !strings.Contains(b.String(), "engines: 2") || !strings.Contains(b.String(), "IKEv2:\n  fake engine") {
		t.Fatalf("status %q", b.String())
	}
}

// runLoop runs a real ike.Loop for the duration of a test.
func runLoop(t *testing.T) *ike.Loop {
	l := ike.NewLoop(nil, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return l
}

func TestShutdownWaitsForEngines(t *testing.T) {
	l := runLoop(t)
	k := iketest.NewKernel(0)
	id := ike.SAID{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2"), Proto: ike.ProtoESP, SPI: 0x1000}
	k.AddSA(&ike.SA{Src: id.Src, Dst: id.Dst, Proto: id.Proto, SPI: id.SPI})
	e := &daemontest.Engine{V: 2, Env: ike.Env{Kernel: k}, SAs: []ike.SAID{id}}
	d := daemon.NewDispatcher(daemon.Discard())
	d.SetEngines([]ike.Engine{e, &daemontest.Engine{V: 1}})
	res := make(chan bool, 2)
	start := time.Now()
	l.Call(func() { d.Shutdown(time.Minute, l.Post, func(to bool) { res <- to }) })
	if timedOut := <-res; timedOut || time.Since(start) > 10*time.Second {
		t.Fatalf("timed out %v after %v", timedOut, time.Since(start))
	}
	if len(k.SAs) != 0 {
		t.Fatalf("kernel SAs left: %v", k.SAs)
	}
	select {
	case <-res:
		t.Fatal("done called twice")
	case <-time.After(50 * time.Millisecond):
	}
}

func TestShutdownGrace(t *testing.T) {
	l := runLoop(t)
	d := daemon.NewDispatcher(daemon.Discard())
	hung, quick := &daemontest.Engine{V: 2, HangShutdown: true}, &daemontest.Engine{V: 1}
	d.SetEngines([]ike.Engine{hung})
	res := make(chan bool, 1)
	start := time.Now()
	l.Call(func() { d.Shutdown(100*time.Millisecond, l.Post, func(to bool) { res <- to }) })
	if !<-res {
		t.Fatal("a hung engine did not time out")
	}
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Fatalf("gave up after %v", el)
	}
	// The engine that did not finish is told to drop what is left.
	if hung.Abandons != 1 {
		t.Fatalf("Abandon called %d times", hung.Abandons)
	}
	// One that finished in time is not.
	d.SetEngines([]ike.Engine{quick})
	l.Call(func() { d.Shutdown(time.Second, l.Post, func(to bool) { res <- to }) })
	if <-res || quick.Abandons != 0 {
		t.Fatal("an engine that finished was abandoned")
	}
}

func TestShutdownNoEngines(t *testing.T) {
	d := daemon.NewDispatcher(daemon.Discard())
	called := false
	d.Shutdown(time.Hour, func(func()) bool { t.Fatal("grace timer armed"); return false }, func(to bool) { called = !to })
	if !called {
		t.Fatal("done not called at once")
	}
}
