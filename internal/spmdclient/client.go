package spmdclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// Config configures a Client.
type Config struct {
	// Paths are the spmif unix socket paths (interface { spmd { unix ...; };
	// }), tried in order on every connection attempt.
	Paths []string
	// PasswordFile is the spmd_password file. It is read at every
	// connection, so a new password takes effect at the next login.
	PasswordFile string
	// Post delivers a callback to the event loop (ike.Loop.Post). Nil runs
	// callbacks on the client's I/O goroutine (tests only).
	Post func(func()) bool
	Log  *slog.Logger

	MinBackoff time.Duration // first reconnect delay; default 250 ms
	MaxBackoff time.Duration // default 30 s
	Timeout    time.Duration // per reply; default 10 s
	MaxQueue   int           // commands waiting; default 1024
}

// Client is an spmif client. Commands are queued (FIFO) and written one at
// a time, each only after the final line of the previous reply, as spmd
// reads one command per read(). A single goroutine owns the connection and
// reconnects with exponential backoff when it breaks: unlike racoon2's
// iked, losing spmd is logged, never fatal.
type Client struct {
	cfg  Config
	log  *slog.Logger
	wake chan struct{}
	stop context.CancelFunc
	done chan struct{}

	mu     sync.Mutex
	queue  []*request
	closed bool
	up     bool
}

type request struct {
	verb   string // for logs and errors
	words  []string
	tries  int
	finish func(Reply, error) // runs on the I/O goroutine, posts to the loop
}

// Attempts is how often a command is written before it fails with
// ErrConnection: once, and once more after a reconnect (every spmif command
// iked sends is safe to repeat).
const Attempts = 2

// New returns a stopped client; Start runs it.
func New(cfg Config) *Client {
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 250 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(30*time.Second, cfg.MinBackoff)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = 1024
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, log: log.With("component", "spmif"), wake: make(chan struct{}, 1)}
}

// Start connects in the background and serves queued commands until Close.
// Call it once.
func (c *Client) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	c.done = make(chan struct{})
	go c.run(ctx)
}

// Close lets a live connection finish the queued commands (within Timeout)
// and sends QUIT; it then stops the client and fails whatever is left, and
// every later command, with ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	up := c.up
	c.mu.Unlock()
	c.poke()
	if c.done != nil && !up {
		c.stop() // nothing to say goodbye to: stop dialing or logging in
	}
	if c.done != nil {
		select {
		case <-c.done:
		case <-time.After(c.cfg.Timeout):
			c.stop()
			<-c.done
		}
		c.stop()
	}
	c.mu.Lock()
	q := c.queue
	c.queue = nil
	c.mu.Unlock()
	for _, r := range q {
		r.finish(Reply{}, ErrClosed)
	}
	return nil
}

// Connected reports whether the client is logged in to spmd right now.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up
}

// SLID asks which selector the kernel policy policyID belongs to.
func (c *Client) SLID(policyID uint32, done func(selector string, err error)) {
	c.enqueue("SLID", []string{"SLID", strconv.FormatUint(uint64(policyID), 10)}, func(r Reply, err error) {
		if err == nil && r.Code != 250 {
			err = &ReplyError{Command: "SLID", Code: r.Code, Text: r.Text()}
		}
		if err == nil && !validWord(r.Text()) {
			err = fmt.Errorf("%w: SLID: bad selector index %q", ErrMalformed, r.Text())
		}
		if err != nil {
			c.post(func() { done("", err) })
			return
		}
		sel := r.Text()
		c.post(func() { done(sel, nil) })
	})
}

// PolicyAdd sends POLICY ADD <slid> <lifetime> <mode> <src> <dst> [<sa_src>
// <sa_dst>]; spmd installs the selector and its reverse.
func (c *Client) PolicyAdd(req ike.PolicyRequest, done func(err error)) {
	words, err := policyWords("ADD", req)
	c.submit("POLICY ADD", words, err, done)
}

// PolicyDelete sends POLICY DELETE <slid> <mode> <src> <dst> [<sa_src>
// <sa_dst>] (one direction; callers send one per selector, as racoon2).
func (c *Client) PolicyDelete(req ike.PolicyRequest, done func(err error)) {
	words, err := policyWords("DELETE", req)
	c.submit("POLICY DELETE", words, err, done)
}

// Migrate sends MIGRATE <slid> <sa_src> <sa_dst> <sa2_src> <sa2_dst>, the
// five-argument form racoon2's client sends. racoon2's own spmd checks for
// six arguments and so always answers "500 Syntax Error" to it (an upstream
// bug); that comes back as a *ReplyError whose Syntax() is true. Our spmd
// accepts this form.
func (c *Client) Migrate(selector string, oldSrc, oldDst, newSrc, newDst netip.Addr, done func(err error)) {
	words := []string{"MIGRATE", selector}
	var err error
	for _, a := range []netip.Addr{oldSrc, oldDst, newSrc, newDst} {
		if !a.IsValid() {
			err = errors.New("spmif: MIGRATE: invalid address")
		}
		words = append(words, a.WithZone("").String())
	}
	if !validWord(selector) {
		err = fmt.Errorf("spmif: MIGRATE: bad selector index %q", selector)
	}
	c.submit("MIGRATE", words, err, done)
}

