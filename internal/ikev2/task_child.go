package ikev2

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// CREATE_CHILD_SA for children (RFC 7296 1.3.1, 1.3.3): additional child
// SAs and child rekeying with optional PFS, the engine's per-child timers,
// and the collision rules of RFC 7296 2.8.1 and 2.25.

// Timer kinds of part 2. They are handled before the IKE SA lookup of
// HandleTimer because some are keyed by a child SPI.
const (
	timerExtFirst     uint16 = 0x280
	timerChildSoft           = timerExtFirst + iota - 1 // Arg: inbound child SPI; SPI: IKE SPI
	timerChildHard                                      // Arg: inbound child SPI; SPI: IKE SPI
	timerChildRetry                                     // Arg: proto; SPI: inbound child SPI
	timerIKERekey                                       // SPI: IKE SPI
	timerNATKeepalive                                   // SPI: IKE SPI
	timerReasm                                          // Arg: message ID; SPI: IKE SPI
)

// engineExt is the engine state of part 2.
type engineExt struct {
	kids      map[ike.SAID]*IKESA // owner of each installed child, by kernel SA
	hardGone  bool                // removing a child at its hard lifetime
	stats     ExtCounters
	hooks     Hooks
	fromRekey bool // established() is for a rekeyed IKE SA
	// quietRekey: for the second new SA of a rekey collision, which
	// runs no phase1_rekey again.
	quietRekey bool
	natk       time.Duration        // NAT keepalive interval (natk_interval)
	cp         map[string]*CPConfig // provide{}/request{} by remote (cp.go)
}

// ExtCounters count part 2's events.
type ExtCounters struct {
	ChildRekeys     uint64 // child SAs replaced by a rekey we initiated
	ChildRekeyedBy  uint64 // child SAs replaced by a rekey the peer initiated
	ChildCreated    uint64 // additional child SAs (no REKEY_SA)
	IKERekeys       uint64 // IKE SAs replaced by a rekey we initiated
	IKERekeyedBy    uint64 // IKE SAs replaced by a rekey the peer initiated
	Collisions      uint64 // simultaneous rekeys resolved by nonces (RFC 7296 2.8.1)
	TempFailures    uint64 // TEMPORARY_FAILURE received
	SoftUnused      uint64 // soft EXPIREs of unused SAs ignored
	Keepalives      uint64 // NAT keepalives sent
	InitialContacts uint64 // INITIAL_CONTACT honoured
}

func (c *ExtCounters) write(w io.Writer) {
	fmt.Fprintf(w, "rekeys: child %d by-peer %d, ike %d by-peer %d, collisions %d, temporary-failures %d; children added %d; "+
		"unused soft expires %d; nat keepalives %d; initial contacts %d\n",
		c.ChildRekeys, c.ChildRekeyedBy, c.IKERekeys, c.IKERekeyedBy, c.Collisions, c.TempFailures, c.ChildCreated,
		c.SoftUnused, c.Keepalives, c.InitialContacts)
}

// ExtStats returns part 2's counters.
func (e *Engine) ExtStats() ExtCounters { return e.ext.stats }

// childRekey is the rekey state of a child being replaced.
type childRekey struct {
	rekeying  bool     // our REKEY_SA request is being prepared or in flight
	answering bool     // the peer's REKEY_SA waits for our DH on a worker
	ourNew    *childSA // the child our exchange made
	ourLow    []byte   // lowest nonce of our exchange
	peerNew   *childSA // the child the peer's exchange made
	peerLow   []byte   // lowest nonce of the peer's exchange
	// hooked: phase2_rekey ran for this rekey. A collision makes two new
	// children, one of them redundant: scripts see one rekey, as without
	// a collision (both have the same environment).
	hooked bool
}

// hookRekey runs phase2_rekey for new, once per rekey of old.
func (e *Engine) hookRekey(sa *IKESA, old, new *childSA) {
	if !old.rk.hooked {
		old.rk.hooked = true
		e.hookChild(sa, new, HookPhase2Rekey)
	}
}

func (r *childRekey) replaced() bool { return r != nil && (r.ourNew != nil || r.peerNew != nil) }

// lowest returns the lower of two nonces, octet by octet (RFC 7296 2.8.1).
func lowest(a, b []byte) []byte {
	if bytes.Compare(a, b) <= 0 {
		return bytes.Clone(a)
	}
	return bytes.Clone(b)
}

