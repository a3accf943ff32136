package ikev2

import (
	"bytes"
	"fmt"
	"net/netip"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/pcap"
)

// capRecord is one message given to a Capture, decoded.
type capRecord struct {
	src, dst netip.AddrPort
	clear    bool // given to WriteDecrypted
	hdr      RawHeader
	types    []PayloadType // the payloads (inner ones for clear records)
	chain    []byte        // the payload chain as recorded
	pl       []Payload
}

func (r capRecord) String() string {
	dir := "in "
	if r.src.Addr() == addrA {
		dir = "A->B"
	} else {
		dir = "B->A"
	}
	kind := "req"
	if r.hdr.Flags()&FlagResponse != 0 {
		kind = "resp"
	}
	return fmt.Sprintf("%s %s %s #%d %v", dir, r.hdr.Exchange(), kind, r.hdr.MessageID(), r.types)
}

// recCapture is a Capture that decodes and keeps what it is given, copying
// like the real one (the engine decrypts in place and reuses buffers).
type recCapture struct {
	t    *testing.T
	recs []capRecord
}

func (c *recCapture) Write(_ time.Time, src, dst netip.AddrPort, msg []byte) {
	msg = bytes.Clone(msg)
	m, err := ParseMessage(msg)
	if err != nil {
		c.t.Errorf("Write: %v", err)
		return
	}
	if m.Encrypted() != nil {
		c.t.Errorf("Write given an encrypted message (%s)", m.Exchange)
	}
	h, _ := HeaderView(msg)
	c.recs = append(c.recs, capRecord{src: src, dst: dst, hdr: h, types: typesOf(m.Payloads),
		chain: msg[HeaderLen:], pl: m.Payloads})
}

func (c *recCapture) WriteDecrypted(_ time.Time, src, dst netip.AddrPort, hdr []byte, first uint8, payloads []byte) {
	h, ok := HeaderView(bytes.Clone(hdr))
	if !ok || len(hdr) != HeaderLen {
		c.t.Errorf("WriteDecrypted: header of %d bytes", len(hdr))
		return
	}
	if np := h.NextPayload(); np != PayloadSK && np != PayloadSKF {
		c.t.Errorf("WriteDecrypted: header's Next Payload is %v, want SK or SKF", np)
	}
	chain := bytes.Clone(payloads)
	pl, err := DecodePayloads(nil, PayloadType(first), chain)
	if err != nil {
		c.t.Errorf("WriteDecrypted: inner chain (first %d, %d bytes) does not decode: %v", first, len(payloads), err)
		return
	}
	c.recs = append(c.recs, capRecord{src: src, dst: dst, clear: true, hdr: h, types: typesOf(pl), chain: chain, pl: pl})
}

func typesOf(pl []Payload) []PayloadType {
	out := make([]PayloadType, len(pl))
	for i, p := range pl {
		out[i] = p.Type()
	}
	return out
}

// withCapture gives both engines of p a recording Capture through
// Options, as cmd/iked does.
func withCapture(t *testing.T, p *pair) (ca, cb *recCapture) {
	ca, cb = &recCapture{t: t}, &recCapture{t: t}
	for _, x := range []struct {
		e   **Engine
		n   *iketest.Node
		k   *iketest.Kernel
		cfg *ike.Config
		c   *recCapture
	}{{&p.a, p.na, p.ka, p.ca, ca}, {&p.b, p.nb, p.kb, p.cb, cb}} {
		addr := x.n.Addr
		e, err := New(Options{Config: x.cfg, Sched: x.n, Exec: x.n, Conn: x.n, Kernel: x.k, Log: testLogger(t),
			LocalAddr: func(netip.Addr) netip.Addr { return addr }, Capture: x.c})
		if err != nil {
			t.Fatal(err)
		}
		x.n.Handle = e.HandlePacket
		x.n.OnTimer = func(k ike.TimerKey) { e.HandleTimer(k) }
		*x.e = e
	}
	return ca, cb
}

// wantMsg is one message of the negotiation, as the capture must list it.
type wantMsg struct {
	fromA bool
	x     ExchangeType
	resp  bool
	id    uint32
	has   []PayloadType
}

// The messages of IKE_SA_INIT, IKE_AUTH (RFC 7296 1.2) and the
// INFORMATIONAL exchange that deletes the IKE SA (RFC 7296 1.4.1).
var fullNegotiation = []wantMsg{
	{true, ExchangeIKESAInit, false, 0, []PayloadType{PayloadSA, PayloadKE, PayloadNonce}},
	{false, ExchangeIKESAInit, true, 0, []PayloadType{PayloadSA, PayloadKE, PayloadNonce}},
	{true, ExchangeIKEAuth, false, 1, []PayloadType{PayloadIDi, PayloadAUTH, PayloadSA, PayloadTSi, PayloadTSr}},
	{false, ExchangeIKEAuth, true, 1, []PayloadType{PayloadIDr, PayloadAUTH, PayloadSA, PayloadTSi, PayloadTSr}},
	{true, ExchangeInformational, false, 2, []PayloadType{PayloadD}},
	{false, ExchangeInformational, true, 2, nil},
}