func policyWords(op string, req ike.PolicyRequest) ([]string, error) {
	if !validWord(req.Selector) {
		return nil, fmt.Errorf("spmif: POLICY %s: bad selector index %q", op, req.Selector)
	}
	if !req.Src.IsValid() || !req.Dst.IsValid() {
		return nil, fmt.Errorf("spmif: POLICY %s: invalid address", op)
	}
	w := []string{"POLICY", op, req.Selector}
	if op == "ADD" {
		w = append(w, strconv.FormatUint(req.Lifetime, 10))
	}
	switch req.Mode {
	case ike.ModeTransport:
		w = append(w, "transport")
	case ike.ModeTunnel:
		w = append(w, "tunnel")
	default:
		return nil, fmt.Errorf("spmif: POLICY %s: mode %v", op, req.Mode)
	}
	w = append(w, req.Src.String(), req.Dst.String())
	if req.Mode == ike.ModeTunnel {
		if !req.SASrc.IsValid() || !req.SADst.IsValid() {
			return nil, fmt.Errorf("spmif: POLICY %s: tunnel mode needs SA addresses", op)
		}
		w = append(w, req.SASrc.WithZone("").String(), req.SADst.WithZone("").String())
	}
	return w, nil
}

func validWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// submit queues a POLICY or MIGRATE command, whose success is any 2xx.
func (c *Client) submit(verb string, words []string, err error, done func(error)) {
	if err != nil {
		c.log.Warn("spmif command not sent", "command", verb, "err", err)
		go c.post(func() { done(err) })
		return
	}
	c.enqueue(verb, words, func(r Reply, err error) {
		if err == nil && !r.OK() {
			err = &ReplyError{Command: verb, Code: r.Code, Text: r.Text()}
		}
		c.post(func() { done(err) })
	})
}

func (c *Client) enqueue(verb string, words []string, finish func(Reply, error)) {
	r := &request{verb: verb, words: words}
	r.finish = func(rep Reply, err error) {
		if err != nil {
			// racoon2 swallowed failed POLICY replies; we always say so.
			c.log.Warn("spmif command failed", "command", verb, "selector", selectorOf(words), "err", err)
		}
		finish(rep, err)
	}
	c.mu.Lock()
	var fail error
	switch {
	case c.closed:
		fail = ErrClosed
	case len(c.queue) >= c.cfg.MaxQueue:
		fail = ErrQueueFull
	default:
		c.queue = append(c.queue, r)
	}
	c.mu.Unlock()
	if fail != nil {
		go r.finish(Reply{}, fail)
		return
	}
	c.poke()
}

func selectorOf(words []string) string {
	switch {
	case len(words) > 2 && words[0] == "POLICY":
		return words[2]
	case len(words) > 1 && words[0] == "MIGRATE":
		return words[1]
	}
	return ""
}

func (c *Client) post(f func()) {
	if c.cfg.Post == nil {
		f()
		return
	}
	c.cfg.Post(f)
}

func (c *Client) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *Client) setUp(up bool) {
	c.mu.Lock()
	c.up = up
	c.mu.Unlock()
}

// run is the client's I/O goroutine: connect, serve, and reconnect with
// backoff until closed.
func (c *Client) run(ctx context.Context) {
	defer close(c.done)
	backoff := c.cfg.MinBackoff
	failures := 0
	for !c.isClosed() && ctx.Err() == nil {
		conn, err := c.connect(ctx)
		if err != nil {
			failures++
			lvl := slog.LevelWarn
			if errors.Is(err, ErrLogin) {
				lvl = slog.LevelError
			}
			c.log.Log(ctx, lvl, "cannot log in to spmd", "err", err, "retry_in", backoff, "attempt", failures)
			if !c.sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, c.cfg.MaxBackoff)
			continue
		}
		failures, backoff = 0, c.cfg.MinBackoff
		c.setUp(true)
		err = c.serve(ctx, conn)
		c.setUp(false)
		if err == nil { // closed: QUIT was answered
			return
		}
		c.log.Warn("spmd connection lost; reconnecting", "err", err)
	}
}

func (c *Client) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		case <-c.wake:
			// New commands wait for the connection; Close ends the wait.
			if c.isClosed() {
				return false
			}
		}
	}
}

// conn is one logged-in connection.
type conn struct {
	nc net.Conn
	rd *bufio.Reader
}

