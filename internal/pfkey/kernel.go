//go:build linux || freebsd || netbsd

package pfkey

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"golang.org/x/sys/unix"
)

const sockBuf = 256 << 10

// Kernel is a PF_KEYv2 socket implementing ike.Kernel. Calls may come from
// any goroutine; one reader goroutine matches replies to requests and posts
// the kernel's own messages to Events.
type Kernel struct {
	f       *os.File
	pid     uint32
	seq     atomic.Uint32
	log     *slog.Logger
	timeout time.Duration

	mu      sync.Mutex
	pending map[uint32]*call
	dump    *call // the DUMP/SPDDUMP in progress, matched by type and pid
	dumpMu  sync.Mutex

	events     chan ike.Event
	dropped    atomic.Uint64
	done       chan struct{}
	readerDone chan struct{}
	closeMu    sync.Once

	supported  *ike.Algorithms
	registered map[SAType]*Msg
}

type call struct {
	typ MsgType
	ch  chan *Msg
}

// Option changes how Open sets up the socket.
type Option func(*Kernel)

// WithTimeout bounds the wait for each kernel reply (default 5 s).
func WithTimeout(d time.Duration) Option { return func(k *Kernel) { k.timeout = d } }

// Open opens a PF_KEYv2 socket and REGISTERs for AH, ESP and IPComp, as
// racoon2 does: the replies tell which algorithms the kernel has, and only
// registered sockets receive ACQUIRE and EXPIRE.
func Open(log *slog.Logger, opts ...Option) (*Kernel, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fd, err := unix.Socket(native.afKey, unix.SOCK_RAW|unix.SOCK_CLOEXEC, Version)
	if err != nil {
		if errors.Is(err, unix.EAFNOSUPPORT) || errors.Is(err, unix.EPROTONOSUPPORT) {
			return nil, fmt.Errorf("pfkey: socket: %w (%w)", err, ike.ErrNoKernel)
		}
		return nil, fmt.Errorf("pfkey: socket: %w", err)
	}
	e1 := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, sockBuf)
	e2 := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, sockBuf)
	if e1 != nil && e2 != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pfkey: socket buffers: %w", e1)
	}
	// A non-blocking descriptor goes through the runtime poller, so that
	// Close wakes the reader.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("pfkey: %w", err)
	}
	return start(os.NewFile(uintptr(fd), "pfkey"), log, opts...)
}

// start serves f, a non-blocking PF_KEY socket (in tests, one end of a
// socket pair with a fake kernel on the other): it starts the reader and
// REGISTERs.
func start(f *os.File, log *slog.Logger, opts ...Option) (*Kernel, error) {
	k := &Kernel{
		f:          f,
		pid:        uint32(os.Getpid()),
		log:        log,
		timeout:    5 * time.Second,
		pending:    map[uint32]*call{},
		events:     make(chan ike.Event, 1024),
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
		registered: map[SAType]*Msg{},
	}
	for _, o := range opts {
		o(k)
	}
	k.seq.Store(firstSeq - 1)
	go k.read()
	a := &ike.Algorithms{Encr: map[uint16]bool{}, Integ: map[uint16]bool{}, Comp: map[uint16]bool{},
		EncrNotes: map[uint16]string{}, IntegNotes: map[uint16]string{}}
	for _, st := range []SAType{SATypeAH, SATypeESP, SATypeIPComp} {
		r, err := k.Register(st)
		if err != nil {
			k.Close()
			return nil, err
		}
		addSupported(a, st, r)
		k.registered[st] = r
	}
	native.platformNotes(a)
	k.supported = a
	return k, nil
}

func (k *Kernel) nextSeq() uint32 {
	for {
		s := k.seq.Add(1)
		if s != 0 {
			return s
		}
	}
}

