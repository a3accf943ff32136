package pcap

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

func writeN(t *testing.T, spec string, n int) *Writer {
	t.Helper()
	w, err := Open(spec, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	for k := range n {
		w.Write(t0.Add(time.Duration(k)*time.Second), v4i, v4r, v2Negotiation(v4i, v4r)[0].wire)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w
}

func countHeaders(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, binary.LittleEndian.AppendUint32(nil, magicMicro))
}

// TestAppend: "+file" appends without a second file header; a plain name
// truncates (racoon2-reference 6.4).
func TestAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ike.pcap")
	writeN(t, "+"+path, 2) // creates
	writeN(t, "+"+path, 3) // appends
	if n := len(readAll(t, path)); n != 5 {
		t.Fatalf("%d records after appending, want 5", n)
	}
	if n := countHeaders(t, path); n != 1 {
		t.Fatalf("%d file headers", n)
	}
	writeN(t, path, 1) // truncates
	if n := len(readAll(t, path)); n != 1 {
		t.Fatalf("%d records after truncating, want 1", n)
	}
}

// TestAppendNanos: a nanosecond-resolution file is appended to with
// nanosecond timestamps.
func TestAppendNanos(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ns.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pcapgo.NewWriterNanos(f).WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	f.Close()
	w, err := Open("+"+path, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(1700000000, 123456789)
	w.Write(ts, v4i, v4r, []byte("ike"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	frames := readAll(t, path)
	if len(frames) != 1 || !frames[0].ci.Timestamp.Equal(ts) {
		t.Fatalf("frames %+v, want one at %v", frames, ts)
	}
}

// TestAppendCutRecord: a record cut short by a full disk or a crash is
// removed before appending, so that the file stays readable.
func TestAppendCutRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ike.pcap")
	writeN(t, path, 2)
	full, _ := os.ReadFile(path)
	for _, cut := range []int{1, 10, 16, 17, 100} {
		if err := os.WriteFile(path, full[:len(full)-cut], 0o600); err != nil {
			t.Fatal(err)
		}
		writeN(t, "+"+path, 1)
		if n := len(readAll(t, path)); n != 2 {
			t.Fatalf("cut %d: %d records, want 2 (1 kept, 1 appended)", cut, n)
		}
	}
}

func fileHeader(magic uint32, order binary.AppendByteOrder, major uint16, linkType uint32) []byte {
	b := order.AppendUint32(nil, magic)
	b = order.AppendUint16(b, major)
	b = order.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = order.AppendUint32(b, 65535)
	return order.AppendUint32(b, linkType)
}

// TestOpenRefuses: appending to something that is not a little-endian
// Ethernet pcap file is refused with a clear error, and the file is left
// alone.
func TestOpenRefuses(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	for _, tc := range []struct {
		name, content, want string
	}{
		{"text", "this is not a capture file\n", "not a pcap file"},
		{"short", "\xd4\xc3\xb2\xa1", "shorter than a pcap header"},
		{"pcapng", string(le.AppendUint32(make([]byte, 0, 28), magicPcapng)) + strings.Repeat("\x00", 28), "pcapng"},
		{"big-endian", string(fileHeader(magicMicro, be, 2, 1)), "big-endian"},
		{"raw IP", string(fileHeader(magicMicro, le, 2, 101)), "link type 101"},
		{"version 1", string(fileHeader(magicMicro, le, 1, 1)), "pcap version 1"},
		{"corrupt record", string(fileHeader(magicMicro, le, 2, 1)) + strings.Repeat("\xff", 16), "corrupt record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			w, err := Open("+"+path, quietLog())
			if err == nil {
				w.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q, want it to name the file and say %q", err, tc.want)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.content {
				t.Fatal("file changed")
			}
		})
	}
	if _, err := Open("+", quietLog()); err == nil {
		t.Fatal("empty name accepted")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "no", "such", "dir"), quietLog()); err == nil {
		t.Fatal("missing directory accepted")
	}
}

// TestMode: captures hold decrypted negotiations, so the file is private.
func TestMode(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new.pcap")
	writeN(t, fresh, 1)
	old := filepath.Join(dir, "old.pcap")
	if err := os.WriteFile(old, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(old, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	writeN(t, "+"+old, 1)
	for _, p := range []string{fresh, old} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, fi.Mode().Perm())
		}
	}
}

// TestFIFO: a named pipe (Wireshark reading live) gets a header and the
// records.
func TestFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	// Hold the read end open (non-blocking, so opening does not wait for a
	// writer) while the capture writes and closes: the records stay in the
	// pipe. A reader that opened after the writer closed would wait forever.
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	writeN(t, "+"+path, 3)
	if err := syscall.SetNonblock(fd, false); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ; ; n++ {
		if _, _, err := r.ReadPacketData(); err != nil {
			break
		}
	}
	if n != 3 {
		t.Fatalf("%d records through the FIFO, want 3", n)
	}
}

// TestRemovedFile: when the file is removed (or rotated away), the writer
// notices, logs it and starts a new file at the same path.
func TestRemovedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ike.pcap")
	var logs logCounter
	w, err := Open(path, slog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	w.checkEvery = 0
	msg := v2Negotiation(v4i, v4r)[0].wire
	w.Write(t0, v4i, v4r, msg)
	waitWritten(t, w, 1)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	// The first record after the rename still goes to the old file; the
	// check after it reopens.
	w.Write(t0, v4i, v4r, msg)
	waitWritten(t, w, 2)
	w.Write(t0, v4i, v4r, msg)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(readAll(t, path+".1")); n != 2 {
		t.Errorf("old file: %d records, want 2", n)
	}
	if n := len(readAll(t, path)); n != 1 {
		t.Errorf("new file: %d records, want 1", n)
	}
	if n := logs.matching("WARN pcap: capture file was removed"); n != 1 {
		t.Errorf("%d warnings, want 1: %q", n, logs.msgs)
	}
}

