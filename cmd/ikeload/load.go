package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ikev2"
)

// Params describe one load run.
type Params struct {
	N           int            // IKE SAs to open
	Concurrency int            // negotiations in flight at most
	Target      netip.AddrPort // the responder
	Local       netip.Addr     // our address; the route's source when invalid
	PSK         []byte
	Group       uint16 // IKEv2 DH transform ID (31 Curve25519, 19 ECP-256, 14 MODP-2048)
	Encr        string // "gcm" (AES-256-GCM-16) or "cbc" (AES-128-CBC, HMAC-SHA2-256)
	IDPrefix    string // IDi of SA i is FQDN IDPrefix+i: distinct peers for the responder
	Timeout     time.Duration
	PID         int           // responder process to measure; 0: none
	Settle      time.Duration // wait after the last SA before reading the responder
	Log         *slog.Logger
}

// groups maps the -group names to IKEv2 transform IDs (RFC 7296 3.3.2,
// RFC 8031, RFC 5903).
var groups = map[string]uint16{"curve25519": 31, "x25519": 31, "ecp256": 19, "modp2048": 14}

// ikeProposal is the IKE SA proposal for -encr; PRF is HMAC-SHA2-256.
func ikeProposal(encr string, group uint16) (ike.IKEProposal, error) {
	p := ike.IKEProposal{PRF: []uint16{5}, DH: []uint16{group}}
	switch encr {
	case "gcm":
		p.Encr = []ike.EncrAlg{{ID: 20, KeyBits: 256}} // ENCR_AES_GCM_16
	case "cbc":
		p.Encr = []ike.EncrAlg{{ID: 12, KeyBits: 128}} // ENCR_AES_CBC
		p.Integ = []uint16{12}                         // AUTH_HMAC_SHA2_256_128
	default:
		return p, fmt.Errorf("encryption %q: want gcm or cbc", encr)
	}
	return p, nil
}

// buildConfig makes one remote and one transport-mode selector per SA:
// the engine opens one IKE SA per selector, and each remote has its own
// IDi so that the responder keeps them all (INITIAL_CONTACT, which every
// first SA to a remote carries, replaces SAs of the same identity only).
func buildConfig(p *Params, local netip.Addr) (*ike.Config, error) {
	prop, err := ikeProposal(p.Encr, p.Group)
	if err != nil {
		return nil, err
	}
	cfg := &ike.Config{Port: p.Target.Port()}
	bits := local.BitLen()
	for i := range p.N {
		name := "l" + strconv.Itoa(i)
		cfg.Peers = append(cfg.Peers, &ike.PeerConfig{
			Name:       name,
			Addrs:      []netip.Addr{p.Target.Addr()},
			MyID:       ike.ID{Type: ike.IDFQDN, Data: []byte(p.IDPrefix + strconv.Itoa(i))},
			Auth:       ike.AuthPSK,
			PSK:        p.PSK,
			Proposal:   prop,
			NonceSize:  32,
			NegoLimit:  p.Timeout,
			Retransmit: ike.Retransmit{Interval: time.Second, TimesPerSend: 1, MaxRetry: 5},
		})
		cfg.Children = append(cfg.Children, &ike.ChildConfig{
			Selector: "s" + strconv.Itoa(i),
			Remote:   name,
			Sel: ike.Selector{Src: netip.PrefixFrom(local, bits),
				Dst: netip.PrefixFrom(p.Target.Addr(), bits), Proto: 255},
			Mode: ike.ModeTransport,
			Proposals: []ike.ChildProposal{{Proto: ike.ProtoESP,
				Encr: []ike.EncrAlg{{ID: 12, KeyBits: 128}}, Integ: []uint16{12}}},
			Lifetime: ike.Lifetime{HardTime: 24 * time.Hour},
			Replay:   32,
		})
	}
	return cfg, nil
}

// udpConn is the engine's Conn: one socket for every SA. IKE to or from
// port 4500 carries the non-ESP marker (RFC 3948 2.2), also after a
// responder that sees a NAT moved the SA there.
type udpConn struct {
	c   *net.UDPConn
	buf []byte
}

func (u *udpConn) Send(p ike.Packet) error {
	data := p.Data
	if p.Remote.Port() == ike.PortNATT {
		u.buf = append(append(u.buf[:0], 0, 0, 0, 0), p.Data...)
		data = u.buf
	}
	_, err := u.c.WriteToUDPAddrPort(data, p.Remote)
	return err
}

// loopExec is the loop's worker pool with a hook run after each
// completion, so that finished negotiations are noticed at once.
type loopExec struct {
	l     *ike.Loop
	after func()
}

func (x loopExec) Go(work func() func()) {
	x.l.Go(func() func() {
		d := work()
		return func() {
			if d != nil {
				d()
			}
			x.after()
		}
	})
}

