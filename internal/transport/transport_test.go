package transport

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// freePort finds a UDP port that is free on addr right now.
func freePort(t *testing.T, addr string) uint16 {
	t.Helper()
	c, err := net.ListenPacket("udp", net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Skipf("cannot bind %s: %v", addr, err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

func ikeMsg(tag byte) []byte {
	b := make([]byte, MinIKE+4)
	b[0] = tag
	b[17] = 0x20 // IKEv2 (RFC 7296 section 3.1)
	return b
}

type sink chan ike.Packet

func (s sink) deliver(p ike.Packet) { s <- p }

func (s sink) next(t *testing.T) ike.Packet {
	t.Helper()
	select {
	case p := <-s:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("no packet delivered")
	}
	return ike.Packet{}
}

func (s sink) none(t *testing.T) {
	t.Helper()
	select {
	case p := <-s:
		t.Fatalf("unexpected packet %+v", p)
	case <-time.After(200 * time.Millisecond):
	}
}

func open(t *testing.T, cfg Config) (*Transport, sink) {
	t.Helper()
	s := make(sink, 16)
	cfg.Deliver = s.deliver
	tr, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr, s
}

func dial(t *testing.T, to netip.AddrPort) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func recv(t *testing.T, c *net.UDPConn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 2048)
	n, err := c.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return b[:n]
}

func TestListenAddresses(t *testing.T) {
	v4 := netip.MustParseAddr("192.0.2.1")
	v6 := netip.MustParseAddr("2001:db8::1")
	any4 := netip.IPv4Unspecified()
	ap := netip.AddrPortFrom
	for _, c := range []struct {
		name string
		cfg  Config
		want []netip.AddrPort
	}{
		{"port 0 means 500", Config{Addrs: []netip.AddrPort{ap(v4, 0), ap(v6, 0)}},
			[]netip.AddrPort{ap(v4, 500), ap(v6, 500)}},
		{"-p moves the default port", Config{Port: 7000, Addrs: []netip.AddrPort{ap(v4, 0), ap(v4, 4500)}},
			[]netip.AddrPort{ap(v4, 7000), ap(v4, 4500)}},
		{"-4", Config{Family: IPv4Only, Addrs: []netip.AddrPort{ap(v4, 0), ap(v6, 0)}},
			[]netip.AddrPort{ap(v4, 500)}},
		{"-6", Config{Family: IPv6Only, Addrs: []netip.AddrPort{ap(v4, 0), ap(v6, 0)}},
			[]netip.AddrPort{ap(v6, 500)}},
		{"NAT-T adds 4500 beside default ports (RFC 3947)", Config{NATT: true, Addrs: []netip.AddrPort{ap(any4, 0), ap(v4, 600)}},
			[]netip.AddrPort{ap(any4, 500), ap(v4, 600), ap(any4, 4500)}},
		{"duplicates and mapped addresses", Config{NATT: true, Addrs: []netip.AddrPort{ap(v4, 500), ap(netip.AddrFrom16(v4.As16()), 0), ap(v4, 4500)}},
			[]netip.AddrPort{ap(v4, 500), ap(v4, 4500)}},
	} {
		if got := Listen(c.cfg); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestOpenNothingToBind(t *testing.T) {
	_, err := Open(Config{Family: IPv4Only, Addrs: []netip.AddrPort{netip.MustParseAddrPort("[::1]:0")}, Deliver: func(ike.Packet) {}})
	if err == nil {
		t.Fatal("Open with no usable address succeeded")
	}
}

func TestReceiveAndSend(t *testing.T) {
	port := freePort(t, "127.0.0.1")
	lo := netip.MustParseAddr("127.0.0.1")
	tr, s := open(t, Config{Addrs: []netip.AddrPort{netip.AddrPortFrom(lo, 0)}, Port: port})
	c := dial(t, netip.AddrPortFrom(lo, port))
	c.Write(ikeMsg(1))
	p := s.next(t)
	if p.Local != netip.AddrPortFrom(lo, port) || p.Remote != c.LocalAddr().(*net.UDPAddr).AddrPort() || !bytes.Equal(p.Data, ikeMsg(1)) {
		t.Fatalf("got %+v", p)
	}
	c.Write([]byte("short"))
	s.none(t)
	if tr.Stats.Dropped.Load() != 1 || tr.Stats.Received.Load() != 1 {
		t.Fatalf("dropped %d received %d", tr.Stats.Dropped.Load(), tr.Stats.Received.Load())
	}
	if err := tr.Send(ike.Packet{Local: p.Local, Remote: p.Remote, Data: ikeMsg(2)}); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, c); !bytes.Equal(got, ikeMsg(2)) {
		t.Fatalf("peer got % x", got)
	}
	// Any socket will do when the engine does not care.
	if err := tr.Send(ike.Packet{Remote: p.Remote, Data: ikeMsg(3)}); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, c); got[0] != 3 {
		t.Fatalf("peer got % x", got)
	}
	err := tr.Send(ike.Packet{Local: netip.MustParseAddrPort("192.0.2.9:500"), Remote: p.Remote, Data: ikeMsg(4)})
	if !errors.Is(err, ErrNoSocket) {
		t.Fatalf("send from an unbound address: %v", err)
	}
}

// RFC 3948 section 2.2: IKE on the NAT-T port carries a 4-byte zero
// non-ESP marker; section 2.3: a single 0xFF byte is a NAT keepalive.
func TestNATTMarkerAndKeepalive(t *testing.T) {
	port := freePort(t, "127.0.0.1")
	natt := freePort(t, "127.0.0.1")
	lo := netip.MustParseAddr("127.0.0.1")
	tr, s := open(t, Config{Addrs: []netip.AddrPort{netip.AddrPortFrom(lo, 0)}, Port: port, NATTPort: natt, NATT: true})
	if b := tr.Bound(); len(b) != 2 {
		t.Fatalf("bound %v, want the IKE and NAT-T sockets", b)
	}
	c := dial(t, netip.AddrPortFrom(lo, natt))
	c.Write([]byte{0xff}) // keepalive
	// ESP (SPI 0x01020304) is not ours. With UDP_ENCAP the kernel takes it
	// and answers ICMP unreachable (no SA), so send it from another socket.
	dial(t, netip.AddrPortFrom(lo, natt)).Write(append([]byte{1, 2, 3, 4}, ikeMsg(9)...))
	c.Write(append([]byte{0, 0, 0, 0}, ikeMsg(5)...))
	p := s.next(t)
	if p.Local.Port() != natt || !bytes.Equal(p.Data, ikeMsg(5)) {
		t.Fatalf("got %+v", p)
	}
	s.none(t)
	if err := tr.Send(ike.Packet{Local: p.Local, Remote: p.Remote, Data: ikeMsg(6)}); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, c); !bytes.Equal(got, append([]byte{0, 0, 0, 0}, ikeMsg(6)...)) {
		t.Fatalf("peer got % x", got)
	}
	// Our own keepalive goes out bare: a marker would make it look like IKE.
	if err := tr.Send(ike.Packet{Local: p.Local, Remote: p.Remote, Data: []byte{0xff}}); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, c); !bytes.Equal(got, []byte{0xff}) {
		t.Fatalf("keepalive on the wire: % x, want ff", got)
	}
	// Port 0 picks the plain IKE socket, never the NAT-T one.
	c2 := dial(t, netip.AddrPortFrom(lo, port))
	c2.Write(ikeMsg(7))
	p2 := s.next(t)
	tr.Send(ike.Packet{Local: netip.AddrPortFrom(netip.IPv4Unspecified(), 0), Remote: p2.Remote, Data: ikeMsg(8)})
	if got := recv(t, c2); !bytes.Equal(got, ikeMsg(8)) {
		t.Fatalf("peer got % x", got)
	}
}