// read is the one reader goroutine.
func (k *Kernel) read() {
	defer close(k.readerDone)
	buf := make([]byte, 1<<16)
	for {
		n, err := k.f.Read(buf)
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			if errors.Is(err, unix.ENOBUFS) {
				// The kernel dropped messages for us (socket buffer full).
				k.log.Warn("pfkey: receive buffer overflow: kernel messages lost")
				continue
			}
			k.log.Error("pfkey: read", "err", err)
			select {
			case <-k.done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		// Copy: messages outlive the read buffer (replies, events).
		m, err := Parse(append([]byte(nil), buf[:n]...))
		if err != nil {
			k.log.Debug("pfkey: malformed message dropped", "err", err, "len", n)
			continue
		}
		k.dispatch(m)
	}
}

func (k *Kernel) dispatch(m *Msg) {
	if m.PID == k.pid {
		k.mu.Lock()
		c := k.pending[m.Seq]
		if c == nil || c.typ != m.Type {
			c = nil
			if d := k.dump; d != nil && d.typ == m.Type {
				c = d
			}
		}
		k.mu.Unlock()
		if c != nil {
			select {
			case c.ch <- m:
			default:
				k.log.Warn("pfkey: reply dropped", "type", m.Type, "seq", m.Seq)
			}
			return
		}
		k.log.Debug("pfkey: unmatched reply", "type", m.Type, "seq", m.Seq, "errno", m.Errno)
		return
	}
	if m.PID != 0 && m.Type != XMigrate {
		return // another process's request, broadcast to everyone
	}
	if ev := k.event(m); ev != nil {
		select {
		case k.events <- ev:
		default:
			k.dropped.Add(1)
			k.log.Warn("pfkey: event queue full, kernel message dropped", "type", m.Type)
		}
	}
}

// event turns a kernel-originated message into an ike.Event, or nil.
func (k *Kernel) event(m *Msg) ike.Event {
	switch m.Type {
	case Acquire:
		ev, err := AcquireEvent(m)
		if err != nil {
			k.log.Debug("pfkey: ACQUIRE ignored", "reason", err)
			return nil
		}
		return ev
	case Expire:
		ev, err := ExpireEvent(m)
		if err != nil {
			k.log.Debug("pfkey: EXPIRE ignored", "reason", err)
			return nil
		}
		return ev
	case XMigrate:
		ev, err := MigrateEvent(m)
		if err != nil {
			k.log.Debug("pfkey: MIGRATE ignored", "reason", err)
			return nil
		}
		return ev
	}
	k.log.Debug("pfkey: kernel message", "type", m.Type, "satype", m.SAType)
	return nil
}

// errClosed is returned by calls after Close.
var errClosed = errors.New("pfkey: socket closed")

// Do sends m (its Seq and PID are set here) and waits for the kernel's
// reply of the same type and sequence. A reply carrying an errno becomes an
// error wrapping syscall.Errno.
func (k *Kernel) Do(m *Msg) (*Msg, error) {
	m.Seq, m.PID = k.nextSeq(), k.pid
	c := &call{typ: m.Type, ch: make(chan *Msg, 1)}
	k.mu.Lock()
	k.pending[m.Seq] = c
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		delete(k.pending, m.Seq)
		k.mu.Unlock()
	}()
	if err := k.send(m); err != nil {
		return nil, err
	}
	t := time.NewTimer(k.timeout)
	defer t.Stop()
	select {
	case r := <-c.ch:
		if r.Errno != 0 {
			return r, syscall.Errno(r.Errno)
		}
		return r, nil
	case <-t.C:
		return nil, fmt.Errorf("pfkey: no reply to %v: %w", m.Type, syscall.ETIMEDOUT)
	case <-k.done:
		return nil, errClosed
	}
}

func (k *Kernel) send(m *Msg) error {
	b, err := m.Marshal(make([]byte, 0, 256))
	if err != nil {
		return err
	}
	if _, err := k.f.Write(b); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return err
	}
	return nil
}

// dumpAll sends a DUMP or SPDDUMP and collects the replies; the last one has
// sequence number 0. An empty table is not an error.
func (k *Kernel) dumpAll(m *Msg) ([]*Msg, error) {
	k.dumpMu.Lock()
	defer k.dumpMu.Unlock()
	m.Seq, m.PID = k.nextSeq(), k.pid
	c := &call{typ: m.Type, ch: make(chan *Msg, 4096)}
	k.mu.Lock()
	k.dump = c
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		k.dump = nil
		k.mu.Unlock()
	}()
	if err := k.send(m); err != nil {
		return nil, err
	}
	var out []*Msg
	t := time.NewTimer(k.timeout)
	defer t.Stop()
	for {
		select {
		case r := <-c.ch:
			if r.Errno != 0 {
				if r.Errno == uint8(unix.ENOENT) && len(out) == 0 {
					return nil, nil
				}
				return out, syscall.Errno(r.Errno)
			}
			out = append(out, r)
			if r.Seq == 0 {
				return out, nil
			}
		case <-t.C:
			return out, fmt.Errorf("pfkey: %v incomplete: %w", m.Type, syscall.ETIMEDOUT)
		case <-k.done:
			return out, errClosed
		}
	}
}

// Registered returns the kernel's reply to Open's REGISTER for st (AH, ESP
// or IPComp): a socket registers once per SA type (Linux answers EEXIST).
func (k *Kernel) Registered(st SAType) *Msg { return k.registered[st] }

// Register sends SADB_REGISTER for st and returns the kernel's reply with
// its supported algorithms.
func (k *Kernel) Register(st SAType) (*Msg, error) {
	r, err := k.Do(&Msg{Type: Register, SAType: st})
	if err != nil {
		return nil, fmt.Errorf("pfkey: REGISTER satype %d: %w", st, err)
	}
	return r, nil
}

