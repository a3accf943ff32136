package pcap

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"
)

// QueueLen is how many messages may wait for the writer goroutine; more are
// dropped and counted. A negotiation is a handful of messages, so this
// absorbs a reconnect storm of a few hundred peers.
const QueueLen = 1024

// keepBuffer is the largest buffer a free record keeps: the queue holds
// at most QueueLen*keepBuffer bytes between bursts of big messages
// (certificates); a bigger one is allocated for each message.
const keepBuffer = 16 << 10

// replacedCheck is how often the writer goroutine checks that its file is
// still the one at its path.
const replacedCheck = time.Second

// Writer records IKE messages to a pcap file. Write and WriteDecrypted copy
// the message and return at once; one goroutine frames and writes. A nil
// *Writer ignores every call, so callers need no "is -P on" test.
type Writer struct {
	log *slog.Logger

	mu     sync.RWMutex // orders Close after the sends of Write
	closed bool
	q      chan *record // to the writer goroutine
	free   chan *record // records not in use; empty means the queue is full
	done   chan struct{}

	written, dropped, invalid atomic.Uint64
	warnedFull                atomic.Bool

	// Owned by the writer goroutine until done is closed.
	path       string   // "" when not writing to a named file
	file       *os.File // nil when writing to a plain io.Writer
	out        *bufio.Writer
	pw         *pcapgo.Writer
	fr         *framer
	good       int64 // file offset after the last flushed record
	pending    int64 // bytes buffered since then
	pendingN   uint64
	broken     bool
	err        error
	checkEvery time.Duration
	checkedAt  time.Time
}

type record struct {
	ts       time.Time
	src, dst netip.AddrPort
	data     []byte // the non-ESP marker, then the IKE message
}

// Stats counts what happened to the messages given to a Writer.
type Stats struct {
	Written uint64 // records in the file
	Dropped uint64 // lost: queue full, write failed, or after Close
	Invalid uint64 // refused: bad header, address families, length
}

// Open opens the capture file named by the argument of -P: a leading '+'
// appends to the file, otherwise it is truncated. The file is created with
// mode 0600. A file that already holds data keeps its pcap header and must
// be a little-endian classic pcap file of link type Ethernet; Open refuses
// anything else. log receives the capture's own failures (once each).
func Open(spec string, log *slog.Logger) (*Writer, error) {
	path, appendMode := strings.CutPrefix(spec, "+")
	if path == "" {
		return nil, errors.New("pcap: no file name")
	}
	f, nanos, err := openFile(path, appendMode, log)
	if err != nil {
		return nil, err
	}
	w := newWriter(f, nanos, log, QueueLen)
	w.path, w.file = path, f
	if fi, err := f.Stat(); err == nil {
		w.good = fi.Size()
	}
	go w.run()
	return w, nil
}

// newWriter returns a Writer on out, which must already hold a pcap file
// header; the caller starts run.
func newWriter(out io.Writer, nanos bool, log *slog.Logger, queueLen int) *Writer {
	w := &Writer{
		log:  log,
		q:    make(chan *record, queueLen),
		free: make(chan *record, queueLen),
		done: make(chan struct{}),
		fr:   newFramer(),

		checkEvery: replacedCheck,
	}
	for range queueLen {
		w.free <- new(record)
	}
	w.setOutput(out, nanos)
	return w
}

func (w *Writer) setOutput(out io.Writer, nanos bool) {
	w.out = bufio.NewWriterSize(out, 64<<10)
	if nanos {
		w.pw = pcapgo.NewWriterNanos(w.out)
	} else {
		w.pw = pcapgo.NewWriter(w.out)
	}
}

// Write records an IKE message as it travels on the wire from src to dst,
// given without the non-ESP marker of port 4500: the messages that are not
// encrypted (IKE_SA_INIT, IKEv1 Main Mode 1 to 4, ...), or encrypted ones
// that could not be decrypted. ts comes from the caller's clock.
func (w *Writer) Write(ts time.Time, src, dst netip.AddrPort, msg []byte) {
	if w == nil {
		return
	}
	if len(msg) > maxIKE {
		w.invalid.Add(1)
		w.log.Debug("pcap: message not captured", "err", errTooLong, "len", len(msg))
		return
	}
	r := w.take()
	if r == nil {
		return
	}
	r.data = append(append(r.data[:0], marker[:]...), msg...)
	w.enqueue(r, ts, src, dst)
}

// WriteDecrypted records an encrypted IKE message in the clear, in the
// layout of AppendClear: hdr is the message's IKE header as on the wire,
// first the type of the first inner payload (IKEv2: the SK payload's Next
// Payload; IKEv1: hdr[16]) and payloads the plaintext payload chain.
// Inbound messages are recorded after decryption and verification,
// outbound ones before encryption; src and dst are the UDP endpoints the
// message travels between.
func (w *Writer) WriteDecrypted(ts time.Time, src, dst netip.AddrPort, hdr []byte, first uint8, payloads []byte) {
	if w == nil {
		return
	}
	r := w.take()
	if r == nil {
		return
	}
	var err error
	r.data, err = AppendClear(append(r.data[:0], marker[:]...), hdr, first, payloads)
	if err != nil {
		w.invalid.Add(1)
		w.free <- r
		w.log.Debug("pcap: message not captured", "err", err)
		return
	}
	w.enqueue(r, ts, src, dst)
}