func (e *Engine) handleExtTimer(k ike.TimerKey) {
	if k.Kind == timerChildRetry {
		if sa, c := e.childAnywhere(ike.Proto(k.Arg), uint32(k.SPI)); c != nil {
			e.rekeyChild(sa, c)
			e.idle(sa)
		}
		return
	}
	sa := e.sas.get(k.SPI)
	if sa == nil {
		return
	}
	switch k.Kind {
	case timerChildSoft:
		if c := sa.childByIn(k.Arg); c != nil && !e.now().Before(c.softAt) {
			sa.log.Debug("CHILD_SA soft lifetime reached", "spi", fmt.Sprintf("%08x", c.inSPI))
			e.rekeyChild(sa, c)
		}
	case timerChildHard:
		if c := sa.childByIn(k.Arg); c != nil && !c.hardAt.IsZero() && !e.now().Before(c.hardAt) {
			sa.log.Info("CHILD_SA hard lifetime reached", "spi", fmt.Sprintf("%08x", c.inSPI))
			e.deleteHardExpired(sa, c)
		}
	case timerIKERekey:
		e.ikeRekeyTimer(sa, k.Arg) // ikelifetime.go
	case timerNATKeepalive:
		e.keepalive(sa)
	case timerReasm:
		e.reasmExpired(sa, k.Arg)
	}
	e.idle(sa)
}

func (sa *IKESA) childByIn(spi uint32) *childSA {
	for _, c := range sa.children {
		if c.inSPI == spi {
			return c
		}
	}
	return nil
}

// childAnywhere finds a child by its inbound SPI in every IKE SA (used
// only by rare timers, whose child may have moved to a rekeyed IKE SA).
func (e *Engine) childAnywhere(proto ike.Proto, spi uint32) (*IKESA, *childSA) {
	for _, sa := range e.sas.bySPI {
		if c := sa.childBySPI(proto, spi, true); c != nil {
			return sa, c
		}
	}
	return nil, nil
}

// kernelIDs are the kernel SAs of child c of sa.
func kernelIDs(sa *IKESA, c *childSA) (in, out ike.SAID) {
	local, peer := c.addrs(sa)
	return ike.SAID{Src: peer, Dst: local, Proto: c.proto, SPI: c.inSPI},
		ike.SAID{Src: local, Dst: peer, Proto: c.proto, SPI: c.outSPI}
}

// indexChild records sa as the owner of c's kernel SAs, so that a kernel
// EXPIRE finds its child without a scan of every SA.
func (e *Engine) indexChild(sa *IKESA, c *childSA) {
	if e.ext.kids == nil {
		e.ext.kids = map[ike.SAID]*IKESA{}
	}
	in, out := kernelIDs(sa, c)
	e.ext.kids[in], e.ext.kids[out] = sa, sa
}

func (e *Engine) unindexChild(sa *IKESA, c *childSA) {
	in, out := kernelIDs(sa, c)
	for _, id := range []ike.SAID{in, out} {
		if e.ext.kids[id] == sa {
			delete(e.ext.kids, id)
		}
	}
}

// childByKernel returns the child one of whose kernel SAs is id.
func (e *Engine) childByKernel(id ike.SAID) (*IKESA, *childSA) {
	sa := e.ext.kids[id]
	if sa == nil {
		return nil, nil
	}
	for _, c := range sa.children {
		if c.proto == id.Proto && (c.inSPI == id.SPI || c.outSPI == id.SPI) {
			return sa, c
		}
	}
	return nil, nil
}

// childInstalled runs when a child's SAs are in the kernel.
func (e *Engine) childInstalled(sa *IKESA, c *childSA) {
	e.indexChild(sa, c)
	e.childTimers(sa, c)
	e.cpAnnounce(sa, c)
	if sa.hs != nil {
		e.hookChild(sa, c, HookPhase2Up) // the IKE_AUTH child
		e.rwAnnounce(sa, c)              // rwpolicy.go
	}
}

// childRemoved runs when a child's SAs left the kernel. A child a rekey
// replaced, or the redundant one of a collision, goes without
// phase2_down: its line lives on (racoon2 3.5, rekey_inprogress).
func (e *Engine) childRemoved(sa *IKESA, c *childSA) {
	e.unindexChild(sa, c)
	if !c.rk.replaced() && !c.redundant {
		e.hookChild(sa, c, HookPhase2Down)
	}
	e.cpChildGone(sa, c)
	e.rwChildGone(sa, c) // rwpolicy.go
}