// Dump lists the SAs of st (SATypeUnspec: all).
func (k *Kernel) Dump(st SAType) ([]*Msg, error) {
	r, err := k.dumpAll(&Msg{Type: Dump, SAType: st})
	if err != nil {
		return r, fmt.Errorf("pfkey: DUMP: %w", err)
	}
	return r, nil
}

// SPDDump lists the security policies.
func (k *Kernel) SPDDump() ([]*Msg, error) {
	r, err := k.dumpAll(&Msg{Type: XSPDDump})
	if err != nil {
		return r, fmt.Errorf("pfkey: SPDDUMP: %w", err)
	}
	return r, nil
}

// SPDFlush removes every security policy.
func (k *Kernel) SPDFlush() error {
	if _, err := k.Do(&Msg{Type: XSPDFlush}); err != nil {
		return fmt.Errorf("pfkey: SPDFLUSH: %w", err)
	}
	return nil
}

// SPDGet returns the policy with kernel id id.
func (k *Kernel) SPDGet(id uint32, dir ike.Dir) (*Msg, error) {
	r, err := k.Do(&Msg{Type: XSPDGet, Policy: &Policy{Type: PolicyIPsec, Dir: dirOf(dir), ID: id}})
	if err != nil {
		return nil, fmt.Errorf("pfkey: SPDGET id %d: %w", id, err)
	}
	return r, nil
}

// GetSPI reserves an inbound SPI in racoon2's range (0x100..0x0fffffff).
func (k *Kernel) GetSPI(src, dst netip.Addr, proto ike.Proto, mode ike.Mode, reqID uint32) (uint32, error) {
	st, ok := SATypeOf(proto)
	if !ok || st == SATypeUnspec {
		return 0, fmt.Errorf("pfkey: GETSPI: protocol %v: %w", proto, syscall.EINVAL)
	}
	if err := checkReqID(reqID); err != nil {
		return 0, fmt.Errorf("pfkey: GETSPI: %w", err)
	}
	r, err := k.Do(&Msg{Type: GetSPI, SAType: st,
		SA2: &SA2{Mode: modeOf(mode), ReqID: reqID},
		Src: hostAddr(src), Dst: hostAddr(dst), SPIRange: spiRange(proto)})
	if err != nil {
		return 0, fmt.Errorf("pfkey: GETSPI %v %v->%v: %w", proto, src, dst, err)
	}
	if r.SA == nil {
		return 0, fmt.Errorf("pfkey: GETSPI %v %v->%v: reply without SA: %w", proto, src, dst, syscall.EPROTO)
	}
	return r.SA.SPI, nil
}

// AddSA installs an SA (SADB_ADD).
func (k *Kernel) AddSA(sa *ike.SA) error { return k.install(Add, sa) }

// UpdateSA completes a larval SA (SADB_UPDATE).
func (k *Kernel) UpdateSA(sa *ike.SA) error { return k.install(Update, sa) }

func (k *Kernel) install(t MsgType, sa *ike.SA) error {
	m, err := SAMsg(t, sa)
	if err == nil {
		_, err = k.Do(m)
	}
	if err != nil {
		return fmt.Errorf("pfkey: %v %v spi %08x %v->%v: %w", t, sa.Proto, sa.SPI, sa.Src, sa.Dst, err)
	}
	return nil
}

// DeleteSA removes an SA (SADB_DELETE).
func (k *Kernel) DeleteSA(id ike.SAID) error {
	m, err := said(id)
	if err == nil {
		m.Type = Delete
		_, err = k.Do(m)
	}
	if err != nil {
		return fmt.Errorf("pfkey: DELETE %v spi %08x %v->%v: %w", id.Proto, id.SPI, id.Src, id.Dst, err)
	}
	return nil
}

// QuerySA returns an SA's current lifetime (SADB_GET). PF_KEY has no packet
// counter: Packets is sadb_lifetime_allocations, which Linux fills with the
// packet count and KAME with the number of uses.
func (k *Kernel) QuerySA(id ike.SAID) (ike.SAStats, error) {
	m, err := said(id)
	var r *Msg
	if err == nil {
		m.Type = Get
		r, err = k.Do(m)
	}
	if err != nil {
		return ike.SAStats{}, fmt.Errorf("pfkey: GET %v spi %08x %v->%v: %w", id.Proto, id.SPI, id.Src, id.Dst, err)
	}
	var s ike.SAStats
	if c := r.Current; c != nil {
		s.Bytes, s.Packets = c.Bytes, uint64(c.Allocations)
		if c.AddTime != 0 {
			s.AddTime = time.Unix(int64(c.AddTime), 0)
		}
		if c.UseTime != 0 {
			s.UseTime = time.Unix(int64(c.UseTime), 0)
		}
	}
	return s, nil
}

