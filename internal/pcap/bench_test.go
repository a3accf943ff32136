package pcap

import (
	"io"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkWrite is the cost on the event loop of capturing one message
// (the IKE_SA_INIT request, 432 bytes) to a file, queued: the timer stops
// while the writer goroutine drains the queue, so that nothing is dropped.
func BenchmarkWrite(b *testing.B) {
	w, err := Open(filepath.Join(b.TempDir(), "b.pcap"), quietLog())
	if err != nil {
		b.Fatal(err)
	}
	msg := v2Negotiation(v4i, v4r)[0].wire
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	n := 0
	for b.Loop() {
		if n++; n%(QueueLen/2) == 0 {
			b.StopTimer()
			drain(w)
			b.StartTimer()
		}
		w.Write(t0, v4i, v4r, msg)
	}
	b.StopTimer()
	w.Close()
	b.ReportMetric(float64(w.Stats().Dropped)/float64(b.N), "drops/op")
}

// BenchmarkWriteFull is the cost of a message dropped because the queue is
// full.
func BenchmarkWriteFull(b *testing.B) {
	w := newWriter(io.Discard, false, quietLog(), 1) // no goroutine: always full
	msg := v2Negotiation(v4i, v4r)[0].wire
	w.Write(t0, v4i, v4r, msg)
	b.ReportAllocs()
	for b.Loop() {
		w.Write(t0, v4i, v4r, msg)
	}
}

func drain(w *Writer) {
	for len(w.free) < cap(w.free) {
		time.Sleep(10 * time.Microsecond)
	}
}

// BenchmarkWriteDecrypted is the same for an IKE_AUTH request in the clear.
func BenchmarkWriteDecrypted(b *testing.B) {
	w, err := Open(filepath.Join(b.TempDir(), "b.pcap"), quietLog())
	if err != nil {
		b.Fatal(err)
	}
	c := v2Negotiation(v4i, v4r)[2]
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n++; n%(QueueLen/2) == 0 {
			b.StopTimer()
			drain(w)
			b.StartTimer()
		}
		w.WriteDecrypted(t0, c.src, c.dst, c.hdr, c.first, c.payloads)
	}
	b.StopTimer()
	w.Close()
	b.ReportMetric(float64(w.Stats().Dropped)/float64(b.N), "drops/op")
}

// BenchmarkRecord is the writer goroutine's cost per message: framing,
// checksums and the pcap record, to io.Discard.
func BenchmarkRecord(b *testing.B) {
	w := newWriter(io.Discard, false, quietLog(), 1)
	msg := v2Negotiation(v6i, v6r)[0].wire
	r := &record{ts: t0, src: v6i, dst: v6r, data: append(marker[:], msg...)}
	b.ReportAllocs()
	for b.Loop() {
		w.writeRecord(r)
	}
}
