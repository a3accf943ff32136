package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Levels beyond slog's own. racoon2 logs at debug, info, notice (racoon's
// "notify"), warning, error and critical; syslog receives the matching
// priority (see Priority).
const (
	LevelDebug    = slog.LevelDebug
	LevelInfo     = slog.LevelInfo
	LevelNotice   = slog.Level(2)
	LevelWarning  = slog.LevelWarn
	LevelError    = slog.LevelError
	LevelCritical = slog.Level(12)
)

// SyslogSocketEnv names an environment variable that, when set, replaces the
// system's syslog socket with a unixgram socket at that path. Tests use it
// to read what the daemon sends to syslog; nothing else should.
const SyslogSocketEnv = "RACOON2GO_TEST_SYSLOG"

// LevelName is the tag racoon2 prints in brackets for a level.
func LevelName(l slog.Level) string {
	switch {
	case l < LevelInfo:
		return "DEBUG"
	case l < LevelNotice:
		return "INFO"
	case l < LevelWarning:
		return "NOTICE"
	case l < LevelError:
		return "WARNING"
	case l < LevelCritical:
		return "ERROR"
	}
	return "CRITICAL"
}

// Priority maps a level to a syslog severity.
func Priority(l slog.Level) syslog.Priority {
	switch {
	case l < LevelInfo:
		return syslog.LOG_DEBUG
	case l < LevelNotice:
		return syslog.LOG_INFO
	case l < LevelWarning:
		return syslog.LOG_NOTICE
	case l < LevelError:
		return syslog.LOG_WARNING
	case l < LevelCritical:
		return syslog.LOG_ERR
	}
	return syslog.LOG_CRIT
}

// LogOptions chooses where log lines go. With neither Syslog nor File set,
// only the streams receive lines.
type LogOptions struct {
	Ident  string       // program name for syslog ("iked", "spmd")
	Level  slog.Leveler // minimum level; nil means info
	Syslog bool         // send to syslog, facility LOG_DAEMON
	// SyslogAddr is a unixgram socket path replacing the system's syslog
	// socket; empty means the system default (or SyslogSocketEnv).
	SyslogAddr string
	File       string    // append to this file, with timestamps (-l)
	Stdout     io.Writer // also here, with timestamps (-v); nil for none
	Stderr     io.Writer // also here, with timestamps (-F); nil for none
	AddSource  bool      // prefix each message with file:line:func()
}

// Logs owns the sinks of a logger. Close it at exit; Reopen it on SIGHUP so
// that a rotated log file is recreated.
type Logs struct {
	Logger *slog.Logger
	file   *fileSink
	sys    *syslogSink
}

// NewLogs builds a logger from o. Failing to open the log file is an error;
// a missing syslog daemon is not (lines are dropped until it appears).
func NewLogs(o LogOptions) (*Logs, error) {
	lg := &Logs{}
	var sinks []sink
	if o.Syslog {
		addr := o.SyslogAddr
		if addr == "" {
			addr = os.Getenv(SyslogSocketEnv)
		}
		lg.sys = &syslogSink{ident: o.Ident, addr: addr}
		sinks = append(sinks, lg.sys)
	}
	if o.File != "" {
		fs := &fileSink{path: o.File}
		if err := fs.open(); err != nil {
			return nil, err
		}
		lg.file = fs
		sinks = append(sinks, fs)
	}
	for _, w := range []io.Writer{o.Stdout, o.Stderr} {
		if w != nil {
			sinks = append(sinks, &streamSink{w: w})
		}
	}
	level := o.Level
	if level == nil {
		level = LevelInfo
	}
	lg.Logger = slog.New(&Handler{sinks: sinks, level: level, source: o.AddSource})
	return lg, nil
}

// Reopen closes and reopens the log file, if any.
func (lg *Logs) Reopen() error {
	if lg.file == nil {
		return nil
	}
	return lg.file.reopen()
}

// Close closes the log file and the syslog connection.
func (lg *Logs) Close() error {
	var err error
	if lg.file != nil {
		err = lg.file.close()
	}
	if lg.sys != nil {
		lg.sys.close()
	}
	return err
}

// A sink receives one formatted line: the body ("[INFO]: message k=v")
// and the time, which stream sinks print and syslog does not.
type sink interface {
	write(t time.Time, l slog.Level, body []byte)
}

// Handler formats records as racoon2 does, "[LEVEL]: message key=value ...",
// and hands each line to every sink. It is safe for concurrent use.
type Handler struct {
	sinks  []sink
	level  slog.Leveler
	source bool
	pre    []byte // preformatted attributes from WithAttrs
	group  string // "a.b." prefix from WithGroup
}

// Enabled reports whether l passes the handler's level.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level() && len(h.sinks) > 0
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// Handle formats r once and writes it to every sink.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	bp := bufPool.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, '[')
	b = append(b, LevelName(r.Level)...)
	b = append(b, "]: "...)
	if h.source && r.PC != 0 {
		fr, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
		b = append(b, filepath.Base(fr.File)...)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(fr.Line), 10)
		b = append(b, ':')
		b = append(b, shortFunc(fr.Function)...)
		b = append(b, "(): "...)
	}
	b = appendSafe(b, r.Message)
	b = append(b, h.pre...)
	r.Attrs(func(a slog.Attr) bool {
		b = appendAttr(b, h.group, a)
		return true
	})
	for _, s := range h.sinks {
		s.write(r.Time, r.Level, b)
	}
	*bp = b
	bufPool.Put(bp)
	return nil
}

