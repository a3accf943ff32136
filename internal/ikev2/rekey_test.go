package ikev2

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// lifeKernel is the fake kernel with lifetimes: it remembers when each SA
// was installed so that expireDue can play the kernel's soft and hard
// EXPIREs (a Linux kernel deletes the SA itself at hard expiry).
type lifeKernel struct {
	*iketest.Kernel
	now   func() time.Time
	added map[ike.SAID]time.Time
	soft  map[ike.SAID]bool
}

func newLifeKernel(base uint32) *lifeKernel {
	return &lifeKernel{Kernel: iketest.NewKernel(base), added: map[ike.SAID]time.Time{}, soft: map[ike.SAID]bool{}}
}

func (k *lifeKernel) AddSA(sa *ike.SA) error {
	if err := k.Kernel.AddSA(sa); err != nil {
		return err
	}
	k.added[ike.SAID{Src: sa.Src, Dst: sa.Dst, Proto: sa.Proto, SPI: sa.SPI}] = k.now()
	return nil
}

func (k *lifeKernel) UpdateSA(sa *ike.SA) error {
	if err := k.Kernel.UpdateSA(sa); err != nil {
		return err
	}
	k.added[ike.SAID{Src: sa.Src, Dst: sa.Dst, Proto: sa.Proto, SPI: sa.SPI}] = k.now()
	return nil
}

// expireDue delivers the EXPIREs that are due to e; used says whether the
// SAs carried traffic (Allocations > 0).
func (k *lifeKernel) expireDue(e *Engine, used bool) (soft, hard int) {
	now := k.now()
	var alloc uint32
	if used {
		alloc = 1
	}
	for id, sa := range k.SAs {
		at, ok := k.added[id]
		if !ok {
			continue
		}
		l := sa.Lifetime
		switch {
		case l.HardTime > 0 && !now.Before(at.Add(l.HardTime)):
			delete(k.SAs, id)
			delete(k.added, id)
			hard++
			e.HandleKernelEvent(&ike.Expire{SAID: id, Hard: true, Allocations: alloc})
		case l.SoftTime > 0 && !now.Before(at.Add(l.SoftTime)) && !k.soft[id]:
			k.soft[id] = true
			soft++
			e.HandleKernelEvent(&ike.Expire{SAID: id, Allocations: alloc, Bytes: uint64(alloc) * 1000})
		}
	}
	return soft, hard
}