// check compares the records of one side with the negotiation: every
// message exactly once, in order, with the wire's direction and addresses,
// encrypted ones in the clear.
func (w wantMsg) check(t *testing.T, side string, r capRecord, src, dst netip.AddrPort) {
	t.Helper()
	if r.src != src || r.dst != dst {
		t.Errorf("%s: %v recorded %v -> %v, want %v -> %v", side, r, r.src, r.dst, src, dst)
	}
	if r.hdr.Exchange() != w.x || (r.hdr.Flags()&FlagResponse != 0) != w.resp || r.hdr.MessageID() != w.id {
		t.Errorf("%s: recorded %v, want %s resp=%v #%d", side, r, w.x, w.resp, w.id)
	}
	if r.clear != (w.x != ExchangeIKESAInit) {
		t.Errorf("%s: %v recorded with clear=%v", side, r, r.clear)
	}
	for _, pt := range w.has {
		if !slices.Contains(r.types, pt) {
			t.Errorf("%s: %v lacks %v", side, r, pt)
		}
	}
	if slices.Contains(r.types, PayloadSK) || slices.Contains(r.types, PayloadSKF) {
		t.Errorf("%s: %v still encrypted", side, r)
	}
}

func checkNegotiation(t *testing.T, side string, recs []capRecord) {
	t.Helper()
	checkNegotiationAt(t, side, recs, func(w wantMsg) (src, dst netip.AddrPort) {
		if w.fromA {
			return netipAP(addrA), netipAP(addrB)
		}
		return netipAP(addrB), netipAP(addrA)
	})
}

// checkNegotiationAt is checkNegotiation with the addresses each message
// travels between as seen by the side that recorded it.
func checkNegotiationAt(t *testing.T, side string, recs []capRecord, at func(wantMsg) (src, dst netip.AddrPort)) {
	t.Helper()
	var got []string
	for _, r := range recs {
		got = append(got, r.String())
	}
	if len(recs) != len(fullNegotiation) {
		t.Fatalf("%s recorded %d messages, want %d:\n%s", side, len(recs), len(fullNegotiation), strings.Join(got, "\n"))
	}
	for i, w := range fullNegotiation {
		src, dst := at(w)
		w.check(t, side, recs[i], src, dst)
	}
}

// sameMessages checks that what one side recorded as sent is what the
// other recorded as received, byte for byte (padding gone, header alike
// but for Next Payload and Length, which the capture rewrites).
func sameMessages(t *testing.T, ra, rb []capRecord) {
	t.Helper()
	for i := range min(len(ra), len(rb)) {
		a, b := ra[i], rb[i]
		ha, hb := bytes.Clone(a.hdr), bytes.Clone(b.hdr)
		for _, h := range [][]byte{ha, hb} {
			h[16] = 0
			clear(h[24:28])
		}
		if !bytes.Equal(ha, hb) || !bytes.Equal(a.chain, b.chain) {
			t.Errorf("message %d differs between the two captures:\nA %v\nB %v", i, a, b)
		}
	}
}

// A whole IKE SA life, as both peers record it: IKE_SA_INIT as on the
// wire, IKE_AUTH and the Delete in the clear, once per message even when
// packets are lost and retransmitted (RFC 7296 2.1), duplicated, or
// fragmented (RFC 7383).
func TestCaptureNegotiation(t *testing.T) {
	for name, setup := range map[string]func(p *pair){
		"clean": nil,
		"IKE_SA_INIT response lost": func(p *pair) {
			p.w.AddFilter(iketest.DropN(1, msgIs(ExchangeIKESAInit, true)))
		},
		"IKE_AUTH request lost": func(p *pair) {
			p.w.AddFilter(iketest.DropN(1, msgIs(ExchangeIKEAuth, false)))
		},
		"IKE_AUTH response lost": func(p *pair) {
			p.w.AddFilter(iketest.DropN(1, msgIs(ExchangeIKEAuth, true)))
		},
		"Delete request lost": func(p *pair) {
			p.w.AddFilter(iketest.DropN(1, msgIs(ExchangeInformational, false)))
		},
		"everything duplicated": func(p *pair) {
			p.w.AddFilter(iketest.Duplicate(iketest.Any))
		},
		"fragmented": func(p *pair) {
			p.a.o.MaxPacket, p.b.o.MaxPacket = 120, 120
		},
	} {
		t.Run(name, func(t *testing.T) {
			p := newPair(t, nil)
			ca, cb := withCapture(t, p)
			if setup != nil {
				setup(p)
			}
			if err := p.a.InitiateSelector("a-out"); err != nil {
				t.Fatal(err)
			}
			p.w.Run()
			p.w.Advance(2 * time.Second)
			p.mustBeUp(t)
			done := false
			p.a.Shutdown(func() { done = true })
			p.w.Run()
			p.w.Advance(2 * time.Second)
			if !done || p.a.Len() != 0 || p.b.Len() != 0 {
				t.Fatalf("not torn down: done %v, SAs %d/%d", done, p.a.Len(), p.b.Len())
			}
			checkNegotiation(t, "A", ca.recs)
			checkNegotiation(t, "B", cb.recs)
			sameMessages(t, ca.recs, cb.recs)
			if name == "fragmented" {
				frags := 0
				for _, q := range p.w.Log {
					if h, _ := HeaderView(q.Data); h.NextPayload() == PayloadSKF {
						frags++
					}
				}
				if frags < 4 {
					t.Fatalf("only %d fragments on the wire", frags)
				}
			}
		})
	}
}

