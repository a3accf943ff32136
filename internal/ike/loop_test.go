package ike

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestTimerQueueOrder(t *testing.T) {
	var q TimerQueue
	base := time.Unix(1000, 0)
	for i, d := range []int{5, 1, 3, 2, 4} {
		q.Add(base.Add(time.Duration(d)*time.Second), TimerKey{Kind: uint16(i), Arg: uint32(d)})
	}
	if _, ok := q.PopDue(base); ok {
		t.Fatal("timer fired before its deadline")
	}
	var got []uint32
	for {
		k, ok := q.PopDue(base.Add(10 * time.Second))
		if !ok {
			break
		}
		got = append(got, k.Arg)
	}
	for i, v := range got {
		if v != uint32(i+1) {
			t.Fatalf("order %v, want 1..5", got)
		}
	}
	if len(got) != 5 || q.Len() != 0 {
		t.Fatalf("popped %d, left %d", len(got), q.Len())
	}
}

func TestLoopTimersEventsAndWorkers(t *testing.T) {
	fired := make(chan TimerKey, 1)
	l := NewLoop(func(k TimerKey) { fired <- k }, 2)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { l.Run(ctx); close(stopped) }()

	var onLoop atomic.Int32
	l.Call(func() { l.Schedule(l.Now().Add(20*time.Millisecond), TimerKey{Kind: 7, SPI: 42}) })
	select {
	case k := <-fired:
		if k.Kind != 7 || k.SPI != 42 {
			t.Fatalf("fired %+v", k)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("timer did not fire")
	}
	result := make(chan int, 1)
	l.Go(func() func() {
		v := 6 * 7 // stands for a DH computation
		return func() { onLoop.Add(1); result <- v }
	})
	if v := <-result; v != 42 || onLoop.Load() != 1 {
		t.Fatalf("worker result %d, completions %d", v, onLoop.Load())
	}
	cancel()
	<-stopped
	if l.Post(func() {}) {
		t.Fatal("Post succeeded after the loop stopped")
	}
}
