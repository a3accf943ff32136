package ikev2

import (
	"bytes"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

var (
	addrA = netip.MustParseAddr("192.0.2.1")
	addrB = netip.MustParseAddr("192.0.2.2")
)

// pair is two engines on one World: A (192.0.2.1) usually initiates, B
// (192.0.2.2) responds.
type pair struct {
	w      *iketest.World
	a, b   *Engine
	ka, kb *iketest.Kernel
	na, nb *iketest.Node
	ca, cb *ike.Config
}

func testPeer(name string, peerAddr netip.Addr, me, them string) *ike.PeerConfig {
	return &ike.PeerConfig{
		Name:     name,
		Addrs:    []netip.Addr{peerAddr},
		MyID:     ike.ID{Type: ike.IDFQDN, Data: []byte(me)},
		PeersIDs: []ike.ID{{Type: ike.IDFQDN, Data: []byte(them)}},
		Auth:     ike.AuthPSK,
		PSK:      []byte("a shared secret\n"),
		Proposal: ike.IKEProposal{
			Encr:  []ike.EncrAlg{{ID: 12, KeyBits: 256}, {ID: 20, KeyBits: 256}},
			PRF:   []uint16{5},
			Integ: []uint16{12},
			DH:    []uint16{31, 14},
		},
		NonceSize:    32,
		Lifetime:     86400 * time.Second,
		NegoLimit:    600 * time.Second,
		Retransmit:   ike.DefaultRetransmit,
		DPDDelay:     3600 * time.Second,
		NATTraversal: true,
		VerifyID:     true,
	}
}

func testChild(sel, remote, src, dst string) *ike.ChildConfig {
	return &ike.ChildConfig{
		Selector: sel, Remote: remote,
		Sel:  ike.Selector{Src: netip.MustParsePrefix(src), Dst: netip.MustParsePrefix(dst), Proto: 255},
		Mode: ike.ModeTunnel,
		Proposals: []ike.ChildProposal{{Proto: ike.ProtoESP,
			Encr: []ike.EncrAlg{{ID: 20, KeyBits: 256}, {ID: 12, KeyBits: 128}}, Integ: []uint16{12}}},
		Lifetime: ike.Lifetime{HardTime: time.Hour},
		Replay:   32,
		ReqID:    7,
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("IKEV2_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newPair(t testing.TB, mod func(ca, cb *ike.Config)) *pair {
	t.Helper()
	return newPairAt(t, addrA, addrB, mod)
}

// newPairAt is newPair with A at a and B at b.
func newPairAt(t testing.TB, a, b netip.Addr, mod func(ca, cb *ike.Config)) *pair {
	t.Helper()
	p := &pair{w: iketest.NewWorld(), ka: iketest.NewKernel(0x1000), kb: iketest.NewKernel(0x2000)}
	p.ca = &ike.Config{
		Peers:    []*ike.PeerConfig{testPeer("b", b, "a.example", "b.example")},
		Children: []*ike.ChildConfig{testChild("a-out", "b", "10.1.0.0/16", "10.2.0.0/16")},
	}
	p.cb = &ike.Config{
		Peers:    []*ike.PeerConfig{testPeer("a", a, "b.example", "a.example")},
		Children: []*ike.ChildConfig{testChild("b-out", "a", "10.2.0.0/16", "10.1.0.0/16")},
	}
	if mod != nil {
		mod(p.ca, p.cb)
	}
	p.na, p.nb = p.w.Node(a), p.w.Node(b)
	p.a = p.engine(t, p.na, p.ka, p.ca)
	p.b = p.engine(t, p.nb, p.kb, p.cb)
	return p
}

func (p *pair) engine(t testing.TB, n *iketest.Node, k *iketest.Kernel, c *ike.Config) *Engine {
	addr := n.Addr
	e, err := New(Options{Config: c, Sched: n, Exec: n, Conn: n, Kernel: k, Log: testLogger(t),
		LocalAddr: func(netip.Addr) netip.Addr { return addr }})
	if err != nil {
		t.Fatal(err)
	}
	n.Handle = e.HandlePacket
	n.OnTimer = func(k ike.TimerKey) { e.HandleTimer(k) }
	return e
}

// only returns the single IKE SA of e.
func only(t testing.TB, e *Engine) *IKESA {
	t.Helper()
	if e.sas.len() != 1 {
		t.Fatalf("%d IKE SAs, want 1", e.sas.len())
	}
	for _, sa := range e.sas.bySPI {
		return sa
	}
	return nil
}

func (p *pair) establish(t testing.TB) {
	t.Helper()
	if err := p.a.InitiateSelector("a-out"); err != nil {
		t.Fatal(err)
	}
	p.w.Run()
	p.mustBeUp(t)
}

func (p *pair) mustBeUp(t testing.TB) {
	t.Helper()
	sa, sb := only(t, p.a), only(t, p.b)
	if sa.state != stateEstablished || sb.state != stateEstablished {
		t.Fatalf("states %v / %v, want ESTABLISHED", sa.state, sb.state)
	}
	if sa.spiI != sb.spiI || sa.spiR != sb.spiR {
		t.Fatalf("SPIs differ: %x:%x vs %x:%x", sa.spiI, sa.spiR, sb.spiI, sb.spiR)
	}
}

func status(e *Engine) string {
	var b bytes.Buffer
	e.Status(&b)
	return b.String()
}

func hasLine(s, sub string) bool { return strings.Contains(s, sub) }

func netipAP(a netip.Addr) netip.AddrPort { return netip.AddrPortFrom(a, 500) }
func netipPfx(s string) netip.Prefix      { return netip.MustParsePrefix(s) }
func netipAddr(s string) netip.Addr       { return netip.MustParseAddr(s) }