// deleteHardExpired deletes a child at its hard lifetime. The kernel has
// removed (or is removing) both its SAs by now, so their absence is not
// an error worth counting.
func (e *Engine) deleteHardExpired(sa *IKESA, c *childSA) {
	e.ext.hardGone = true
	e.deleteChild(sa, c)
	e.ext.hardGone = false
}

// childTimers arms a new child's engine timers: a hard-expiry timer
// always (the BSDs send no hard EXPIRE, and racoon2 keeps one on every
// platform), and a soft one at hard x (0.8 + 0.1 rand) (racoon2's rule)
// when no kernel reports soft expiry.
func (e *Engine) childTimers(sa *IKESA, c *childSA) {
	l := c.cfg.Lifetime
	if l.HardTime <= 0 {
		return
	}
	now := e.now()
	c.hardAt = now.Add(l.HardTime)
	if _, none := e.o.Kernel.(*noKernel); none {
		soft := l.SoftTime
		if soft <= 0 || soft >= l.HardTime {
			soft = e.jitter(l.HardTime)
		}
		c.softAt = now.Add(soft)
	}
	e.armChild(sa, c)
}

// armChild schedules c's timers under sa (again after an IKE SA rekey).
func (e *Engine) armChild(sa *IKESA, c *childSA) {
	spi := sa.ourSPI()
	if !c.hardAt.IsZero() {
		e.o.Sched.Schedule(c.hardAt, ike.TimerKey{Kind: timerChildHard, Arg: c.inSPI, SPI: spi})
	}
	if !c.softAt.IsZero() {
		at := c.softAt
		if now := e.now(); at.Before(now) {
			at = now
		}
		e.o.Sched.Schedule(at, ike.TimerKey{Kind: timerChildSoft, Arg: c.inSPI, SPI: spi})
	}
}

// jitter returns d x (0.8 + 0.1 rand), racoon2's soft lifetime.
func (e *Engine) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return time.Duration(e.softOf(uint64(d)))
}

// softOf returns h x (0.8 + 0.1 rand) without overflow: a lifetime of
// more than 16 days in nanoseconds times 65535 does not fit 64 bits.
func (e *Engine) softOf(h uint64) uint64 {
	var b [2]byte
	_, _ = e.rand.Read(b[:])
	r := uint64(binary.BigEndian.Uint16(b[:])) // 0..65535
	q := h / 10
	return q*8 + h%10*8/10 + q/65535*r + q%65535*r/65535
}

// softExpire handles a kernel soft EXPIRE: racoon2 ignores the soft
// expiry of an SA that never carried traffic (it then hard-expires, and
// traffic makes an ACQUIRE), and rekeys the others.
func (e *Engine) softExpire(sa *IKESA, c *childSA, x *ike.Expire) {
	if x.Allocations == 0 && x.Bytes == 0 {
		e.ext.stats.SoftUnused++
		sa.log.Debug("soft EXPIRE of an unused SA ignored", "spi", fmt.Sprintf("%08x", x.SPI))
		return
	}
	e.rekeyChild(sa, c)
}

// pfsGroup is the DH group of CREATE_CHILD_SA for ch: its pfs_group, or
// the IKE SA's group when the remote says need_pfs.
func pfsGroup(sa *IKESA, ch *ike.ChildConfig) uint16 {
	if ch.PFSGroup != 0 {
		return ch.PFSGroup
	}
	if sa.peer.NeedPFS {
		return sa.suite.dh
	}
	return 0
}

// createChildTask is our CREATE_CHILD_SA for a new child (old == nil) or
// a child rekey. SPIs, nonce and DH key are made before it is queued.
type createChildTask struct {
	old   *childSA
	cfg   *ike.ChildConfig
	mode  ike.Mode
	props []prop
	spis  [2]uint32 // our larval inbound SPIs: ESP, AH
	ni    []byte
	group uint16
	dh    dhKey

	local, peer netip.Addr // where the larval SPIs were reserved (natt.go)
}

func (t *createChildTask) name() string {
	if t.old != nil {
		return "CREATE_CHILD_SA(rekey child)"
	}
	return "CREATE_CHILD_SA(child)"
}
func (*createChildTask) exchange() ExchangeType { return ExchangeCreateChildSA }

