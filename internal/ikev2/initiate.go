package ikev2

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/racoon2go/iked/internal/ike"
)

// HandleKernelEvent processes an ACQUIRE or EXPIRE from the kernel and
// reports whether it was this engine's: an EXPIRE for an SPI of ours, or an
// ACQUIRE when IKEv2 has selectors to negotiate. MIGRATE is not handled.
func (e *Engine) HandleKernelEvent(ev ike.Event) bool {
	switch v := ev.(type) {
	case *ike.Acquire:
		if len(e.cfg.Children) == 0 {
			return false
		}
		e.handleAcquire(v)
		return true
	case *ike.Expire:
		return e.handleExpire(v)
	case *ike.Migrate:
		return e.handleMigrate(v) // hooks.go
	}
	return false
}

// Initiate starts a negotiation now: -I peer or -S selector (racoon2 3.5;
// -S wins when both are given).
func (e *Engine) Initiate(peer netip.Addr, selector string) error {
	if selector != "" {
		ch := e.cfg.ChildBySelector(selector)
		if ch == nil {
			return ike.ErrNotMine
		}
		_, err := e.initiate(ch, peer)
		return err
	}
	return e.InitiatePeer(peer)
}

// handleAcquire starts a negotiation for traffic that hit an IPsec policy:
// the policy id is resolved to a selector through spmd (SLID), or is the
// selector itself with -D 8 (racoon2 3.5). Duplicate ACQUIREs (same seq)
// are ignored.
func (e *Engine) handleAcquire(a *ike.Acquire) {
	if e.closing {
		return
	}
	if _, dup := e.acquires[a.Seq]; dup {
		e.stats.AcquireDup++
		return
	}
	e.acquires[a.Seq] = acquireRef{a: a}
	if e.o.Policy == nil || e.o.DebugSPMIF {
		e.acquireSelector(a, strconv.FormatUint(uint64(a.PolicyID), 10))
		return
	}
	e.o.Policy.SLID(a.PolicyID, func(sel string, err error) {
		if err != nil {
			e.log.Info("ACQUIRE: SLID failed", "policy-id", a.PolicyID, "err", err)
			delete(e.acquires, a.Seq)
			return
		}
		e.acquireSelector(a, sel)
	})
}

func (e *Engine) acquireSelector(a *ike.Acquire, idx string) {
	sa, err := e.initiateSelector(idx, a.Dst)
	if err != nil {
		e.log.Info("ACQUIRE dropped", "seq", a.Seq, "selector", idx, "err", err)
		delete(e.acquires, a.Seq)
		return
	}
	if sa == nil {
		// An SA for that selector is already being negotiated or up.
		e.stats.AcquireDup++
		delete(e.acquires, a.Seq)
		return
	}
	e.acquires[a.Seq] = acquireRef{spi: sa.ourSPI(), a: a}
}

// InitiateSelector starts an IKE SA for selector idx (-S).
func (e *Engine) InitiateSelector(idx string) error {
	_, err := e.initiateSelector(idx, netip.Addr{})
	return err
}

// InitiatePeer starts an IKE SA toward addr (-I): the selector is the
// first one whose addresses hold our address toward addr and addr.
func (e *Engine) InitiatePeer(addr netip.Addr) error {
	local := e.localAddr(addr)
	ch := e.cfg.ChildByAddrs(local, addr)
	if ch == nil {
		for _, c := range e.cfg.Children {
			if c.Sel.Dst.Contains(addr) {
				ch = c // our address is unknown: match the peer side only
				break
			}
		}
	}
	if ch == nil {
		return fmt.Errorf("ikev2: no selector for %v -> %v: %w", local, addr, ike.ErrNotMine)
	}
	_, err := e.initiate(ch, addr)
	return err
}