// A wildcard socket learns each datagram's destination (IP_PKTINFO) and
// sends from the address the engine names.
func TestWildcardLocalAddress(t *testing.T) {
	port := freePort(t, "0.0.0.0")
	tr, s := open(t, Config{Addrs: []netip.AddrPort{netip.AddrPortFrom(netip.IPv4Unspecified(), 0)}, Port: port, Family: IPv4Only})
	for _, dst := range []string{"127.0.0.1", "127.0.0.2"} {
		to := netip.AddrPortFrom(netip.MustParseAddr(dst), port)
		c := dial(t, to)
		c.Write(ikeMsg(1))
		p := s.next(t)
		if p.Local != to {
			t.Fatalf("local %v, want %v", p.Local, to)
		}
		if err := tr.Send(ike.Packet{Local: p.Local, Remote: p.Remote, Data: ikeMsg(2)}); err != nil {
			t.Fatal(err)
		}
		// A connected UDP socket only accepts replies from the address it
		// dialled, so receiving proves the source address was set.
		if got := recv(t, c); got[0] != 2 {
			t.Fatalf("reply % x", got)
		}
	}
}

func TestIPv6(t *testing.T) {
	port := freePort(t, "::1")
	lo := netip.IPv6Loopback()
	tr, s := open(t, Config{Addrs: []netip.AddrPort{netip.AddrPortFrom(netip.IPv6Unspecified(), 0)}, Port: port})
	c := dial(t, netip.AddrPortFrom(lo, port))
	c.Write(ikeMsg(1))
	p := s.next(t)
	if p.Local != netip.AddrPortFrom(lo, port) || !p.Remote.Addr().Is6() {
		t.Fatalf("got %+v", p)
	}
	if err := tr.Send(ike.Packet{Local: p.Local, Remote: p.Remote, Data: ikeMsg(2)}); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, c); got[0] != 2 {
		t.Fatalf("reply % x", got)
	}
}