// rekeyChild starts replacing c, unless a rekey of it is under way or
// done.
func (e *Engine) rekeyChild(sa *IKESA, c *childSA) {
	if sa.state != stateEstablished || c.rk != nil && (c.rk.rekeying || c.rk.answering || c.rk.replaced()) {
		return
	}
	if e.closing {
		return
	}
	c.rk = &childRekey{rekeying: true}
	if err := e.startChild(sa, c.cfg, c); err != nil {
		sa.log.Error("cannot start CHILD_SA rekey", "err", err)
		c.rk = nil
	}
}

// CreateChild negotiates an additional child SA for selector ch on sa.
func (e *Engine) createChild(sa *IKESA, ch *ike.ChildConfig) error {
	return e.startChild(sa, ch, nil)
}

// startChild reserves SPIs, makes the nonce and (with PFS) the DH key on a
// worker, then queues the CREATE_CHILD_SA request.
func (e *Engine) startChild(sa *IKESA, ch *ike.ChildConfig, old *childSA) error {
	t := &createChildTask{old: old, cfg: ch, mode: childMode(ch), group: pfsGroup(sa, ch)}
	if t.group == 0 && old != nil {
		t.group = old.pfs
	}
	local, peer := saAddrs(sa, ch, t.mode)
	t.local, t.peer = local, peer
	t.props = childProposals(ch.Proposals, 0, t.group)
	for i := range t.props {
		k := 0
		if t.props[i].proto == protoAH {
			k = 1
		}
		if t.spis[k] == 0 {
			spi, err := e.o.Kernel.GetSPI(peer, local, kernelProto(t.props[i].proto), t.mode, ch.ReqID)
			if err != nil {
				e.stats.KernelErrors++
				t.release(e, sa)
				return fmt.Errorf("GetSPI: %w", err)
			}
			t.spis[k] = spi
		}
		t.props[i].spi = spiBytes(t.spis[k])
	}
	ni, err := e.random(nonceSize(sa.peer))
	if err != nil {
		t.release(e, sa)
		return err
	}
	t.ni = ni
	if t.group == 0 {
		e.queue(sa, t)
		return nil
	}
	spi, group, rnd := sa.ourSPI(), t.group, e.rand
	e.o.Exec.Go(func() func() {
		k, err := newDHKey(group, rnd)
		return func() {
			if e.sas.get(spi) != sa || sa.state != stateEstablished || err != nil {
				if k != nil {
					k.Zero()
				}
				if err != nil {
					sa.log.Error("DH key generation failed", "group", group, "err", err)
				}
				t.abandon(e, sa)
				return
			}
			t.dh = k
			e.queue(sa, t)
		}
	})
	return nil
}

// release gives back the larval SPIs not used.
func (t *createChildTask) release(e *Engine, sa *IKESA) {
	local, peer := t.local, t.peer
	for i, spi := range t.spis {
		if spi == 0 {
			continue
		}
		proto := ike.ProtoESP
		if i == 1 {
			proto = ike.ProtoAH
		}
		_ = e.o.Kernel.DeleteSA(ike.SAID{Src: peer, Dst: local, Proto: proto, SPI: spi})
	}
	t.spis = [2]uint32{}
	if t.dh != nil {
		t.dh.Zero()
		t.dh = nil
	}
}

// abandon ends the task without a result.
func (t *createChildTask) abandon(e *Engine, sa *IKESA) {
	t.release(e, sa)
	if t.old != nil && t.old.rk != nil {
		t.old.rk.rekeying = false
		if !t.old.rk.replaced() && !t.old.rk.answering {
			t.old.rk = nil
		}
	}
}

func (t *createChildTask) build(e *Engine, sa *IKESA) ([]Payload, error) {
	pl := make([]Payload, 0, 8)
	if t.old != nil {
		// RFC 7296 1.3.3: REKEY_SA names our inbound SPI of the old child.
		pl = append(pl, &Notify{Protocol: ProtocolID(protoOf(t.old.proto)), SPI: spiBytes(t.old.inSPI), NotifyType: NotifyRekeySA})
	}
	if t.mode == ike.ModeTransport {
		pl = append(pl, notify(NotifyUseTransportMode, nil))
	}
	pl = append(pl, toSAPayload(t.props), &Nonce{Data: t.ni})
	if t.dh != nil {
		pl = append(pl, &KE{Group: t.group, Data: t.dh.PublicValue()})
	}
	local, remote := tsPair(&t.cfg.Sel)
	pl = append(pl, toTS(false, cpOwnTS(sa, local)), toTS(true, remote))
	return pl, nil
}

