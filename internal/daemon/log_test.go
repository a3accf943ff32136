package daemon

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// racoon2's plog maps its severities onto these tags and syslog priorities
// (reference section 6.3); notice sits between info and warning.
func TestLevelMapping(t *testing.T) {
	for _, c := range []struct {
		l    slog.Level
		name string
		pri  int
	}{
		{LevelDebug, "DEBUG", 7},
		{LevelInfo, "INFO", 6},
		{LevelNotice, "NOTICE", 5},
		{LevelWarning, "WARNING", 4},
		{LevelError, "ERROR", 3},
		{LevelCritical, "CRITICAL", 2},
	} {
		if got := LevelName(c.l); got != c.name {
			t.Errorf("LevelName(%v) = %s, want %s", c.l, got, c.name)
		}
		if got := int(Priority(c.l)); got != c.pri {
			t.Errorf("Priority(%v) = %d, want %d", c.l, got, c.pri)
		}
	}
}

var stamp = `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d `

func TestStreamFormat(t *testing.T) {
	var out bytes.Buffer
	lg, err := NewLogs(LogOptions{Stdout: &out, Level: LevelDebug})
	if err != nil {
		t.Fatal(err)
	}
	l := lg.Logger.With("peer", "192.0.2.1").WithGroup("sa")
	l.Log(context.Background(), LevelNotice, "established", "spi", uint64(7), "id", "two words", "ok", true)
	lg.Logger.Debug("multi\nline", "evil", "a\nb")
	want := []string{
		`^` + stamp + `\[NOTICE\]: established peer=192\.0\.2\.1 sa\.spi=7 sa\.id="two words" sa\.ok=true$`,
		`^` + stamp + `\[DEBUG\]: multi\\nline evil="a\\nb"$`,
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines: %q", len(lines), out.String())
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d = %q, want %s", i, lines[i], re)
		}
	}
}

func TestLevelFilter(t *testing.T) {
	var out bytes.Buffer
	lg, _ := NewLogs(LogOptions{Stderr: &out})
	lg.Logger.Debug("hidden")
	lg.Logger.Info("shown")
	if strings.Contains(out.String(), "hidden") || !strings.Contains(out.String(), "[INFO]: shown") {
		t.Fatalf("output %q", out.String())
	}
}

func TestSourcePrefix(t *testing.T) {
	var out bytes.Buffer
	lg, _ := NewLogs(LogOptions{Stderr: &out, AddSource: true})
	lg.Logger.Info("here")
	if !regexp.MustCompile(`\[INFO\]: log_test\.go:\d+:TestSourcePrefix\(\): here`).MatchString(out.String()) {
		t.Fatalf("output %q", out.String())
	}
}

func TestFileSinkAppendsAndReopens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iked.log")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lg, err := NewLogs(LogOptions{File: path})
	if err != nil {
		t.Fatal(err)
	}
	lg.Logger.Warn("one")
	if err := os.Rename(path, path+".1"); err != nil { // log rotation
		t.Fatal(err)
	}
	if err := lg.Reopen(); err != nil {
		t.Fatal(err)
	}
	lg.Logger.Error("two")
	lg.Close()
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if !regexp.MustCompile(`^old\n` + stamp + `\[WARNING\]: one\n$`).Match(old) {
		t.Errorf("rotated file %q", old)
	}
	if !regexp.MustCompile(`^` + stamp + `\[ERROR\]: two\n$`).Match(cur) {
		t.Errorf("new file %q", cur)
	}
}

func TestFileSinkError(t *testing.T) {
	if _, err := NewLogs(LogOptions{File: filepath.Join(t.TempDir(), "no", "such")}); err == nil {
		t.Fatal("opening a log file in a missing directory succeeded")
	}
}

// listenSyslog stands in for /dev/log.
func listenSyslog(t *testing.T) (string, *net.UnixConn) {
	path := filepath.Join(t.TempDir(), "log")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return path, c
}

func readDatagram(t *testing.T, c *net.UnixConn) string {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 2048)
	n, err := c.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[:n])
}

// Syslog gets facility LOG_DAEMON (3<<3), the ident and the body without
// our timestamp.
func TestSyslogSink(t *testing.T) {
	path, c := listenSyslog(t)
	t.Setenv(SyslogSocketEnv, path)
	lg, err := NewLogs(LogOptions{Ident: "iked", Syslog: true, Level: LevelDebug})
	if err != nil {
		t.Fatal(err)
	}
	defer lg.Close()
	for _, c2 := range []struct {
		log  func()
		want string
	}{
		{func() { lg.Logger.Info("hello", "k", 1) }, `^<30>.* iked\[\d+\]: \[INFO\]: hello k=1\n?$`},
		{func() { lg.Logger.Log(context.Background(), LevelNotice, "n") }, `^<29>.* iked\[\d+\]: \[NOTICE\]: n\n?$`},
		{func() { lg.Logger.Error("e") }, `^<27>.* iked\[\d+\]: \[ERROR\]: e\n?$`},
		{func() { lg.Logger.Debug("d") }, `^<31>.* iked\[\d+\]: \[DEBUG\]: d\n?$`},
	} {
		c2.log()
		if got := readDatagram(t, c); !regexp.MustCompile(c2.want).MatchString(got) {
			t.Errorf("syslog got %q, want %s", got, c2.want)
		}
	}
}

// Without a syslog daemon lines are dropped, and the daemon still runs;
// once syslog appears, lines flow.
func TestSyslogLateStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	lg, _ := NewLogs(LogOptions{Ident: "spmd", Syslog: true, SyslogAddr: path})
	defer lg.Close()
	lg.Logger.Info("lost")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		lg.Logger.Info("found")
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		b := make([]byte, 512)
		if n, err := c.Read(b); err == nil {
			if s := string(b[:n]); !strings.Contains(s, "spmd[") || !strings.Contains(s, "found") {
				t.Fatalf("got %q", s)
			}
			return
		}
	}
	t.Fatal("no line reached syslog after it started")
}

func BenchmarkHandlerDisabled(b *testing.B) {
	var out bytes.Buffer
	lg, _ := NewLogs(LogOptions{Stderr: &out})
	b.ReportAllocs()
	for b.Loop() {
		lg.Logger.Debug("packet", "len", 100)
	}
}

func BenchmarkHandlerEnabled(b *testing.B) {
	lg, _ := NewLogs(LogOptions{Stderr: discard{}})
	l := lg.Logger.With("peer", "192.0.2.1")
	b.ReportAllocs()
	for b.Loop() {
		l.Info("packet", "len", 100)
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