// racoon2 retries a failed bind every second; so do we, and the socket
// comes up once the address is free.
func TestBindRetry(t *testing.T) {
	blocker, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(blocker.LocalAddr().(*net.UDPAddr).Port)
	want := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
	tr, s := open(t, Config{Addrs: []netip.AddrPort{netip.AddrPortFrom(want.Addr(), 0)}, Port: port, Retry: 20 * time.Millisecond})
	if p := tr.Pending(); len(p) != 1 || p[0] != want || len(tr.Bound()) != 0 {
		t.Fatalf("pending %v bound %v", p, tr.Bound())
	}
	blocker.Close()
	deadline := time.Now().Add(5 * time.Second)
	for len(tr.Bound()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("bind never retried")
		}
		time.Sleep(10 * time.Millisecond)
	}
	dial(t, want).Write(ikeMsg(1))
	s.next(t)
}

// SIGHUP: sockets still configured stay open, the others close.
func TestUpdate(t *testing.T) {
	p1, p2 := freePort(t, "127.0.0.1"), freePort(t, "127.0.0.1")
	lo := netip.MustParseAddr("127.0.0.1")
	a1, a2 := netip.AddrPortFrom(lo, p1), netip.AddrPortFrom(lo, p2)
	tr, _ := open(t, Config{Addrs: []netip.AddrPort{a1}})
	if err := tr.Update(Config{Addrs: []netip.AddrPort{a1, a2}}); err != nil {
		t.Fatal(err)
	}
	if b := tr.Bound(); len(b) != 2 {
		t.Fatalf("bound %v", b)
	}
	if err := tr.Update(Config{Addrs: []netip.AddrPort{a2}}); err != nil {
		t.Fatal(err)
	}
	if b := tr.Bound(); len(b) != 1 || b[0] != a2 {
		t.Fatalf("bound %v", b)
	}
	if c, err := net.ListenPacket("udp4", a1.String()); err != nil {
		t.Fatalf("old socket not closed: %v", err)
	} else {
		c.Close()
	}
	tr.Close()
	if err := tr.Update(Config{Addrs: []netip.AddrPort{a2}}); err == nil {
		t.Fatal("Update after Close succeeded")
	}
}

// FuzzStrip: the receive-path decoder never panics and never delivers a
// datagram shorter than an IKE header or one with a non-zero marker.
func FuzzStrip(f *testing.F) {
	f.Add([]byte{0xff}, true)
	f.Add(append([]byte{0, 0, 0, 0}, ikeMsg(1)...), true)
	f.Add(ikeMsg(1), false)
	f.Add([]byte{0, 0, 0}, true)
	f.Fuzz(func(t *testing.T, b []byte, natt bool) {
		tr := &Transport{}
		out, ok := tr.strip(&socket{natt: natt}, b)
		if !ok {
			return
		}
		if len(out) < MinIKE {
			t.Fatalf("delivered %d bytes", len(out))
		}
		if natt && !bytes.Equal(b[:4], []byte{0, 0, 0, 0}) {
			t.Fatal("delivered a datagram with a non-zero marker")
		}
	})
}

func BenchmarkReceive(b *testing.B) {
	got := make(chan struct{}, 1024)
	tr, err := Open(Config{Addrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}, Port: 0,
		Deliver: func(ike.Packet) { got <- struct{}{} }})
	if err != nil || len(tr.Bound()) == 0 {
		b.Skip("cannot bind 127.0.0.1:500 (needs root)")
	}
	defer tr.Close()
	c, _ := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(tr.Bound()[0]))
	defer c.Close()
	msg := ikeMsg(1)
	b.ReportAllocs()
	for b.Loop() {
		c.Write(msg)
		<-got
	}
}