func waitWritten(t *testing.T, w *Writer, n uint64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); w.Stats().Written < n; {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v, want %d written", w.Stats(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitHandled waits until the writer goroutine has written or dropped n
// messages.
func waitHandled(t *testing.T, w *Writer, n uint64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		st := w.Stats()
		if st.Written+st.Dropped >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v, want %d handled", st, n)
		}
	}
}

// logCounter is a slog.Handler that counts records by level.
type logCounter struct {
	mu   sync.Mutex
	n    map[slog.Level]int
	msgs []string
}

func (h *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *logCounter) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == nil {
		h.n = map[slog.Level]int{}
	}
	h.n[r.Level]++
	h.msgs = append(h.msgs, r.Level.String()+" "+r.Message)
	return nil
}
func (h *logCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logCounter) WithGroup(string) slog.Handler      { return h }
func (h *logCounter) count(l slog.Level) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[l]
}

// matching counts the records whose level and message contain s.
func (h *logCounter) matching(s string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	b.once.Do(func() { close(b.entered) })
	<-b.release
	return len(p), nil
}

// TestQueueFull: while the writer goroutine is stuck, Write neither blocks
// nor grows the queue: it drops, counts, and warns once.
func TestQueueFull(t *testing.T) {
	const queue = 4
	bw := &blockingWriter{entered: make(chan struct{}), release: make(chan struct{})}
	var logs logCounter
	w := newWriter(bw, false, slog.New(&logs), queue)
	go w.run()
	msg := []byte("ike message")
	w.Write(t0, v4i, v4r, msg) // taken by the goroutine, which blocks flushing it
	<-bw.entered
	start := time.Now()
	for range queue + 10 {
		w.Write(t0, v4i, v4r, msg)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Write blocked for %v", d)
	}
	if st := w.Stats(); st.Dropped != 10 {
		t.Errorf("stats %+v, want 10 dropped", st)
	}
	close(bw.release)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st != (Stats{Written: 1 + queue, Dropped: 10}) {
		t.Errorf("stats %+v", st)
	}
	if n := logs.matching("WARN pcap: capture queue full"); n != 1 {
		t.Errorf("%d queue-full warnings, want 1: %q", n, logs.msgs)
	}
	if n := logs.matching("WARN pcap: capture closed"); n != 1 {
		t.Errorf("%d summaries with drops, want 1: %q", n, logs.msgs)
	}
}

// failingWriter accepts limit bytes, then fails like a full disk.
type failingWriter struct {
	limit int
	got   bytes.Buffer
}

func (f *failingWriter) Write(p []byte) (int, error) {
	n := min(len(p), f.limit-f.got.Len())
	f.got.Write(p[:n])
	if n < len(p) {
		return n, syscall.ENOSPC
	}
	return n, nil
}

// TestWriteFails: a full disk stops the capture without a crash; the error
// is logged once, every later message counts as dropped, and Close
// reports it.
func TestWriteFails(t *testing.T) {
	msg := v2Negotiation(v4i, v4r)[0].wire
	fw := &failingWriter{limit: 3*(16+14+20+8+len(msg)) + 100}
	var logs logCounter
	w := newWriter(fw, false, slog.New(&logs), 8)
	go w.run()
	for k := range 20 {
		w.Write(t0, v4i, v4r, msg)
		waitHandled(t, w, uint64(k+1)) // one flush each
	}
	err := w.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Close: %v, want ENOSPC", err)
	}
	st := w.Stats()
	if st.Written != 3 || st.Written+st.Dropped != 20 {
		t.Errorf("stats %+v, want 3 written and 17 dropped", st)
	}
	if logs.count(slog.LevelError) != 1 {
		t.Errorf("%d errors logged, want 1", logs.count(slog.LevelError))
	}
}

// cutFile writes to the file until limit bytes in all, then fails.
type cutFile struct {
	f     *os.File
	limit int64
}

func (c *cutFile) Write(p []byte) (int, error) {
	fi, err := c.f.Stat()
	if err != nil {
		return 0, err
	}
	n := int(min(int64(len(p)), max(c.limit-fi.Size(), 0)))
	if _, err := c.f.Write(p[:n]); err != nil {
		return 0, err
	}
	if n < len(p) {
		return n, syscall.ENOSPC
	}
	return n, nil
}

// TestWriteFailsFile: after a full disk, the file ends with the last
// complete record (the cut one is removed) and stays readable.
func TestWriteFailsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ike.pcap")
	w, err := Open(path, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	msg := v2Negotiation(v4i, v4r)[0].wire
	rec := int64(16 + 14 + 20 + 8 + len(msg))
	// Before the first Write: the goroutine touches w.out only after a
	// receive from the queue.
	w.setOutput(&cutFile{f: w.file, limit: 24 + 2*rec + rec/2}, false)
	for k := range 5 {
		w.Write(t0, v4i, v4r, msg)
		waitHandled(t, w, uint64(k+1))
	}
	if err := w.Close(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Close: %v", err)
	}
	if n := len(readAll(t, path)); n != 2 {
		t.Fatalf("%d records, want 2", n)
	}
	if fi, _ := os.Stat(path); fi.Size() != 24+2*rec {
		t.Fatalf("size %d, want %d", fi.Size(), 24+2*rec)
	}
}

// TestNoGoroutineLeak: Close stops the writer goroutine.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	for k := range 20 {
		w, err := Open(filepath.Join(dir, "f"+string(rune('a'+k))), quietLog())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(t0, v4i, v4r, []byte("x"))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, had %d:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}
