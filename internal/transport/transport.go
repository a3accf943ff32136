// Package transport owns iked's UDP sockets: port 500 and the NAT-T port
// 4500 on each configured address, IPv4 and IPv6. It strips and adds the
// non-ESP marker of RFC 3948 section 2.2 on the NAT-T port, drops NAT
// keepalives (RFC 3948 section 2.3), learns the local address of datagrams
// that arrive on wildcard sockets (IP_PKTINFO, IPV6_RECVPKTINFO), retries
// failed binds every second as racoon2 does, and implements ike.Conn.
package transport

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// Family restricts the address families bound (-4, -6).
type Family uint8

// Families.
const (
	AnyFamily Family = iota
	IPv4Only
	IPv6Only
)

// Config says which sockets to open and where datagrams go.
type Config struct {
	// Addrs are the addresses of interface { ike { ... } }. An unspecified
	// address binds all addresses of its family; port 0 means Port.
	Addrs  []netip.AddrPort
	Port   uint16 // default IKE port (-p); 0 means 500
	Family Family
	// NATTPort is the port whose sockets carry the non-ESP marker and get
	// UDP_ENCAP_ESPINUDP; 0 means 4500. Tests move it to a high port.
	NATTPort uint16
	// NATT adds a NAT-T socket on every address that has a default-port
	// socket and no NAT-T socket configured (nat_traversal on).
	NATT bool
	// Bypass sets per-socket IPsec bypass policies so that IKE traffic is
	// never caught by an IPsec policy (racoon2's application_bypass).
	Bypass bool
	// Retry is the bind retry interval; 0 means one second.
	Retry time.Duration
	Log   *slog.Logger
	// Deliver receives each IKE datagram, on the socket's reader goroutine.
	// It must not keep p.Data's array beyond the call unless it copies it;
	// the transport gives every packet its own array, so it may.
	Deliver func(p ike.Packet)
}

// Stats counts what the transport saw; all fields are read atomically.
type Stats struct {
	Received   atomic.Uint64 // IKE datagrams delivered
	Sent       atomic.Uint64
	Keepalives atomic.Uint64 // NAT keepalives dropped
	Dropped    atomic.Uint64 // short datagrams and stray ESP dropped
	SendErrors atomic.Uint64
}

// Transport is a set of UDP sockets. It is safe for concurrent use.
type Transport struct {
	log     *slog.Logger
	deliver func(ike.Packet)
	natt    uint16
	bypass  bool
	retry   time.Duration
	Stats   Stats

	mu      sync.Mutex
	socks   map[netip.AddrPort]*socket // keyed by bound address
	pending map[netip.AddrPort]bool    // binds that failed; retried
	warned  map[netip.AddrPort]bool
	timer   *time.Timer
	closed  bool
	wg      sync.WaitGroup
}

type socket struct {
	addr     netip.AddrPort
	conn     *net.UDPConn
	natt     bool
	wildcard bool
}

// MinIKE is the size of an IKE header (RFC 7296 section 3.1); anything
// shorter is not IKE and is dropped here.
const MinIKE = 28

// ErrNoSocket is returned by Send when no socket fits the packet.
var ErrNoSocket = errors.New("transport: no socket for this local address")