func (t *createChildTask) process(e *Engine, sa *IKESA, m *Message) ike.Status {
	if n := m.ErrorNotify(); n != nil {
		t.refused(e, sa, n.NotifyType)
		return ike.StatusDone
	}
	cm := childMsgOf(m)
	nonce, ke := nonceOf(m), keOf(m)
	if err := t.check(&cm, nonce, ke); err != nil {
		sa.log.Info("CREATE_CHILD_SA response refused", "task", t.name(), "err", err)
		t.abandon(e, sa)
		return ike.StatusDone
	}
	got := cm.props[0]
	s, _ := checkChosen(t.props, got, false)
	c := &childSA{cfg: t.cfg, mode: t.mode, proto: kernelProto(got.proto), outSPI: spi32(got.spi), local: t.local, peer: t.peer,
		encr: s.encr, integ: s.integ}
	k := 0
	if c.proto == ike.ProtoAH {
		k = 1
	}
	c.inSPI = t.spis[k]
	nr := bytes.Clone(nonce.Data)
	if t.dh == nil {
		t.finish(e, sa, c, k, nr, nil)
		return ike.StatusDone
	}
	peerKE, dh, spi := bytes.Clone(ke.Data), t.dh, sa.ourSPI()
	t.dh = nil
	e.o.Exec.Go(func() func() {
		gir, err := dh.SharedSecret(peerKE)
		dh.Zero()
		return func() {
			defer clear(gir)
			if e.sas.get(spi) != sa || sa.state == stateDead {
				t.abandon(e, sa)
				return
			}
			if err != nil {
				sa.log.Info("CREATE_CHILD_SA: bad KE", "err", err)
				t.abandon(e, sa)
				return
			}
			t.finish(e, sa, c, k, nr, gir)
			e.idle(sa)
		}
	})
	return ike.StatusPending
}

// check validates a successful response: one proposal of ours with a
// 4-octet SPI, the DH group we sent a KE for (and a KE for it), our mode,
// traffic selectors inside ours.
func (t *createChildTask) check(cm *childMsg, nonce *Nonce, ke *KE) error {
	if len(cm.props) != 1 || nonce == nil {
		return fmt.Errorf("no single proposal or no nonce")
	}
	got := cm.props[0]
	s, ok := checkChosen(t.props, got, false)
	if !ok || len(got.spi) != 4 {
		return fmt.Errorf("responder chose a proposal we did not offer")
	}
	if t.group != 0 && (s.dh != t.group || ke == nil || ke.Group != t.group) {
		return fmt.Errorf("responder did not do PFS with group %d", t.group)
	}
	if t.group == 0 && (s.dh != 0 || ke != nil) {
		return fmt.Errorf("responder sent KE we did not ask for")
	}
	if cm.transport != (t.mode == ike.ModeTransport) {
		return fmt.Errorf("responder did not accept %v mode", t.mode)
	}
	local, remote := tsPair(&t.cfg.Sel)
	if len(cm.tsi) == 0 || len(cm.tsr) == 0 || !within(cm.tsi[0], local) || !within(cm.tsr[0], remote) {
		return fmt.Errorf("responder's traffic selectors are not inside ours")
	}
	return nil
}

// finish installs the child our exchange made and settles the rekey.
func (t *createChildTask) finish(e *Engine, sa *IKESA, c *childSA, k int, nr, gir []byte) {
	if err := e.installChildKeys(sa, c, true, t.ni, nr, gir); err != nil {
		sa.log.Error("cannot install CHILD_SA", "err", err)
		t.abandon(e, sa)
		return
	}
	t.spis[k] = 0
	t.release(e, sa)
	defer e.forwardChildren(sa)
	if t.old == nil {
		e.ext.stats.ChildCreated++
		e.hookChild(sa, c, HookPhase2Up)
		e.rwAnnounce(sa, c)
		return
	}
	r := t.old.rk
	r.rekeying = false
	r.ourNew, r.ourLow = c, lowest(t.ni, nr)
	c.pfs = t.old.pfs
	e.hookRekey(sa, t.old, c)
	e.settle(sa, t.old)
}

// forwardChildren hands children that an exchange finished on an IKE SA
// already replaced by a rekey (possible with a window above 1) to the
// IKE SA that replaced it.
func (e *Engine) forwardChildren(sa *IKESA) {
	if !sa.rk.replaced() || len(sa.children) == 0 {
		return
	}
	to := sa.rk.ourNew
	if to == nil || to.state != stateEstablished {
		to = sa.rk.peerNew
	}
	if to != nil && to.state == stateEstablished {
		e.moveChildren(sa, to)
	}
}