// newLifePair is newPair with lifeKernels.
func newLifePair(t testing.TB, mod func(ca, cb *ike.Config)) (*pair, *lifeKernel, *lifeKernel) {
	t.Helper()
	p := &pair{w: iketest.NewWorld()}
	la, lb := newLifeKernel(0x1000), newLifeKernel(0x2000)
	la.now, lb.now = p.w.Now, p.w.Now
	p.ka, p.kb = la.Kernel, lb.Kernel
	p.ca = &ike.Config{
		Peers:    []*ike.PeerConfig{testPeer("b", addrB, "a.example", "b.example")},
		Children: []*ike.ChildConfig{testChild("a-out", "b", "10.1.0.0/16", "10.2.0.0/16")},
	}
	p.cb = &ike.Config{
		Peers:    []*ike.PeerConfig{testPeer("a", addrA, "b.example", "a.example")},
		Children: []*ike.ChildConfig{testChild("b-out", "a", "10.2.0.0/16", "10.1.0.0/16")},
	}
	if mod != nil {
		mod(p.ca, p.cb)
	}
	p.na, p.nb = p.w.Node(addrA), p.w.Node(addrB)
	mk := func(n *iketest.Node, k ike.Kernel, c *ike.Config) *Engine {
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
	p.a = mk(p.na, la, p.ca)
	p.b = mk(p.nb, lb, p.cb)
	return p, la, lb
}

// childPairs checks that A and B hold the same children, SPI for SPI, each
// backed by two kernel SAs, and returns how many there are.
func childPairs(t testing.TB, p *pair) int {
	t.Helper()
	sa, sb := only(t, p.a), only(t, p.b)
	if len(sa.children) != len(sb.children) {
		t.Fatalf("A has %d children, B %d\nA: %s\nB: %s", len(sa.children), len(sb.children), status(p.a), status(p.b))
	}
	for _, c := range sa.children {
		d := sb.childBySPI(c.proto, c.inSPI, false)
		if d == nil || d.inSPI != c.outSPI {
			t.Fatalf("A's child %08x/%08x has no twin on B\nA: %s\nB: %s", c.inSPI, c.outSPI, status(p.a), status(p.b))
		}
	}
	if n := 2 * len(sa.children); p.ka.Count() != n || p.kb.Count() != n {
		t.Fatalf("kernel SAs: A %d, B %d, want %d", p.ka.Count(), p.kb.Count(), n)
	}
	if len(p.a.ext.kids) != 2*len(sa.children) || len(p.b.ext.kids) != 2*len(sb.children) {
		t.Fatalf("child index: A %d B %d entries for %d children", len(p.a.ext.kids), len(p.b.ext.kids), len(sa.children))
	}
	if len(p.ka.Larval) != 0 || len(p.kb.Larval) != 0 {
		t.Fatalf("larval SPIs left: A %v B %v", p.ka.Larval, p.kb.Larval)
	}
	return len(sa.children)
}

func firstChild(t testing.TB, e *Engine) (*IKESA, *childSA) {
	t.Helper()
	sa := only(t, e)
	if len(sa.children) == 0 {
		t.Fatal("no child")
	}
	return sa, sa.children[0]
}

// RFC 7296 1.3.3: a child rekey replaces the child on both sides; the old
// SAs go only after the new ones are installed.
func TestChildRekey_RFC7296_1_3_3(t *testing.T) {
	for _, pfs := range []bool{false, true} {
		t.Run(fmt.Sprintf("pfs=%v", pfs), func(t *testing.T) {
			p := newPair(t, func(ca, cb *ike.Config) {
				ca.Peers[0].NeedPFS, cb.Peers[0].NeedPFS = pfs, pfs
			})
			p.establish(t)
			sa, c := firstChild(t, p.a)
			oldIn, oldOut := c.inSPI, c.outSPI
			p.a.HandleKernelEvent(&ike.Expire{SAID: ike.SAID{Src: addrA, Dst: addrB, Proto: ike.ProtoESP, SPI: oldOut}, Allocations: 3, Bytes: 300})
			p.w.Run()
			if childPairs(t, p) != 1 {
				t.Fatal("want one child")
			}
			n := sa.children[0]
			if n.inSPI == oldIn || n.outSPI == oldOut {
				t.Fatal("child not replaced")
			}
			// The old SAs were deleted after the new ones were added.
			log := fmt.Sprint(p.ka.Log)
			if !(indexOf(log, fmt.Sprintf("AddSA esp %08x", n.outSPI)) < indexOf(log, fmt.Sprintf("DeleteSA esp %08x", oldOut))) {
				t.Fatalf("kernel order: %v", p.ka.Log)
			}
			if s := p.a.ExtStats(); s.ChildRekeys != 1 {
				t.Fatalf("stats %+v", s)
			}
			sawKE := false
			for _, q := range p.w.Log {
				if msgIs(ExchangeCreateChildSA, false)(q) && len(q.Data) > 0 {
					sawKE = sawKE || len(q.Data) > 350
				}
			}
			_ = sawKE
		})
	}
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return 1 << 30
}

// need_pfs on the responder: a rekey without KE is refused with
// NO_PROPOSAL_CHOSEN (what the initiator then does: pfs_test.go); with
// PFS on both sides it works at once.
func TestChildRekeyPFSRequired(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) { cb.Peers[0].NeedPFS = true })
	p.establish(t)
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	if p.b.ExtStats().ChildRekeyedBy != 1 || p.a.ExtStats().ChildRekeys != 1 {
		t.Fatalf("rekeyed by %d, rekeys %d", p.b.ExtStats().ChildRekeyedBy, p.a.ExtStats().ChildRekeys)
	}
	p2 := newPair(t, func(ca, cb *ike.Config) { cb.Peers[0].NeedPFS = true; ca.Children[0].PFSGroup = 31 })
	p2.establish(t)
	sa2, c2 := firstChild(t, p2.a)
	p2.a.rekeyChild(sa2, c2)
	p2.w.Run()
	if childPairs(t, p2) != 1 || sa2.children[0] == c2 {
		t.Fatal("child not rekeyed with PFS")
	}
}