// WithAttrs preformats attrs so that each record pays only for its own.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.pre = append([]byte(nil), h.pre...)
	for _, a := range attrs {
		c.pre = appendAttr(c.pre, h.group, a)
	}
	return &c
}

// WithGroup qualifies later keys with name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group = h.group + name + "."
	return &c
}

func shortFunc(f string) string {
	for i := len(f) - 1; i >= 0; i-- {
		if f[i] == '.' {
			return f[i+1:]
		}
		if f[i] == '/' {
			break
		}
	}
	return f
}

func appendAttr(b []byte, group string, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return b
	}
	if a.Value.Kind() == slog.KindGroup {
		g := group
		if a.Key != "" {
			g += a.Key + "."
		}
		for _, ga := range a.Value.Group() {
			b = appendAttr(b, g, ga)
		}
		return b
	}
	b = append(b, ' ')
	b = append(b, group...)
	b = append(b, a.Key...)
	b = append(b, '=')
	var s string
	switch a.Value.Kind() {
	case slog.KindString:
		s = a.Value.String()
	case slog.KindInt64:
		return strconv.AppendInt(b, a.Value.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, a.Value.Uint64(), 10)
	case slog.KindBool:
		return strconv.AppendBool(b, a.Value.Bool())
	case slog.KindTime:
		return a.Value.Time().AppendFormat(b, time.RFC3339)
	default:
		s = a.Value.String()
	}
	if needsQuote(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// needsQuote reports whether s would be ambiguous or unsafe unquoted: empty,
// with spaces, quotes, '=' or anything not printable (peer-supplied strings
// must not inject fake log lines).
func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '=' || r == '\\' || r == utf8.RuneError || r == 0x7f {
			return true
		}
	}
	return false
}

// appendSafe appends a message, escaping control characters so that one
// record is always one line.
func appendSafe(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			q := strconv.Quote(s)
			return append(b, q[1:len(q)-1]...)
		}
	}
	return append(b, s...)
}

// timestamp is racoon2's local "YYYY-MM-DD HH:MM:SS " prefix.
func timestamp(b []byte, t time.Time) []byte {
	if t.IsZero() {
		t = time.Now()
	}
	b = t.AppendFormat(b, "2006-01-02 15:04:05")
	return append(b, ' ')
}

type streamSink struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

func (s *streamSink) write(t time.Time, _ slog.Level, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = timestamp(s.buf[:0], t)
	s.buf = append(s.buf, body...)
	s.buf = append(s.buf, '\n')
	s.w.Write(s.buf) // a log line that cannot be written has nowhere to go
}

type fileSink struct {
	mu   sync.Mutex
	path string
	f    *os.File
	buf  []byte
}

func (s *fileSink) open() error {
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	s.f = f
	return nil
}

func (s *fileSink) reopen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	return s.open()
}

func (s *fileSink) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

func (s *fileSink) write(t time.Time, _ slog.Level, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return
	}
	s.buf = timestamp(s.buf[:0], t)
	s.buf = append(s.buf, body...)
	s.buf = append(s.buf, '\n')
	s.f.Write(s.buf)
}

// syslogSink connects lazily and reconnects at most once a second, so that
// a daemon started before syslogd (or in a container without one) runs.
type syslogSink struct {
	mu       sync.Mutex
	ident    string
	addr     string
	w        *syslog.Writer
	lastDial time.Time
}

func (s *syslogSink) dial() {
	now := time.Now()
	if !s.lastDial.IsZero() && now.Sub(s.lastDial) < time.Second {
		return
	}
	s.lastDial = now
	var err error
	if s.addr != "" {
		s.w, err = syslog.Dial("unixgram", s.addr, syslog.LOG_DAEMON|syslog.LOG_INFO, s.ident)
	} else {
		s.w, err = syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, s.ident)
	}
	if err != nil {
		s.w = nil
	}
}

func (s *syslogSink) write(_ time.Time, l slog.Level, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		s.dial()
		if s.w == nil {
			return
		}
	}
	msg := string(body)
	var err error
	switch Priority(l) {
	case syslog.LOG_DEBUG:
		err = s.w.Debug(msg)
	case syslog.LOG_INFO:
		err = s.w.Info(msg)
	case syslog.LOG_NOTICE:
		err = s.w.Notice(msg)
	case syslog.LOG_WARNING:
		err = s.w.Warning(msg)
	case syslog.LOG_ERR:
		err = s.w.Err(msg)
	default:
		err = s.w.Crit(msg)
	}
	if err != nil {
		s.w.Close()
		s.w = nil
	}
}

func (s *syslogSink) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w != nil {
		s.w.Close()
		s.w = nil
	}
}

// Discard is a logger that drops everything, for tests and tools.
func Discard() *slog.Logger { return slog.New(&Handler{level: LevelInfo}) }

var _ slog.Handler = (*Handler)(nil)
