package ikev2

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/racoon2go/iked/internal/ike"
)

// saAddrs returns the addresses of a child's kernel SAs: the tunnel
// endpoints of the policy (my_sa_ipaddr, peers_sa_ipaddr) in tunnel mode
// when configured, the IKE addresses otherwise.
func saAddrs(sa *IKESA, ch *ike.ChildConfig, mode ike.Mode) (local, peer netip.Addr) {
	local, peer = sa.local.Addr(), sa.remote.Addr()
	if mode == ike.ModeTunnel && ch != nil {
		if ch.SALocal.IsValid() && !ch.SALocal.IsUnspecified() {
			local = ch.SALocal
		}
		if ch.SAPeer.IsValid() && !ch.SAPeer.IsUnspecified() {
			peer = ch.SAPeer
		}
	}
	return local, peer
}

func childMode(ch *ike.ChildConfig) ike.Mode {
	if ch.Mode == ike.ModeTransport {
		return ike.ModeTransport
	}
	return ike.ModeTunnel
}

// prepareChild reserves our inbound SPIs (one per protocol proposed) and
// builds the child's proposals.
func (e *Engine) prepareChild(sa *IKESA, ch *ike.ChildConfig) (*childSA, []prop, error) {
	c := &childSA{cfg: ch, mode: childMode(ch)}
	local, peer := saAddrs(sa, ch, c.mode)
	props := childProposals(ch.Proposals, 0, 0)
	var spis [2]uint32 // ESP, AH
	for i := range props {
		k := 0
		if props[i].proto == protoAH {
			k = 1
		}
		if spis[k] == 0 {
			spi, err := e.o.Kernel.GetSPI(peer, local, kernelProto(props[i].proto), c.mode, ch.ReqID)
			if err != nil {
				e.stats.KernelErrors++
				return nil, nil, fmt.Errorf("GetSPI: %w", err)
			}
			spis[k] = spi
		}
		props[i].spi = spiBytes(spis[k])
	}
	sa.hs.childSPIs = spis
	return c, props, nil
}

// dropLarval releases inbound SPIs reserved for a child that did not
// come about.
func (e *Engine) dropLarval(sa *IKESA) {
	if sa.hs == nil || sa.hs.child == nil {
		return
	}
	local, peer := saAddrs(sa, sa.hs.child.cfg, sa.hs.child.mode)
	for i, spi := range sa.hs.childSPIs {
		if spi == 0 {
			continue
		}
		proto := ike.ProtoESP
		if i == 1 {
			proto = ike.ProtoAH
		}
		_ = e.o.Kernel.DeleteSA(ike.SAID{Src: peer, Dst: local, Proto: proto, SPI: spi})
	}
	sa.hs.childSPIs = [2]uint32{}
	sa.hs.child = nil
}

// finishChild completes the initiator's first CHILD_SA from the IKE_AUTH
// response: the chosen proposal must be one of ours, the traffic
// selectors inside what we asked, the mode the one we asked.
func (e *Engine) finishChild(sa *IKESA, c *childSA, m *childMsg) error {
	if m.errNotify != 0 {
		return fmt.Errorf("peer refused the CHILD_SA: %v", m.errNotify)
	}
	if len(m.props) != 1 {
		return errors.New("no single proposal chosen")
	}
	got := m.props[0]
	s, ok := checkChosen(sa.hs.childProps, got, false)
	if !ok || len(got.spi) != 4 {
		return errors.New("responder chose a proposal we did not offer")
	}
	if m.transport != (c.mode == ike.ModeTransport) {
		return fmt.Errorf("responder did not accept %v mode", c.mode)
	}
	local, remote := tsPair(&c.cfg.Sel)
	tsi, tsr := m.tsi, m.tsr
	if len(tsi) == 0 || len(tsr) == 0 || !within(tsi[0], local) || !within(tsr[0], remote) {
		return errors.New("responder's traffic selectors are not inside ours")
	}
	c.proto = kernelProto(got.proto)
	k := 0
	if c.proto == ike.ProtoAH {
		k = 1
	}
	c.inSPI = sa.hs.childSPIs[k]
	c.outSPI = spi32(got.spi)
	c.encr, c.integ = s.encr, s.integ
	if err := e.installChild(sa, c); err != nil {
		return err
	}
	// Only the SPI of the protocol not chosen is left to give back.
	sa.hs.childSPIs[k] = 0
	e.dropLarval(sa)
	sa.hs.child = nil
	return nil
}