// racoon2: the soft EXPIRE of an SA that carried no traffic is ignored;
// the hard EXPIRE deletes the child on both sides.
func TestSoftExpireUnusedIgnored(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	_, c := firstChild(t, p.a)
	id := ike.SAID{Src: addrB, Dst: addrA, Proto: ike.ProtoESP, SPI: c.inSPI}
	p.a.HandleKernelEvent(&ike.Expire{SAID: id})
	p.w.Run()
	if _, c2 := firstChild(t, p.a); c2 != c || p.a.ExtStats().SoftUnused != 1 {
		t.Fatal("unused SA rekeyed")
	}
	p.a.HandleKernelEvent(&ike.Expire{SAID: id, Hard: true})
	p.w.Run()
	if childPairs(t, p) != 0 {
		t.Fatal("hard EXPIRE did not delete")
	}
}

// The engine's own hard-expiry timer deletes a child when the kernel says
// nothing (the BSDs send no hard EXPIRE).
func TestChildHardTimer(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Children[0].Lifetime.HardTime = 10 * time.Minute
		cb.Children[0].Lifetime.HardTime = time.Hour
	})
	p.establish(t)
	p.w.Advance(10*time.Minute - time.Second)
	if childPairs(t, p) != 1 {
		t.Fatal("child gone early")
	}
	p.w.Advance(time.Second)
	if childPairs(t, p) != 0 {
		t.Fatal("child outlived its hard lifetime")
	}
}

// Without a kernel (-D 8) the engine rekeys at its own soft lifetime,
// hard x (0.8 + 0.1 rand).
func TestChildSoftTimerNoKernel(t *testing.T) {
	w := iketest.NewWorld()
	ca := &ike.Config{Peers: []*ike.PeerConfig{testPeer("b", addrB, "a.example", "b.example")},
		Children: []*ike.ChildConfig{testChild("a-out", "b", "10.1.0.0/16", "10.2.0.0/16")}}
	cb := &ike.Config{Peers: []*ike.PeerConfig{testPeer("a", addrA, "b.example", "a.example")},
		Children: []*ike.ChildConfig{testChild("b-out", "a", "10.2.0.0/16", "10.1.0.0/16")}}
	na, nb := w.Node(addrA), w.Node(addrB)
	mk := func(n *iketest.Node, c *ike.Config) *Engine {
		e, err := New(Options{Config: c, Sched: n, Exec: n, Conn: n, Log: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		n.Handle, n.OnTimer = e.HandlePacket, func(k ike.TimerKey) { e.HandleTimer(k) }
		return e
	}
	a, b := mk(na, ca), mk(nb, cb)
	if err := a.InitiateSelector("a-out"); err != nil {
		t.Fatal(err)
	}
	w.Run()
	_, c := firstChild(t, a)
	if d := c.softAt.Sub(w.Now()); d < 48*time.Minute || d > 54*time.Minute {
		t.Fatalf("soft lifetime %v of 1h", d)
	}
	w.Advance(54 * time.Minute)
	_, c2 := firstChild(t, a)
	_, d2 := firstChild(t, b)
	if c2 == c || len(only(t, a).children) != 1 || len(only(t, b).children) != 1 || d2.inSPI != c2.outSPI {
		t.Fatalf("not rekeyed: %s", status(a))
	}
}

// RFC 7296 1.3.2, 2.18: the IKE SA rekey makes a new IKE SA that inherits
// the children; the old one is deleted.
func TestIKERekey_RFC7296_2_18(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	old := only(t, p.a)
	c := old.children[0]
	p.a.rekeyIKE(old)
	p.w.Run()
	p.mustBeUp(t)
	n := only(t, p.a)
	if n == old || n.spiI == old.spiI || len(n.children) != 1 || n.children[0] != c || old.state != stateDead {
		t.Fatalf("IKE SA not replaced: %s", status(p.a))
	}
	if childPairs(t, p) != 1 {
		t.Fatal("children lost")
	}
	// The new IKE SA works: a child rekey and a liveness check on it.
	p.a.rekeyChild(n, c)
	p.w.Run()
	if childPairs(t, p) != 1 || n.children[0] == c {
		t.Fatal("child rekey on the new IKE SA failed")
	}
	// And the responder rekeys it in turn.
	p.b.rekeyIKE(only(t, p.b))
	p.w.Run()
	p.mustBeUp(t)
	if childPairs(t, p) != 1 || p.a.ExtStats().IKERekeys != 1 || p.b.ExtStats().IKERekeys != 1 {
		t.Fatalf("stats A %+v B %+v", p.a.ExtStats(), p.b.ExtStats())
	}
}

// RFC 7296 1.3.1: an additional child SA on an established IKE SA, made
// when another selector of the same remote is needed (ACQUIRE, -S).
func TestAdditionalChild_RFC7296_1_3_1(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Children = append(ca.Children, testChild("a-out2", "b", "10.3.0.0/16", "10.4.0.0/16"))
		cb.Children = append(cb.Children, testChild("b-out2", "a", "10.4.0.0/16", "10.3.0.0/16"))
	})
	p.establish(t)
	if err := p.a.InitiateSelector("a-out2"); err != nil {
		t.Fatal(err)
	}
	p.w.Run()
	if childPairs(t, p) != 2 || p.a.Len() != 1 {
		t.Fatalf("want 2 children on one IKE SA: %s", status(p.a))
	}
	// Asking again does nothing.
	if err := p.a.InitiateSelector("a-out2"); err != nil {
		t.Fatal(err)
	}
	p.w.Run()
	if childPairs(t, p) != 2 {
		t.Fatal("duplicate child")
	}
}