// connect dials the first path that answers, reads the challenge and logs in.
func (c *Client) connect(ctx context.Context) (*conn, error) {
	if len(c.cfg.Paths) == 0 {
		return nil, errors.New("spmif: no spmd socket configured")
	}
	var nc net.Conn
	var errs []error
	d := net.Dialer{Timeout: c.cfg.Timeout}
	for _, p := range c.cfg.Paths {
		var err error
		nc, err = d.DialContext(ctx, "unix", p)
		if err == nil {
			break
		}
		errs = append(errs, err)
	}
	if nc == nil {
		return nil, errors.Join(errs...)
	}
	cn := &conn{nc: nc, rd: bufio.NewReaderSize(nc, MaxReplyLine)}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	if err := c.login(cn); err != nil {
		nc.Close()
		return nil, err
	}
	c.log.Info("logged in to spmd", "path", nc.RemoteAddr().String())
	return cn, nil
}

func (c *Client) login(cn *conn) error {
	cn.nc.SetDeadline(time.Now().Add(c.cfg.Timeout))
	defer cn.nc.SetDeadline(time.Time{})
	g, err := ReadReply(cn.rd, 0)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrGreeting, err)
	}
	if g.Code != 220 || !validWord(g.Text()) {
		return fmt.Errorf("%w: %03d %q", ErrGreeting, g.Code, g.Text())
	}
	pw, err := ReadPassword(c.cfg.PasswordFile)
	if err != nil {
		return fmt.Errorf("spmif: password file: %w", err)
	}
	line, err := AppendCommand(nil, "LOGIN", LoginHash(g.Text(), pw))
	clear(pw)
	if err != nil {
		return err
	}
	if _, err := cn.nc.Write(line); err != nil {
		return err
	}
	r, err := ReadReply(cn.rd, 0)
	if err != nil {
		return err
	}
	if r.Code != 250 {
		return fmt.Errorf("%w: %w", ErrLogin, &ReplyError{Command: "LOGIN", Code: r.Code, Text: r.Text()})
	}
	return nil
}

type result struct {
	rep Reply
	err error
}

// serve writes queued commands one at a time on a logged-in connection. A
// reader goroutine (one per connection) turns the stream into replies, so
// that a connection spmd closes while we are idle is noticed at once. It
// returns nil after a QUIT on Close, else why the connection ended.
func (c *Client) serve(ctx context.Context, cn *conn) error {
	replies := make(chan result, 1)
	defer func() {
		cn.nc.Close()
		for range replies { // the reader ends on the closed conn
		}
	}()
	go func() {
		defer close(replies)
		for {
			r, err := ReadReply(cn.rd, 0)
			replies <- result{r, err}
			if err != nil {
				return
			}
		}
	}()
	var timer *time.Timer
	for {
		c.mu.Lock()
		var head *request
		if len(c.queue) > 0 {
			head = c.queue[0]
		}
		closed := c.closed
		c.mu.Unlock()
		if head == nil && closed {
			c.quit(cn, replies)
			return nil
		}
		if head == nil {
			select {
			case <-c.wake:
				continue
			case res := <-replies:
				if res.err == nil {
					return fmt.Errorf("%w: unsolicited reply %03d %q", ErrMalformed, res.rep.Code, res.rep.Text())
				}
				return res.err
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		line, err := AppendCommand(nil, head.words...)
		if err != nil { // validated when queued; cannot happen
			c.pop(head)
			head.finish(Reply{}, err)
			continue
		}
		head.tries++
		cn.nc.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
		if _, err := cn.nc.Write(line); err != nil {
			c.retryOrFail(head)
			return err
		}
		if timer == nil {
			timer = time.NewTimer(c.cfg.Timeout)
			defer timer.Stop()
		} else {
			timer.Reset(c.cfg.Timeout)
		}
		select {
		case res := <-replies:
			timer.Stop()
			if res.err != nil {
				if errors.Is(res.err, ErrMalformed) {
					// The stream is out of step: fail this command and resync.
					c.pop(head)
					head.finish(Reply{}, res.err)
				} else {
					c.retryOrFail(head)
				}
				return res.err
			}
			c.pop(head)
			head.finish(res.rep, nil)
		case <-timer.C:
			c.retryOrFail(head)
			return fmt.Errorf("spmif: %s: no reply within %v", head.verb, c.cfg.Timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// quitWait bounds how long Close waits for "250 BYE".
const quitWait = 500 * time.Millisecond

// quit says goodbye politely; the reply is read but not required.
func (c *Client) quit(cn *conn, replies <-chan result) {
	if _, err := cn.nc.Write([]byte("QUIT\r\n")); err != nil {
		return
	}
	t := time.NewTimer(min(quitWait, c.cfg.Timeout))
	defer t.Stop()
	select {
	case <-replies:
	case <-t.C:
	}
}

func (c *Client) pop(r *request) {
	c.mu.Lock()
	if len(c.queue) > 0 && c.queue[0] == r {
		c.queue[0] = nil
		c.queue = c.queue[1:]
	}
	c.mu.Unlock()
}

func (c *Client) retryOrFail(r *request) {
	if r.tries < Attempts {
		return // stays at the head for the next connection
	}
	c.pop(r)
	r.finish(Reply{}, ErrConnection)
}

var _ ike.PolicyService = (*Client)(nil)
var _ io.Closer = (*Client)(nil)