// respondChild picks, for the first CHILD_SA, the first outbound selector
// of the remote whose mode matches the request and whose range overlaps
// the peer's traffic selectors, then a proposal of its ipsec{} (racoon2
// ike_conf.c), and installs the SAs. Failures become the notify sent back.
func (e *Engine) respondChild(sa *IKESA, m *childMsg) []Payload {
	transport := m.transport
	peerProps := m.props
	tsi, tsr := m.tsi, m.tsr
	tsFound := false
	for _, ch := range e.cfg.ChildrenOf(sa.peer.Name) {
		if (childMode(ch) == ike.ModeTransport) != transport {
			continue
		}
		ni, nr, ok := narrow(&ch.Sel, tsi, tsr)
		if !ok {
			continue
		}
		tsFound = true
		chosen, s, ok := choose(peerProps, childProposals(ch.Proposals, 0, 0), sa.peer.ProposalCheck, false)
		if !ok || len(chosen.spi) != 4 {
			continue
		}
		c := &childSA{cfg: ch, mode: childMode(ch), proto: kernelProto(chosen.proto),
			outSPI: spi32(chosen.spi), encr: s.encr, integ: s.integ}
		local, peer := saAddrs(sa, ch, c.mode)
		spi, err := e.o.Kernel.GetSPI(peer, local, c.proto, c.mode, ch.ReqID)
		if err != nil {
			e.stats.KernelErrors++
			sa.log.Error("GetSPI failed", "err", err)
			return []Payload{notify(NotifyTemporaryFailure, nil)}
		}
		c.inSPI = spi
		if err := e.installChild(sa, c); err != nil {
			sa.log.Error("cannot install CHILD_SA", "err", err)
			_ = e.o.Kernel.DeleteSA(ike.SAID{Src: peer, Dst: local, Proto: c.proto, SPI: spi})
			return []Payload{notify(NotifyTemporaryFailure, nil)}
		}
		chosen.spi = spiBytes(spi)
		var out []Payload
		if transport {
			out = append(out, notify(NotifyUseTransportMode, nil))
		}
		return append(out, toSAPayload([]prop{chosen}), toTS(false, ni), toTS(true, nr))
	}
	if tsFound {
		sa.log.Info("CHILD_SA: no proposal chosen")
		return []Payload{notify(NotifyNoProposalChosen, nil)}
	}
	sa.log.Info("CHILD_SA: traffic selectors unacceptable")
	return []Payload{notify(NotifyTSUnacceptable, nil)}
}

// installChild derives the child's keys and installs both kernel SAs:
// the inbound one completes the larval SA from GetSPI, the outbound one
// is added.
func (e *Engine) installChild(sa *IKESA, c *childSA) error {
	return e.installChildKeys(sa, c, sa.initiator(), sa.hs.nonceI, sa.hs.nonceR, nil)
}