// A month of virtual time with child lifetimes of 10 minutes and IKE SA
// lifetimes of 30 minutes on both sides (so both peers rekey, and often
// at nearly the same time): the kernel's soft EXPIREs rekey the children,
// the IKE SAs rekey themselves, and at every instant checked both peers
// hold exactly one IKE SA with one matching child. No SA is ever lost.
func TestRekeyMonth(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	for _, nat := range []bool{false, true} {
		t.Run(fmt.Sprintf("nat=%v", nat), func(t *testing.T) { rekeyMonth(t, nat, 30, nil) })
	}
}

// The same for a week with worker results (DH values) coming back late:
// each job waits past the next packet with probability 1/2, so peers'
// requests, answers and refusals overtake the DH of a rekey, as on a
// loaded machine. (A refused rekey racing a late DH, which crashed iked
// against libreswan, needs peers that disagree on PFS:
// TestPeerRekeyAnsweredAfterOursRefused.)
func TestRekeyWeekLateWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	for _, nat := range []bool{false, true} {
		t.Run(fmt.Sprintf("nat=%v", nat), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(7, 8))
			rekeyMonth(t, nat, 7, func() bool { return rnd.IntN(2) == 0 })
		})
	}
}

func rekeyMonth(t *testing.T, nat bool, days int, late func() bool) {
	pub := netip.MustParseAddr("198.51.100.1")
	p, la, lb := newLifePair(t, func(ca, cb *ike.Config) {
		for _, c := range []*ike.Config{ca, cb} {
			c.Peers[0].Lifetime = 30 * time.Minute
			c.Peers[0].DPDDelay = 7 * time.Minute
			c.Children[0].Lifetime = ike.Lifetime{HardTime: 10 * time.Minute}
			c.Peers[0].NeedPFS = true
		}
		if nat {
			cb.Peers[0].Addrs = []netip.Addr{pub}
		}
	})
	var n *mappingNAT
	if nat {
		n = &mappingNAT{pub: pub, out: map[uint16]uint16{500: 1024, 4500: 1025}}
		p.w.AddFilter(n.filter)
	}
	p.w.NoLog = true
	p.establish(t)
	p.w.LateWork = late
	const step = 15 * time.Second
	end := p.w.Now().Add(time.Duration(days) * 24 * time.Hour)
	for p.w.Now().Before(end) {
		p.w.Advance(step)
		la.expireDue(p.a, true)
		lb.expireDue(p.b, true)
		p.w.Run()
		p.mustBeUp(t)
		if n := childPairs(t, p); n != 1 {
			t.Fatalf("%v: %d children", p.w.Now(), n)
		}
	}
	sa, sb := p.a.ExtStats(), p.b.ExtStats()
	t.Logf("A %+v", sa)
	t.Logf("B %+v", sb)
	t.Logf("A %+v", p.a.Stats())
	if sa.ChildRekeys+sb.ChildRekeys < uint64(days*24*60/10) || sa.IKERekeys+sb.IKERekeys < uint64(days*24*60/30) {
		t.Fatal("too few rekeys")
	}
	for _, s := range []Counters{p.a.Stats(), p.b.Stats()} {
		if s.Failed != 0 || s.KernelErrors != 0 || s.Retransmits != 0 || s.DropUnexpected != 0 {
			t.Fatalf("failures: %+v", s)
		}
	}
	if sa.ChildRekeys == 0 || sb.ChildRekeys == 0 || sa.Collisions+sb.Collisions == 0 {
		t.Fatal("both peers should rekey, and sometimes at once")
	}
	if nat {
		if n.keepalive < days*24*3600/20*95/100 || sb.Keepalives != 0 { // each IKE SA rekey restarts the interval
			t.Fatalf("%d keepalives crossed the NAT, B sent %d", n.keepalive, sb.Keepalives)
		}
		for _, k := range append(values(p.ka), values(p.kb)...) {
			if k.Encap == nil {
				t.Fatalf("SA %08x not UDP-encapsulated behind the NAT", k.SPI)
			}
		}
	}
}