// Flush removes all SAs of proto (0: all).
func (k *Kernel) Flush(proto ike.Proto) error {
	st, ok := SATypeOf(proto)
	if !ok {
		return fmt.Errorf("pfkey: FLUSH: protocol %v: %w", proto, syscall.EINVAL)
	}
	if _, err := k.Do(&Msg{Type: Flush, SAType: st}); err != nil {
		return fmt.Errorf("pfkey: FLUSH %v: %w", proto, err)
	}
	return nil
}

// AcquireFailed answers a kernel ACQUIRE with an errno (RFC 2367 section
// 3.1.6): the base header alone, with the kernel's sequence number. The
// kernel sends no reply to it.
func (k *Kernel) AcquireFailed(a *ike.Acquire, errno int) error {
	st, ok := SATypeOf(a.Proto)
	if !ok || st == SATypeUnspec {
		st = SATypeESP
	}
	if errno <= 0 || errno > 255 {
		return fmt.Errorf("pfkey: ACQUIRE answer: errno %d: %w", errno, syscall.EINVAL)
	}
	m := &Msg{Type: Acquire, SAType: st, Errno: uint8(errno), Seq: a.Seq, PID: k.pid}
	if err := k.send(m); err != nil {
		return fmt.Errorf("pfkey: ACQUIRE answer seq %d: %w", a.Seq, err)
	}
	return nil
}

// AddPolicy installs p with SADB_X_SPDUPDATE, as racoon2's spmd does (it
// replaces an identical policy), and returns the kernel's policy id.
func (k *Kernel) AddPolicy(p *ike.Policy) (uint32, error) {
	m, err := PolicyMsg(XSPDUpdate, p)
	var r *Msg
	if err == nil {
		r, err = k.Do(m)
	}
	if err != nil {
		return 0, fmt.Errorf("pfkey: SPDUPDATE %v %v->%v: %w", p.Dir, p.Selector.Src, p.Selector.Dst, err)
	}
	if r.Policy == nil {
		return 0, fmt.Errorf("pfkey: SPDUPDATE reply without policy: %w", syscall.EPROTO)
	}
	p.ID = r.Policy.ID
	return r.Policy.ID, nil
}

// DeletePolicy removes p: by id (SPDDELETE2) when it has one, else by
// selector and direction (SPDDELETE).
func (k *Kernel) DeletePolicy(p *ike.Policy) error {
	var m *Msg
	var err error
	if p.ID != 0 {
		m = &Msg{Type: XSPDDelete2, Policy: &Policy{Type: PolicyIPsec, Dir: dirOf(p.Dir), ID: p.ID}}
	} else {
		m, err = PolicyMsg(XSPDDelete, p)
	}
	if err == nil {
		_, err = k.Do(m)
	}
	if err != nil {
		return fmt.Errorf("pfkey: %v %v id %d: %w", m.Type, p.Dir, p.ID, err)
	}
	return nil
}

// Supported returns what the REGISTER replies listed, keyed by IKEv2 ID,
// with the platform's notes on transforms it cannot install correctly.
func (k *Kernel) Supported() *ike.Algorithms { return k.supported }

// Events delivers ACQUIRE, EXPIRE and MIGRATE until Close.
func (k *Kernel) Events() <-chan ike.Event { return k.events }

// Dropped counts kernel messages lost because Events was full.
func (k *Kernel) Dropped() uint64 { return k.dropped.Load() }

// Close closes the socket, waits for the reader to stop, then closes
// Events.
func (k *Kernel) Close() error {
	var err error
	k.closeMu.Do(func() {
		close(k.done)
		err = k.f.Close()
		<-k.readerDone
		close(k.events)
	})
	return err
}

var _ ike.Kernel = (*Kernel)(nil)

// Migrate asks the kernel to move the SAs and the policy template of
// ev.Selector/ev.Dir with reqid ev.ReqID from the old to the new endpoints
// (SADB_X_MIGRATE, as racoon2's rcpfk_send_migrate; neither iked nor spmd
// sends it today). Success shows as the kernel's MIGRATE broadcast on
// Events; Linux answers only failures, asynchronously, so only a refused
// send is returned here.
func (k *Kernel) Migrate(ev *ike.Migrate, proto ike.Proto, mode ike.Mode) error {
	m, err := MigrateMsg(ev, proto, mode)
	if err == nil {
		m.Seq, m.PID = k.nextSeq(), k.pid
		err = k.send(m)
	}
	if err != nil {
		return fmt.Errorf("pfkey: MIGRATE %v->%v: %w", ev.OldSrc, ev.NewSrc, err)
	}
	return nil
}