// installChildKeys is installChild with the nonces and PFS shared secret
// of the exchange that made the child (IKE_AUTH or CREATE_CHILD_SA).
// exchInit says whether we initiated that exchange: RFC 7296 2.17 takes the
// initiator-to-responder keys first, and for CREATE_CHILD_SA the initiator is
// whoever sent the request, not whoever began the IKE SA.
func (e *Engine) installChildKeys(sa *IKESA, c *childSA, exchInit bool, ni, nr, gir []byte) error {
	keys, err := childKeys(sa.keys.prf, sa.keys.d(), gir, ni, nr, c.encr, c.integ)
	if err != nil {
		return err
	}
	defer keys.Zero()
	eI, aI, eR, aR := keys.EncrI, keys.IntegI, keys.EncrR, keys.IntegR
	inE, inA, outE, outA := eR, aR, eI, aI
	if !exchInit {
		inE, inA, outE, outA = eI, aI, eR, aR
	}
	local, peer := saAddrs(sa, c.cfg, c.mode)
	larval := ike.SAID{Src: c.peer, Dst: c.local, Proto: c.proto, SPI: c.inSPI} // natt.go
	c.local, c.peer = local, peer
	base := ike.SA{Proto: c.proto, Mode: c.mode, ReqID: c.cfg.ReqID,
		EncrID: c.encr.ID, EncrKeyBits: int(c.encr.KeyBits), IntegID: c.integ,
		ReplayWindow: c.cfg.Replay, Lifetime: e.childLifetime(c.cfg)}
	if sa.natLocal || sa.natRemote {
		base.Encap = &ike.Encap{SrcPort: sa.local.Port(), DstPort: sa.remote.Port()}
	}
	in := base
	in.Src, in.Dst, in.SPI, in.EncrKey, in.IntegKey = peer, local, c.inSPI, inE, inA
	if in.Encap != nil {
		in.Encap = &ike.Encap{SrcPort: sa.remote.Port(), DstPort: sa.local.Port()}
	}
	if err := e.completeLarval(&in, larval); err != nil {
		e.stats.KernelErrors++
		return fmt.Errorf("inbound SA %08x: %w", c.inSPI, err)
	}
	out := base
	out.Src, out.Dst, out.SPI, out.EncrKey, out.IntegKey = local, peer, c.outSPI, outE, outA
	if err := e.o.Kernel.AddSA(&out); err != nil {
		e.stats.KernelErrors++
		_ = e.o.Kernel.DeleteSA(ike.SAID{Src: peer, Dst: local, Proto: c.proto, SPI: c.inSPI})
		return fmt.Errorf("outbound SA %08x: %w", c.outSPI, err)
	}
	c.installed = true
	sa.children = append(sa.children, c)
	e.childInstalled(sa, c) // task_child.go
	e.stats.ChildInstalled++
	sa.log.Info("CHILD_SA installed", "selector", c.cfg.Selector, "proto", c.proto, "mode", c.mode,
		"spi-in", fmt.Sprintf("%08x", c.inSPI), "spi-out", fmt.Sprintf("%08x", c.outSPI))
	return nil
}

// childLifetime is the configured hard lifetime with racoon2's soft
// lifetime of 0.8 to 0.9 of it when none is set.
func (e *Engine) childLifetime(ch *ike.ChildConfig) ike.Lifetime {
	l := ch.Lifetime
	if l.SoftTime == 0 && l.HardTime > 0 {
		l.SoftTime = e.jitter(l.HardTime)
	}
	if l.SoftBytes == 0 && l.HardBytes > 0 {
		l.SoftBytes = e.softOf(l.HardBytes) // racoon2: 0.8-0.9 for bytes too
	}
	return l
}

// deleteKernelSA removes one SA. An SA the kernel no longer has is not an
// error: kernels remove SAs at their hard lifetime themselves, and with
// hardGone set the engine knows it is removing children for that reason.
func (e *Engine) deleteKernelSA(sa *IKESA, id ike.SAID, dir string) {
	err := e.o.Kernel.DeleteSA(id)
	if err == nil || ike.IsNoSA(err) || e.ext.hardGone {
		return
	}
	e.stats.KernelErrors++
	sa.log.Info("cannot delete "+dir+" SA", "spi", fmt.Sprintf("%08x", id.SPI), "err", err)
}

// removeChild deletes a child's kernel SAs.
func (e *Engine) removeChild(sa *IKESA, c *childSA) {
	if !c.installed {
		return
	}
	c.installed = false
	local, peer := c.addrs(sa)
	e.deleteKernelSA(sa, ike.SAID{Src: peer, Dst: local, Proto: c.proto, SPI: c.inSPI}, "inbound")
	e.deleteKernelSA(sa, ike.SAID{Src: local, Dst: peer, Proto: c.proto, SPI: c.outSPI}, "outbound")
	e.stats.ChildDeleted++
	e.childRemoved(sa, c) // task_child.go
	sa.log.Info("CHILD_SA removed", "proto", c.proto, "spi-in", fmt.Sprintf("%08x", c.inSPI), "spi-out", fmt.Sprintf("%08x", c.outSPI))
}

// forgetChild removes c from sa's list.
func (sa *IKESA) forgetChild(c *childSA) {
	for i, x := range sa.children {
		if x == c {
			sa.children = append(sa.children[:i], sa.children[i+1:]...)
			return
		}
	}
}