// localFor returns the address the kernel would use toward dst.
func localFor(dst netip.AddrPort) (netip.Addr, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dst))
	if err != nil {
		return netip.Addr{}, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

func cpuSelf() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// run opens p.N IKE SAs against p.Target with at most p.Concurrency in
// flight and measures the responder around it.
func run(ctx context.Context, p Params) (*Result, error) {
	if p.N <= 0 || p.Concurrency <= 0 {
		return nil, errors.New("-n and -c must be positive")
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	local := p.Local
	if !local.IsValid() {
		var err error
		if local, err = localFor(p.Target); err != nil {
			return nil, err
		}
	}
	cfg, err := buildConfig(&p, local)
	if err != nil {
		return nil, err
	}
	sock, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0)))
	if err != nil {
		return nil, err
	}
	defer sock.Close()
	_ = sock.SetReadBuffer(4 << 20)
	bound := sock.LocalAddr().(*net.UDPAddr).AddrPort()
	bound = netip.AddrPortFrom(bound.Addr().Unmap(), bound.Port())

	d := &driver{p: p, tokens: make(chan struct{}, p.Concurrency), finished: make(chan struct{})}
	loop := ike.NewLoop(nil, 0)
	conn := &udpConn{c: sock}
	eng, err := ikev2.New(ikev2.Options{
		Config: cfg, Sched: loop, Exec: loopExec{loop, d.check}, Conn: conn,
		Log: p.Log, LocalPort: bound.Port(),
		LocalAddr: func(netip.Addr) netip.Addr { return local },
	})
	if err != nil {
		return nil, err
	}
	d.eng = eng
	loop.SetTimerHandler(func(k ike.TimerKey) {
		eng.HandleTimer(k)
		d.check()
	})
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	loopDone := make(chan struct{})
	go func() { loop.Run(lctx); close(loopDone) }()
	defer func() { stop(); <-loopDone }()
	go readLoop(sock, bound, loop, eng, d.check)

	res := &Result{Target: p.Target.String(), Requested: p.N, Concurrency: p.Concurrency,
		Encr: p.Encr, Group: groupName(p.Group), PID: p.PID}
	if p.PID > 0 {
		s, err := sampleProc(p.PID)
		if err != nil {
			return nil, fmt.Errorf("responder pid %d: %w", p.PID, err)
		}
		res.Before = &s
	}
	cpu0, t0 := cpuSelf(), time.Now()
	deadline := time.NewTimer(p.Timeout)
	defer deadline.Stop()
	timedOut := d.feed(loop, deadline.C, ctx.Done())
	if !timedOut {
		select {
		case <-d.finished:
		case <-deadline.C:
			timedOut = true
		case <-ctx.Done():
			timedOut = true
		}
	}
	res.Wall = time.Since(t0)
	res.InitiatorCPU = cpuSelf() - cpu0
	var st ikev2.Counters
	var initErrs int
	if !loop.Call(func() { st, initErrs = eng.Stats(), d.initErrs }) {
		return nil, errors.New("event loop stopped")
	}
	res.Established = int(st.Established)
	res.Children = int(st.ChildInstalled)
	res.Retransmits = st.Retransmits
	res.Failed = p.N - res.Established
	if timedOut {
		p.Log.Warn("timed out", "established", res.Established, "failed-before-timeout", int(st.Failed)+initErrs)
	}
	if p.PID > 0 {
		time.Sleep(p.Settle)
		s, err := sampleProc(p.PID)
		if err != nil {
			return nil, fmt.Errorf("responder pid %d: %w", p.PID, err)
		}
		res.After = &s
	}
	res.finish()
	return res, nil
}

func groupName(g uint16) string {
	for n, id := range groups {
		if id == g && n != "x25519" {
			return n
		}
	}
	return strconv.Itoa(int(g))
}

// driver starts negotiations as earlier ones finish. Its fields other
// than p, tokens and finished belong to the loop.
type driver struct {
	p        Params
	eng      *ikev2.Engine
	tokens   chan struct{} // one per negotiation in flight
	finished chan struct{} // closed when all N are done
	released int
	initErrs int
	closed   bool
}

// feed starts the N negotiations, blocking while Concurrency are in
// flight; it reports true when stopped by the deadline or ctx.
func (d *driver) feed(loop *ike.Loop, deadline <-chan time.Time, done <-chan struct{}) bool {
	for i := range d.p.N {
		select {
		case d.tokens <- struct{}{}:
		case <-deadline:
			return true
		case <-done:
			return true
		}
		sel := "s" + strconv.Itoa(i)
		loop.Post(func() {
			if err := d.eng.InitiateSelector(sel); err != nil {
				d.p.Log.Warn("initiate", "selector", sel, "err", err)
				d.initErrs++
			}
			d.check()
		})
	}
	return false
}

// check, on the loop, releases a token for every negotiation that ended
// (established or failed) since the last call.
func (d *driver) check() {
	st := d.eng.Stats()
	ended := int(st.Established+st.Failed) + d.initErrs
	for d.released < ended && d.released < d.p.N {
		<-d.tokens
		d.released++
	}
	if d.released >= d.p.N && !d.closed {
		d.closed = true
		close(d.finished)
	}
}

// readLoop hands every datagram to the engine on the loop.
func readLoop(sock *net.UDPConn, local netip.AddrPort, loop *ike.Loop, eng *ikev2.Engine, after func()) {
	buf := make([]byte, 65536)
	for {
		n, from, err := sock.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		// The engine may keep the datagram: a copy of its size each.
		data := append([]byte(nil), buf[:n]...)
		if from.Port() == ike.PortNATT {
			if n < 4 || data[0]|data[1]|data[2]|data[3] != 0 {
				continue // ESP, or not IKE
			}
			data = data[4:]
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		pkt := ike.Packet{Local: local, Remote: from, Data: data}
		if !loop.Post(func() { eng.HandlePacket(pkt); after() }) {
			return
		}
	}
}