// Open binds the sockets the configuration asks for. A bind that fails is
// logged and retried in the background; Open fails only when the
// configuration leaves nothing to bind.
func Open(cfg Config) (*Transport, error) {
	t := &Transport{
		log:     cfg.Log,
		deliver: cfg.Deliver,
		natt:    cfg.NATTPort,
		bypass:  cfg.Bypass,
		retry:   cfg.Retry,
		socks:   map[netip.AddrPort]*socket{},
		pending: map[netip.AddrPort]bool{},
		warned:  map[netip.AddrPort]bool{},
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if t.natt == 0 {
		t.natt = ike.PortNATT
	}
	if t.retry <= 0 {
		t.retry = time.Second
	}
	if t.deliver == nil {
		return nil, errors.New("transport: no Deliver function")
	}
	if err := t.Update(cfg); err != nil {
		return nil, err
	}
	return t, nil
}

// Listen computes the socket addresses a configuration asks for: default
// ports filled in, families filtered, NAT-T sockets added, duplicates gone.
func Listen(cfg Config) []netip.AddrPort {
	port := cfg.Port
	if port == 0 {
		port = ike.PortIKE
	}
	natt := cfg.NATTPort
	if natt == 0 {
		natt = ike.PortNATT
	}
	var out []netip.AddrPort
	seen := map[netip.AddrPort]bool{}
	add := func(a netip.AddrPort) {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	var defaults []netip.Addr
	for _, ap := range cfg.Addrs {
		a := ap.Addr().Unmap()
		if !a.IsValid() || (a.Is4() && cfg.Family == IPv6Only) || (a.Is6() && cfg.Family == IPv4Only) {
			continue
		}
		p := ap.Port()
		if p == 0 {
			p = port
			defaults = append(defaults, a)
		}
		add(netip.AddrPortFrom(a, p))
	}
	if cfg.NATT && port != natt {
		for _, a := range defaults {
			add(netip.AddrPortFrom(a, natt))
		}
	}
	return out
}

// Update re-applies a configuration (SIGHUP): sockets still wanted are
// kept, new ones opened, the others closed, as racoon2's isakmp_reopen.
func (t *Transport) Update(cfg Config) error {
	want := Listen(cfg)
	if len(want) == 0 {
		return errors.New("transport: no address to listen on (check interface { ike } and -4/-6)")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return errors.New("transport: closed")
	}
	keep := map[netip.AddrPort]bool{}
	for _, a := range want {
		keep[a] = true
	}
	for a, s := range t.socks {
		if !keep[a] {
			s.conn.Close()
			delete(t.socks, a)
			t.log.Info("closed IKE socket", "addr", a)
		}
	}
	for a := range t.pending {
		if !keep[a] {
			delete(t.pending, a)
		}
	}
	for _, a := range want {
		if _, ok := t.socks[a]; !ok {
			t.bindLocked(a)
		}
	}
	return nil
}

func (t *Transport) bindLocked(a netip.AddrPort) {
	s, err := t.listen(a)
	if err != nil {
		if !t.warned[a] {
			t.log.Warn("cannot bind IKE socket; retrying", "addr", a, "err", err)
			t.warned[a] = true
		} else {
			t.log.Debug("bind retry failed", "addr", a, "err", err)
		}
		t.pending[a] = true
		if t.timer == nil {
			t.timer = time.AfterFunc(t.retry, t.retryBinds)
		}
		return
	}
	delete(t.pending, a)
	delete(t.warned, a)
	t.socks[a] = s
	t.log.Info("listening", "addr", s.addr, "natt", s.natt)
	t.wg.Add(1)
	go t.read(s)
}

func (t *Transport) retryBinds() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.timer = nil
	if t.closed {
		return
	}
	for a := range t.pending {
		t.bindLocked(a)
	}
}

func (t *Transport) listen(a netip.AddrPort) (*socket, error) {
	s := &socket{natt: a.Port() == t.natt, wildcard: a.Addr().IsUnspecified()}
	network := "udp4"
	if a.Addr().Is6() {
		network = "udp6"
	}
	opts := sockOpts{v6: a.Addr().Is6(), natt: s.natt, pktinfo: s.wildcard, bypass: t.bypass}
	var optErr error
	lc := net.ListenConfig{Control: func(_, _ string, rc syscallConn) error {
		var err error
		if cerr := rc.Control(func(fd uintptr) { err, optErr = setOpts(fd, opts) }); cerr != nil {
			return cerr
		}
		return err
	}}
	pc, err := lc.ListenPacket(bg, network, a.String())
	if err != nil {
		return nil, err
	}
	if optErr != nil {
		t.log.Warn("socket option not set", "addr", a, "err", optErr)
	}
	s.conn = pc.(*net.UDPConn)
	s.addr = s.conn.LocalAddr().(*net.UDPAddr).AddrPort()
	s.addr = netip.AddrPortFrom(s.addr.Addr().Unmap(), s.addr.Port())
	return s, nil
}

// Bound lists the addresses of the open sockets.
func (t *Transport) Bound() []netip.AddrPort {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]netip.AddrPort, 0, len(t.socks))
	for _, s := range t.socks {
		out = append(out, s.addr)
	}
	return out
}

// Pending lists the addresses whose bind is being retried.
func (t *Transport) Pending() []netip.AddrPort {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]netip.AddrPort, 0, len(t.pending))
	for a := range t.pending {
		out = append(out, a)
	}
	return out
}