// take returns a free record, or nil (and counts a drop) when the queue is
// full.
func (w *Writer) take() *record {
	select {
	case r := <-w.free:
		return r
	default:
		w.dropped.Add(1)
		if !w.warnedFull.Swap(true) {
			w.log.Warn("pcap: capture queue full, dropping packets", "queue", cap(w.q))
		}
		return nil
	}
}

func (w *Writer) enqueue(r *record, ts time.Time, src, dst netip.AddrPort) {
	r.ts, r.src, r.dst = ts, src, dst
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		w.dropped.Add(1)
		w.free <- r
		return
	}
	// Never blocks: there are only cap(q) records.
	w.q <- r
	w.mu.RUnlock()
}

// Stats returns the counters so far.
func (w *Writer) Stats() Stats {
	if w == nil {
		return Stats{}
	}
	return Stats{Written: w.written.Load(), Dropped: w.dropped.Load(), Invalid: w.invalid.Load()}
}

// Close writes what is queued, stops the writer goroutine and closes the
// file. It returns the first write error, if any (already logged). Calls
// after the first return nil; Write after Close counts a drop.
func (w *Writer) Close() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	close(w.q)
	w.mu.Unlock()
	<-w.done
	return w.err
}

// run is the writer goroutine.
func (w *Writer) run() {
	defer close(w.done)
	for r := range w.q {
		w.writeRecord(r)
		if cap(r.data) > keepBuffer {
			r.data = nil // do not hold on to the rare big message
		}
		w.free <- r
		if len(w.q) == 0 {
			w.flush()
		}
	}
	w.flush()
	if w.file != nil {
		if err := w.file.Close(); err != nil && w.err == nil {
			w.err = err
		}
	}
	st := w.Stats()
	level := slog.LevelDebug
	if st.Dropped+st.Invalid > 0 {
		level = slog.LevelWarn
	}
	w.log.Log(context.Background(), level, "pcap: capture closed",
		"file", w.path, "written", st.Written, "dropped", st.Dropped, "invalid", st.Invalid)
}

func (w *Writer) writeRecord(r *record) {
	if w.broken {
		w.dropped.Add(1)
		return
	}
	frame, err := w.fr.frame(r.src, r.dst, r.data)
	if err != nil {
		w.invalid.Add(1)
		w.log.Debug("pcap: message not captured", "err", err, "src", r.src, "dst", r.dst)
		return
	}
	ci := gopacket.CaptureInfo{Timestamp: r.ts, CaptureLength: len(frame), Length: len(frame)}
	if err := w.pw.WritePacket(ci, frame); err != nil {
		w.pendingN++
		w.fail(err)
		return
	}
	w.pending += int64(recordHeaderLen + len(frame))
	w.pendingN++
}

func (w *Writer) flush() {
	if w.broken {
		return
	}
	if err := w.out.Flush(); err != nil {
		w.fail(err)
		return
	}
	w.good += w.pending
	n := w.pendingN
	w.pending, w.pendingN = 0, 0
	w.checkReplaced()
	// Counted last, so that a test that sees the count knows the check
	// after it is done too.
	w.written.Add(n)
}

// fail stops the capture after a write error (a full disk, an I/O error):
// the error is logged once, the records not yet flushed and all later ones
// count as dropped, and a record cut short is cut off the file so that it
// stays readable.
func (w *Writer) fail(err error) {
	w.broken = true
	w.err = err
	w.dropped.Add(w.pendingN)
	w.pending, w.pendingN = 0, 0
	w.log.Error("pcap: cannot write the capture file; capture stopped", "file", w.path, "err", err)
	if w.file != nil {
		_ = w.file.Truncate(w.good)
	}
}

// checkReplaced notices, at most once per checkEvery, that the capture
// file was removed or renamed (writes to it would then succeed and be
// lost) and opens a new file at the path, as racoon2's per-packet reopen
// did.
func (w *Writer) checkReplaced() {
	if w.file == nil {
		return
	}
	now := time.Now()
	if now.Sub(w.checkedAt) < w.checkEvery {
		return
	}
	w.checkedAt = now
	cur, err := w.file.Stat()
	if err != nil || !cur.Mode().IsRegular() {
		return
	}
	if at, err := os.Stat(w.path); err == nil && os.SameFile(cur, at) {
		return
	}
	f, nanos, err := openFile(w.path, true, w.log)
	if err != nil {
		w.fail(err)
		return
	}
	w.log.Warn("pcap: capture file was removed or replaced; writing a new one", "file", w.path)
	w.file.Close()
	w.file = f
	w.setOutput(f, nanos)
	w.good = 0
	if fi, err := f.Stat(); err == nil {
		w.good = fi.Size()
	}
}
