package spmd

import (
	"fmt"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// InstallBoot installs the policies of the configuration's selectors, in
// configuration order (reference section 9.3.2). Selectors iked will add
// itself (tunnels to IP_RW, address pools), `install off` and FQDN ones are
// skipped; one that cannot be built or that the kernel refuses is logged
// and skipped. A selector whose policy cannot ever be installed (both
// sides macros, no direction, auto_ipsec without level or mode) is a
// configuration error: the policies installed so far are removed and the
// error returned (racoon2 exited and left them).
func (s *Server) InstallBoot() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sel := range s.cfg.Selectors() {
		ok, err := s.bootOne(sel)
		if err != nil {
			s.flushLocked()
			return err
		}
		if ok {
			n++
		}
	}
	s.log.Info("boot-time policies installed", "selectors", n, "kernel_policies", len(s.table.list))
	return nil
}

func (s *Server) bootOne(sel *Selector) (bool, error) {
	pl := sel.Policy
	log := s.log.With("selector", sel.Index)
	switch {
	case pl == nil:
		log.Debug("no policy: skipped")
		return false, nil
	case sel.Src.FQDN != "" || sel.Dst.FQDN != "":
		log.Warn("FQDN selector needs the DNS resolver, which is not built: disregard this SP")
		return false, nil
	case !sel.Src.Numeric() && !sel.Dst.Numeric():
		return false, fmt.Errorf("selector %s: Not supported: both src and dst are macro", sel.Index)
	case sel.Dir != ike.DirIn && sel.Dir != ike.DirOut:
		return false, fmt.Errorf("selector %s: dir=0 not supported (no direction)", sel.Index)
	case pl.Action == ActionAutoIPsec && pl.Level == 0:
		return false, fmt.Errorf("policy %s: seclevel=0 not supported (no ipsec_level)", pl.Index)
	case pl.Action == ActionAutoIPsec && pl.Mode == ike.ModeAny:
		return false, fmt.Errorf("policy %s: samode=0 not supported (no ipsec_mode)", pl.Index)
	case pl.Action == ActionAutoIPsec && pl.Mode == ike.ModeTunnel &&
		(pl.MySA.Macro == "IP_RW" || pl.PeersSA.Macro == "IP_RW"):
		log.Debug("road-warrior tunnel: iked adds it with POLICY ADD")
		return false, nil
	case pl.AddressPool:
		log.Debug("address pool: iked adds it after CP")
		return false, nil
	case !pl.Install:
		log.Debug("install off: skipped")
		return false, nil
	case sel.Tagged != "":
		log.Warn("Maybe can't set SP: tagged selectors (pf tags) are not supported", "tag", sel.Tagged)
		return false, nil
	}
	sp, err := bootSpec(sel)
	if err == nil {
		var p *ike.Policy
		if p, err = build(sp); err == nil {
			_, err = s.install(sel.Index, p, time.Time{})
		}
	}
	if err != nil {
		log.Warn("Maybe can't set SP", "err", err)
		return false, nil
	}
	log.Debug("policy installed", "src", sp.src, "dst", sp.dst, "dir", sel.Dir)
	return true, nil
}

// Flush removes every policy spmd installed (boot-time and POLICY ADD,
// forward twins included), as racoon2 does on SIGTERM. It returns how
// many the kernel refused to remove.
func (s *Server) Flush() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

func (s *Server) flushLocked() int {
	if s.timer != nil {
		s.timer.Stop()
	}
	failed := 0
	for len(s.table.list) > 0 {
		e := s.table.list[len(s.table.list)-1]
		if err := s.uninstall(e); err != nil {
			failed++
			s.log.Warn("flush: kernel refused to delete policy", "selector", e.sel, "id", e.pol.ID, "err", err)
		}
	}
	s.log.Info("policies flushed", "failed", failed)
	return failed
}

// Policies lists what spmd has installed as (selector, kernel id) pairs,
// in install order (POLICY DUMP's content).
func (s *Server) Policies() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked()
	out := make([][2]string, 0, len(s.table.list))
	for _, e := range s.table.list {
		out = append(out, [2]string{e.sel, fmt.Sprint(e.pol.ID)})
	}
	return out
}

// expireLocked forgets policies whose lifetime has ended: the kernel removed
// those it was given a lifetime for (racoon2 on Linux kept listing them),
// and spmd removes the others itself.
func (s *Server) expireLocked() {
	for _, e := range s.table.due(s.opts.Now()) {
		if !e.ours {
			s.table.remove(e)
			continue
		}
		if err := s.uninstall(e); err != nil {
			s.log.Warn("lifetime ended: kernel refused to delete policy", "selector", e.sel, "id", e.pol.ID, "err", err)
		} else {
			s.log.Info("lifetime ended: policy removed", "selector", e.sel, "id", e.pol.ID)
		}
	}
}

// armLocked sets the one expiry timer to the earliest lifetime spmd
// enforces itself.
func (s *Server) armLocked() {
	at, ok := s.table.next()
	if !ok {
		if s.timer != nil {
			s.timer.Stop()
		}
		return
	}
	d := max(at.Sub(s.opts.Now()), 0)
	if s.timer == nil {
		s.timer = time.AfterFunc(d, s.onTimer)
		return
	}
	s.timer.Reset(d)
}

func (s *Server) onTimer() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.expireLocked()
	s.armLocked()
}