func (t *Transport) read(s *socket) {
	defer t.wg.Done()
	buf := make([]byte, 65535)
	oob := make([]byte, 256)
	for {
		n, oobn, _, from, err := s.conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// ICMP errors surface as ECONNREFUSED and the like; keep going.
			t.log.Debug("receive error", "addr", s.addr, "err", err)
			continue
		}
		data, ok := t.strip(s, buf[:n])
		if !ok {
			continue
		}
		local := s.addr
		if s.wildcard {
			if a, ok := parseDst(oob[:oobn]); ok {
				local = netip.AddrPortFrom(a, s.addr.Port())
			}
		}
		t.Stats.Received.Add(1)
		t.deliver(ike.Packet{
			Local:  local,
			Remote: netip.AddrPortFrom(from.Addr().Unmap(), from.Port()),
			Data:   append([]byte(nil), data...),
		})
	}
}

// strip removes the non-ESP marker on the NAT-T port and drops keepalives,
// stray ESP and anything too short to be IKE.
func (t *Transport) strip(s *socket, b []byte) ([]byte, bool) {
	if s.natt {
		if isKeepalive(b) {
			t.Stats.Keepalives.Add(1)
			return nil, false
		}
		if len(b) < 4 || b[0]|b[1]|b[2]|b[3] != 0 {
			// ESP the kernel did not take (no UDP_ENCAP), or garbage.
			t.Stats.Dropped.Add(1)
			return nil, false
		}
		b = b[4:]
	}
	if len(b) < MinIKE {
		t.Stats.Dropped.Add(1)
		return nil, false
	}
	return b, true
}

func isKeepalive(b []byte) bool { return len(b) == 1 && b[0] == 0xff }

var markerPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// Send writes p.Data to p.Remote from p.Local, adding the non-ESP marker on
// the NAT-T port, except to a NAT keepalive (a single 0xFF byte, RFC 3948
// section 2.3), which goes as it is. An unspecified p.Local picks any socket of the right
// family and port (the IKE port when the port is 0 too).
func (t *Transport) Send(p ike.Packet) error {
	s, src := t.pick(p.Local, p.Remote)
	if s == nil {
		t.Stats.SendErrors.Add(1)
		return fmt.Errorf("%w: %v to %v", ErrNoSocket, p.Local, p.Remote)
	}
	data := p.Data
	if s.natt && !isKeepalive(p.Data) {
		bp := markerPool.Get().(*[]byte)
		defer markerPool.Put(bp)
		*bp = append(append((*bp)[:0], 0, 0, 0, 0), p.Data...)
		data = *bp
	}
	var oob []byte
	if s.wildcard && src.IsValid() && !src.IsUnspecified() {
		oob = srcOOB(src)
	}
	to := p.Remote
	if s.addr.Addr().Is6() && to.Addr().Is4() {
		to = netip.AddrPortFrom(netip.AddrFrom16(to.Addr().As16()), to.Port())
	}
	if _, _, err := s.conn.WriteMsgUDPAddrPort(data, oob, to); err != nil {
		t.Stats.SendErrors.Add(1)
		return fmt.Errorf("transport: send %v -> %v: %w", s.addr, p.Remote, err)
	}
	t.Stats.Sent.Add(1)
	return nil
}

// pick finds the socket for a local address: an exact match first, then a
// wildcard socket of that port and family (the source address then goes in
// a control message).
func (t *Transport) pick(local, remote netip.AddrPort) (*socket, netip.Addr) {
	t.mu.Lock()
	defer t.mu.Unlock()
	la := local.Addr().Unmap()
	if la.IsValid() && !la.IsUnspecified() {
		for _, a := range []netip.Addr{la, la.WithZone("")} {
			if s := t.socks[netip.AddrPortFrom(a, local.Port())]; s != nil {
				return s, netip.Addr{}
			}
		}
	}
	v6 := remote.Addr().Unmap().Is6()
	if la.IsValid() && !la.IsUnspecified() {
		v6 = la.Is6()
	}
	port := local.Port()
	var any *socket
	for _, s := range t.socks {
		if s.addr.Addr().Is6() != v6 || (port != 0 && s.addr.Port() != port) {
			continue
		}
		if port == 0 && s.natt {
			continue
		}
		if s.wildcard {
			return s, la
		}
		if any == nil && (!la.IsValid() || la.IsUnspecified()) {
			any = s
		}
	}
	return any, netip.Addr{}
}

// Close closes every socket, stops the bind retries and waits for the
// readers to finish.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	if t.timer != nil {
		t.timer.Stop()
	}
	for _, s := range t.socks {
		s.conn.Close()
	}
	t.socks = map[netip.AddrPort]*socket{}
	t.mu.Unlock()
	t.wg.Wait()
	return nil
}

var _ ike.Conn = (*Transport)(nil)