// refused handles an error notify in answer to our CREATE_CHILD_SA
// (RFC 7296 2.25).
func (t *createChildTask) refused(e *Engine, sa *IKESA, n NotifyType) {
	old := t.old
	t.abandon(e, sa)
	switch {
	case n == NotifyTemporaryFailure && old != nil:
		// RFC 7296 2.25: wait, then try again (if still needed).
		e.ext.stats.TempFailures++
		sa.log.Debug("CHILD_SA rekey: TEMPORARY_FAILURE, retrying later", "spi", fmt.Sprintf("%08x", old.inSPI))
		if !old.rk.replaced() {
			e.retryChild(old)
		}
	case n == NotifyTemporaryFailure:
		e.ext.stats.TempFailures++
		sa.log.Info("CREATE_CHILD_SA: TEMPORARY_FAILURE", "selector", t.cfg.Selector)
	case n == NotifyNoProposalChosen && old != nil && old.installed && t.group == 0 && old.pfs == 0 && sa.suite.dh != 0 && !old.rk.replaced():
		// Peers that insist on PFS (libreswan's default) refuse a rekey
		// without a KE payload: try again at once with the IKE SA's
		// group (once: a refusal with PFS ends here).
		sa.log.Info("CHILD_SA rekey without PFS refused; retrying with PFS", "spi", fmt.Sprintf("%08x", old.inSPI), "group", sa.suite.dh)
		old.pfs = sa.suite.dh
		e.rekeyChild(sa, old)
	case n == NotifyChildSANotFound && old != nil:
		// RFC 7296 2.25: the peer has no such child. If a rekey of the
		// peer's replaced it, that is all (2.8.1, second sequence);
		// otherwise drop it and make a new one from scratch.
		if old.rk.replaced() || !old.installed {
			return // replaced by the peer's rekey, or deleted by the peer
		}
		sa.log.Info("peer has no such CHILD_SA; creating it anew", "spi", fmt.Sprintf("%08x", old.inSPI))
		e.removeChild(sa, old)
		sa.forgetChild(old)
		if err := e.createChild(sa, old.cfg); err != nil {
			sa.log.Error("cannot create CHILD_SA", "err", err)
		}
	default:
		sa.log.Info("CREATE_CHILD_SA refused", "task", t.name(), "notify", n)
	}
}

// retryChild tries the rekey of c again after 2 to 12 seconds.
func (e *Engine) retryChild(c *childSA) {
	var b [1]byte
	_, _ = e.rand.Read(b[:])
	d := 2*time.Second + time.Duration(b[0])*40*time.Millisecond
	e.o.Sched.Schedule(e.now().Add(d), ike.TimerKey{Kind: timerChildRetry, Arg: uint32(c.proto), SPI: uint64(c.inSPI)})
}

// settle deletes what a finished rekey of old left redundant (RFC 7296
// 2.8.1): with one exchange, its initiator deletes old; when both peers
// rekeyed old at once, the new child made with the lowest of the four
// nonces is deleted by the peer that made it, and the other peer
// deletes old.
func (e *Engine) settle(sa *IKESA, old *childSA) {
	r := old.rk
	if r == nil || r.rekeying {
		return
	}
	switch {
	case r.ourNew != nil && r.peerNew != nil:
		e.ext.stats.Collisions++
		if bytes.Compare(r.ourLow, r.peerLow) < 0 {
			sa.log.Info("simultaneous CHILD_SA rekey: ours is redundant", "spi", fmt.Sprintf("%08x", r.ourNew.inSPI))
			r.ourNew.redundant = true
			if r.ourNew.installed {
				e.deleteChild(sa, r.ourNew)
			}
			return
		}
		sa.log.Info("simultaneous CHILD_SA rekey: ours survives", "spi", fmt.Sprintf("%08x", r.ourNew.inSPI))
		r.peerNew.redundant = true // the peer deletes it
		e.ext.stats.ChildRekeys++
		e.retireChild(sa, old)
	case r.ourNew != nil:
		e.ext.stats.ChildRekeys++
		e.retireChild(sa, old)
	}
}