func (e *Engine) localAddr(peer netip.Addr) netip.Addr {
	if e.o.LocalAddr != nil {
		if a := e.o.LocalAddr(peer); a.IsValid() {
			return a
		}
	}
	if peer.Is4() {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

func (e *Engine) initiateSelector(idx string, dst netip.Addr) (*IKESA, error) {
	ch := e.cfg.ChildBySelector(idx)
	if ch == nil {
		return nil, fmt.Errorf("ikev2: no selector %q", idx)
	}
	return e.initiate(ch, dst)
}

// initiate starts an IKE SA with the remote of selector ch, unless one for
// that selector exists already (then it returns nil, nil). With an IKE SA
// to that remote up, ch becomes another child of it; with one of ours
// still being set up, ch waits for it (and that SA is returned), so that
// two selectors hit at once share one IKE SA, as with strongSwan.
func (e *Engine) initiate(ch *ike.ChildConfig, dst netip.Addr) (*IKESA, error) {
	peer := e.cfg.PeerByName(ch.Remote)
	if peer == nil {
		return nil, fmt.Errorf("ikev2: selector %q: no remote %q", ch.Selector, ch.Remote)
	}
	if peer.Passive {
		return nil, fmt.Errorf("ikev2: remote %q is passive", peer.Name)
	}
	var up, setup *IKESA
	for _, sa := range e.sas.bySPI {
		if sa.peer != peer || sa.state > stateEstablished {
			continue
		}
		if sa.childCfg == ch || childPending(sa, ch) || hasChild(sa, ch) {
			return nil, nil
		}
		switch {
		case sa.state == stateEstablished && !sa.rk.replaced():
			up = sa
		case sa.state < stateEstablished && sa.initiator() && sa.hs != nil:
			setup = sa
		}
	}
	if up != nil {
		// RFC 7296 1.3.1: another child on the established IKE SA.
		return nil, e.createChild(up, ch)
	}
	if setup != nil {
		setup.hs.later = append(setup.hs.later, ch)
		setup.log.Debug("CHILD_SA waits for the IKE SA", "selector", ch.Selector)
		return setup, nil
	}
	var to netip.Addr
	for _, a := range peer.Addrs {
		if a.IsValid() && !a.IsUnspecified() {
			to = a
			break
		}
	}
	if !to.IsValid() {
		to = dst
	}
	if !to.IsValid() {
		return nil, errors.New("ikev2: no peer address: peers_ipaddr is not set and no ACQUIRE gave one")
	}
	port := e.cfg.Port
	if port == 0 {
		port = ike.PortIKE
	}
	lport := e.o.LocalPort
	if lport == 0 {
		lport = port
	}
	local := netip.AddrPortFrom(e.localAddr(to), lport)
	return e.startIKE(peer, ch, local, netip.AddrPortFrom(to, port))
}

// hasChild reports whether sa has, or will make, a child for ch.
func hasChild(sa *IKESA, ch *ike.ChildConfig) bool {
	for _, c := range sa.children {
		if c.cfg == ch {
			return true
		}
	}
	return sa.hs != nil && slices.Contains(sa.hs.later, ch)
}

// createLater starts the children that waited for sa (initiate).
func (e *Engine) createLater(sa *IKESA, later []*ike.ChildConfig) {
	for _, ch := range later {
		if err := e.createChild(sa, ch); err != nil {
			sa.log.Info("CHILD_SA not started", "selector", ch.Selector, "err", err)
		}
	}
}

// handleExpire reacts to a kernel lifetime report: a hard expiry deletes
// the child on both sides; a soft one starts a rekey (task_child.go).
func (e *Engine) handleExpire(x *ike.Expire) bool {
	sa, c := e.childByKernel(x.SAID) // index: task_child.go
	if c == nil {
		return false
	}
	if !x.Hard {
		e.softExpire(sa, c, x) // task_child.go
		e.idle(sa)
		return true
	}
	sa.log.Info("CHILD_SA hard lifetime reached", "spi", fmt.Sprintf("%08x", x.SPI))
	e.deleteHardExpired(sa, c) // task_child.go
	e.idle(sa)
	return true
}