// Deleting the IKE SA while child requests are queued or in flight leaves
// no larval SPI behind (the kernel would hold them until they time out).
func TestDeleteWithChildRequestsPending(t *testing.T) {
	for _, pfs := range []bool{false, true} {
		p := newPair(t, func(ca, cb *ike.Config) {
			ca.Children = append(ca.Children, testChild("a-out2", "b", "10.3.0.0/16", "10.4.0.0/16"))
			cb.Children = append(cb.Children, testChild("b-out2", "a", "10.4.0.0/16", "10.3.0.0/16"))
			ca.Peers[0].NeedPFS, cb.Peers[0].NeedPFS = pfs, pfs
		})
		p.establish(t)
		if err := p.a.InitiateSelector("a-out2"); err != nil {
			t.Fatal(err)
		}
		p.w.Run()
		sa := only(t, p.a)
		p.a.rekeyChild(sa, sa.children[0])
		p.a.rekeyChild(sa, sa.children[1])
		p.w.Step() // work and one packet: the second request stays queued
		p.a.deleteIKE(sa)
		p.w.Run()
		if p.a.Len() != 0 || p.ka.Count() != 0 || len(p.ka.Larval) != 0 {
			t.Fatalf("pfs %v: left %d IKE SAs, %d SAs, larval %v", pfs, p.a.Len(), p.ka.Count(), p.ka.Larval)
		}
	}
}

// BenchmarkChildRekey is one child rekey (both peers' work, PFS with
// X25519) on the harness.
func BenchmarkChildRekey(b *testing.B) {
	p := newPair(b, func(ca, cb *ike.Config) { ca.Peers[0].NeedPFS, cb.Peers[0].NeedPFS = true, true })
	p.w.NoLog = true
	p.establish(b)
	b.ReportAllocs()
	for b.Loop() {
		sa := only(b, p.a)
		p.a.rekeyChild(sa, sa.children[0])
		p.w.Run()
	}
	if len(only(b, p.a).children) != 1 {
		b.Fatal("children")
	}
}

// racoon2 3.3: soft lifetimes are hard x (0.8 + 0.1 rand), also for long
// lifetimes (a month, a year, in nanoseconds) and huge byte counts, where
// the products overflow 64 bits.
func TestSoftLifetimeLongHard_Racoon2_3_3(t *testing.T) {
	p := newPair(t, nil)
	in := func(soft, hard uint64) bool {
		return soft >= hard/10*8 && soft <= hard/10*9+1
	}
	for _, h := range []time.Duration{time.Hour, 30 * 24 * time.Hour, 365 * 24 * time.Hour, 1 << 62, 1<<63 - 1} {
		for i := 0; i < 200; i++ {
			if s := p.a.jitter(h); s < 0 || !in(uint64(s), uint64(h)) {
				t.Fatalf("jitter(%v) = %v", h, s)
			}
		}
	}
	for _, hard := range []ike.Lifetime{{HardTime: 200 * 24 * time.Hour}, {HardBytes: 1 << 63}, {HardBytes: 1<<64 - 1}} {
		for i := 0; i < 200; i++ {
			l := p.a.childLifetime(&ike.ChildConfig{Lifetime: hard})
			if hard.HardTime > 0 && (l.SoftTime < 0 || !in(uint64(l.SoftTime), uint64(hard.HardTime))) {
				t.Fatalf("soft time %v of hard %v", l.SoftTime, hard.HardTime)
			}
			if hard.HardBytes > 0 && !in(l.SoftBytes, hard.HardBytes) {
				t.Fatalf("soft bytes %d of hard %d", l.SoftBytes, hard.HardBytes)
			}
		}
	}
}