// respondCreateChild answers CREATE_CHILD_SA: an IKE SA rekey, a child
// rekey (REKEY_SA) or a new child.
func (e *Engine) respondCreateChild(sa *IKESA, m *Message) ([]Payload, ike.Status) {
	sap := getSA(m)
	if sap != nil && len(sap.Proposals) > 0 && uint8(sap.Proposals[0].Protocol) == protoIKE {
		return e.respondIKERekey(sa, m)
	}
	nonce, ke := nonceOf(m), keOf(m)
	if sap == nil || nonce == nil {
		return []Payload{notify(NotifyInvalidSyntax, nil)}, ike.StatusDone
	}
	if sa.state != stateEstablished || sa.rk != nil {
		// RFC 7296 2.25.2: we are rekeying or closing the IKE SA.
		return []Payload{notify(NotifyTemporaryFailure, nil)}, ike.StatusDone
	}
	var old *childSA
	if n := m.Notify(NotifyRekeySA); n != nil {
		proto := kernelProto(uint8(n.Protocol))
		if len(n.SPI) == 4 {
			old = sa.childBySPI(proto, spi32(n.SPI), false)
		}
		if old == nil || old.rk.replaced() {
			// RFC 7296 2.25: CHILD_SA_NOT_FOUND carries the SPI of REKEY_SA.
			return []Payload{&Notify{Protocol: n.Protocol, SPI: bytes.Clone(n.SPI), NotifyType: NotifyChildSANotFound}}, ike.StatusDone
		}
	}
	cm := childMsgOf(m)
	cands := e.cfg.ChildrenOf(sa.peer.Name)
	if old != nil {
		cands = []*ike.ChildConfig{old.cfg}
	}
	tsFound := false
	for _, ch := range cands {
		if (childMode(ch) == ike.ModeTransport) != cm.transport {
			continue
		}
		ni, nr, ok := narrow(&ch.Sel, cm.tsi, cm.tsr)
		if !ok {
			continue
		}
		ni = cpPeerTS(sa, ni) // cp.go
		tsFound = true
		want := pfsGroup(sa, ch)
		group := want
		if ke != nil && (want == 0 || ke.Group == want || ke.Group == sa.suite.dh) {
			group = ke.Group // the initiator's PFS group, if one we accept
		}
		chosen, s, ok := choose(cm.props, childProposals(ch.Proposals, 0, group), sa.peer.ProposalCheck, false)
		if !ok || len(chosen.spi) != 4 || want != 0 && s.dh == 0 {
			continue
		}
		if s.dh != 0 && (ke == nil || ke.Group != s.dh) {
			return []Payload{notify(NotifyInvalidKEPayload, u16Data(s.dh))}, ike.StatusDone
		}
		r := &childResp{cfg: ch, chosen: chosen, s: s, tsi: ni, tsr: nr, old: old, transport: cm.transport,
			ni: bytes.Clone(nonce.Data), hdr: m.Header}
		if ke != nil && s.dh != 0 {
			r.peerKE = bytes.Clone(ke.Data)
		}
		return e.answerChild(sa, r)
	}
	if tsFound {
		return []Payload{notify(NotifyNoProposalChosen, nil)}, ike.StatusDone
	}
	return []Payload{notify(NotifyTSUnacceptable, nil)}, ike.StatusDone
}

// childResp is what answering a CREATE_CHILD_SA keeps across the worker.
type childResp struct {
	cfg       *ike.ChildConfig
	chosen    prop
	s         suite
	tsi, tsr  tsRange
	old       *childSA
	transport bool
	ni, nr    []byte
	peerKE    []byte
	hdr       Header
}

// answerChild makes the responder's child: SPI, nonce, and with PFS our
// DH value and g^ir on a worker (the response then goes out later).
func (e *Engine) answerChild(sa *IKESA, r *childResp) ([]Payload, ike.Status) {
	nr, err := e.random(nonceSize(sa.peer))
	if err != nil {
		return []Payload{notify(NotifyTemporaryFailure, nil)}, ike.StatusDone
	}
	r.nr = nr
	if r.old != nil && r.old.rk == nil {
		r.old.rk = &childRekey{}
	}
	if r.peerKE == nil {
		return e.childAnswered(sa, r, nil, nil), ike.StatusDone
	}
	spi, rnd, group, peerKE := sa.ourSPI(), e.rand, r.s.dh, r.peerKE
	if r.old != nil {
		r.old.rk.answering = true // abandon of our own rekey keeps rk
	}
	e.o.Exec.Go(func() func() {
		k, err := newDHKey(group, rnd)
		var gir, pub []byte
		if err == nil {
			gir, err = k.SharedSecret(peerKE)
			pub = k.PublicValue()
			k.Zero()
		}
		return func() {
			defer clear(gir)
			if r.old != nil {
				r.old.rk.answering = false
			}
			if e.sas.get(spi) != sa || sa.state == stateDead {
				return
			}
			var out []Payload
			if err != nil {
				sa.log.Info("CREATE_CHILD_SA: bad KE", "err", err)
				out = []Payload{notify(NotifyInvalidSyntax, nil)}
			} else {
				out = e.childAnswered(sa, r, gir, pub)
			}
			e.respond(sa, &r.hdr, out)
			e.idle(sa)
		}
	})
	return nil, ike.StatusPending
}