// The stateless answers of a responder (a COOKIE demanded, RFC 7296 2.6)
// are recorded too, and the initiator's second IKE_SA_INIT with it.
func TestCaptureCookie(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) { cb.Peers[0].CookieReq = true })
	ca, cb := withCapture(t, p)
	p.establish(t)
	var got []string
	for _, r := range cb.recs {
		got = append(got, r.String())
	}
	want := []string{
		"A->B IKE_SA_INIT req #0 [SA KE Nonce",
		"B->A IKE_SA_INIT resp #0 [N]",
		"A->B IKE_SA_INIT req #0 [N SA KE Nonce",
		"B->A IKE_SA_INIT resp #0 [SA KE Nonce",
		"A->B IKE_AUTH req #1 [",
		"B->A IKE_AUTH resp #1 [",
	}
	if len(got) != len(want) {
		t.Fatalf("responder recorded\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("record %d: %q, want %q...", i, got[i], want[i])
		}
	}
	if len(ca.recs) != len(cb.recs) {
		t.Errorf("initiator recorded %d messages, responder %d", len(ca.recs), len(cb.recs))
	}
	sameMessages(t, ca.recs, cb.recs)
}

// Without a Capture the capture points are skipped: nothing is built for
// a recording (Options.Capture nil is the daemon without -P).
func TestCaptureNilIsNotCalled(t *testing.T) {
	p := newPair(t, nil)
	if p.a.capture != nil || p.b.capture != nil {
		t.Fatal("engine built without Options.Capture has one")
	}
	p.establish(t)
	if len(p.a.capBuf) != 0 || cap(p.a.capBuf) != 0 {
		t.Fatal("capture scratch buffer used without a Capture")
	}
}

// Behind a NAT (RFC 7296 2.23) each side records the addresses and ports
// its own socket saw: the initiator its private address, port 500 then
// 4500 after the float; the responder the NAT's public address and ports.
func TestCaptureNAT(t *testing.T) {
	pub := netip.MustParseAddr("198.51.100.1")
	p := newPair(t, func(ca, cb *ike.Config) { cb.Peers[0].Addrs = []netip.Addr{pub} })
	ca, cb := withCapture(t, p)
	p.w.AddFilter(natFilter(pub))
	p.establish(t)
	p.a.Shutdown(func() {})
	p.w.Run()
	port := func(w wantMsg) uint16 {
		if w.x == ExchangeIKESAInit {
			return 500
		}
		return 4500
	}
	checkNegotiationAt(t, "A", ca.recs, func(w wantMsg) (src, dst netip.AddrPort) {
		a, b := netip.AddrPortFrom(addrA, port(w)), netip.AddrPortFrom(addrB, port(w))
		if w.fromA {
			return a, b
		}
		return b, a
	})
	checkNegotiationAt(t, "B", cb.recs, func(w wantMsg) (src, dst netip.AddrPort) {
		natPort := map[uint16]uint16{500: 1024, 4500: 1025}[port(w)] // natFilter's mapping
		a, b := netip.AddrPortFrom(pub, natPort), netip.AddrPortFrom(addrB, port(w))
		if w.fromA {
			return a, b
		}
		return b, a
	})
	sameMessages(t, ca.recs, cb.recs)
}

// BenchmarkHandshakeX25519Capture is BenchmarkHandshakeX25519 with -P on
// both engines (a real pcap.Writer to a file): the cost of the capture
// points on the event loop, to compare with the benchmark without.
func BenchmarkHandshakeX25519Capture(b *testing.B) {
	w, err := pcap.Open(filepath.Join(b.TempDir(), "bench.pcap"), testLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	bp := newBenchPair(b, 31)
	bp.a.capture, bp.b.capture = w, w
	c0 := threadCPU()
	b.ReportAllocs()
	for b.Loop() {
		bp.handshake(b)
	}
	b.ReportMetric(float64((threadCPU()-c0).Microseconds())/float64(b.N), "cpu-µs/handshake")
	b.ReportMetric(float64(bp.respNs.Microseconds())/float64(b.N), "resp-cpu-µs/SA")
	if st := w.Stats(); st.Invalid != 0 {
		b.Fatalf("capture refused %d messages", st.Invalid)
	}
}