// childAnswered installs the responder's child and builds the response.
func (e *Engine) childAnswered(sa *IKESA, r *childResp, gir, pub []byte) []Payload {
	ch := r.cfg
	// A peer that made it with PFS gets PFS in our rekeys of it too.
	c := &childSA{cfg: ch, mode: childMode(ch), proto: kernelProto(r.chosen.proto),
		outSPI: spi32(r.chosen.spi), encr: r.s.encr, integ: r.s.integ, pfs: r.s.dh}
	local, peer := saAddrs(sa, ch, c.mode)
	spi, err := e.o.Kernel.GetSPI(peer, local, c.proto, c.mode, ch.ReqID)
	if err != nil {
		e.stats.KernelErrors++
		sa.log.Error("GetSPI failed", "err", err)
		return []Payload{notify(NotifyTemporaryFailure, nil)}
	}
	c.inSPI = spi
	if err := e.installChildKeys(sa, c, false, r.ni, r.nr, gir); err != nil {
		sa.log.Error("cannot install CHILD_SA", "err", err)
		_ = e.o.Kernel.DeleteSA(ike.SAID{Src: peer, Dst: local, Proto: c.proto, SPI: spi})
		return []Payload{notify(NotifyTemporaryFailure, nil)}
	}
	chosen := r.chosen
	chosen.spi = spiBytes(spi)
	out := make([]Payload, 0, 6)
	if r.transport {
		out = append(out, notify(NotifyUseTransportMode, nil))
	}
	out = append(out, toSAPayload([]prop{chosen}), &Nonce{Data: r.nr})
	if pub != nil {
		out = append(out, &KE{Group: r.s.dh, Data: pub})
	}
	out = append(out, toTS(false, r.tsi), toTS(true, r.tsr))
	if old := r.old; old != nil && old.installed {
		old.rk.peerNew, old.rk.peerLow = c, lowest(r.ni, r.nr)
		e.ext.stats.ChildRekeyedBy++
		e.hookRekey(sa, old, c)
		e.settle(sa, old)
	} else {
		e.ext.stats.ChildCreated++
		e.hookChild(sa, c, HookPhase2Up)
		e.rwAnnounce(sa, c)
	}
	return out
}

// dropTasks gives back what requests that will never be sent or answered
// hold: larval SPIs and DH keys.
func (e *Engine) dropTasks(sa *IKESA, ts []task) {
	for _, t := range ts {
		switch t := t.(type) {
		case *createChildTask:
			t.abandon(e, sa)
		case *ikeRekeyTask:
			if t.dh != nil {
				t.dh.Zero()
				t.dh = nil
			}
		}
	}
}

// childPending reports whether a CREATE_CHILD_SA for ch is queued or in
// flight on sa.
func childPending(sa *IKESA, ch *ike.ChildConfig) bool {
	for _, t := range sa.queue {
		if c, ok := t.(*createChildTask); ok && c.cfg == ch {
			return true
		}
	}
	for i := range sa.mgr.out {
		if c, ok := sa.mgr.out[i].t.(*createChildTask); ok && c.cfg == ch {
			return true
		}
	}
	return false
}

// childBusy reports whether we are creating, rekeying or closing a child
// (a CREATE_CHILD_SA or a child Delete in flight), when RFC 7296 2.25.1
// wants TEMPORARY_FAILURE for a rekey of the IKE SA.
func childBusy(sa *IKESA) bool {
	for i := range sa.mgr.out {
		switch t := sa.mgr.out[i].t.(type) {
		case *createChildTask:
			return true
		case *deleteTask:
			if !t.ike {
				return true
			}
		}
	}
	return false
}
