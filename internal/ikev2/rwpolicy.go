package ikev2

import (
	"net/netip"

	"github.com/racoon2go/iked/internal/ike"
)

// Dynamic policies for road warriors (racoon2 reference 5.4 "When iked
// sends POLICY ADD" (b), and 1.4 policy{} my_sa_ipaddr/peers_sa_ipaddr):
// spmd installs no boot-time kernel policy for a tunnel policy whose
// peers_sa_ipaddr or my_sa_ipaddr is IP_RW (reference 9.3.2), so iked asks
// for it when a child for that policy is made and no configuration
// payload address was leased (that is case (a), cp.go):
//
//	POLICY ADD <outbound selector> <ipsec_sa_lifetime_time> <mode>
//	           <selector src>/<plen> <selector dst>/<plen> [<local> <remote>]
//
// The traffic addresses are the outbound selector's src and dst as
// configured, not the negotiated traffic selectors: racoon2 posts the
// selector's own address lists (ike_spmif_post_policy_add), spmd builds
// both kernel policies from the named selector and its reverse, and its
// POLICY DELETE matches the addresses given, so both commands must carry
// the configured ones. The tunnel endpoints are the IKE SA's actual
// addresses (the peer's public address behind a NAT: what IP_RW stands
// for), or a numeric my_sa_ipaddr/peers_sa_ipaddr where one is configured
// (saAddrs), as the kernel SAs use. The withdrawal is two POLICY DELETEs,
// of the selector and of its reverse (policyDelete).
//
// Where this differs from racoon2, or racoon2 is silent:
//   - The reverse (inbound) selector must exist, as racoon2 checks before
//     posting; conf sets ChildConfig.DynamicPolicy only then (and names
//     it in ReverseSelector). racoon2 fails the child when it is missing;
//     here the child is made without an announcement.
//   - racoon2 posts only as the responder of the exchange that made the
//     child. An initiator with an IP_RW policy (started by -S or -I: with
//     no kernel policy there is no ACQUIRE) would get no policy at all,
//     so both sides announce here.
//   - racoon2 sends POLICY DELETE when any child of the policy is
//     destroyed, a rekeyed one included, which withdraws the policy its
//     successor still uses. Here the announcement passes to the child that
//     replaced it and is withdrawn when the last of the line goes.
//   - racoon2 never announces again after a rekey, so the kernel policy
//     dies at its hard lifetime (the IPsec SA's) under a rekeyed child.
//     Here the successor posts the same POLICY ADD again, which spmd
//     re-installs (reference 9.3.6), restarting the policy's lifetime.
//   - racoon2 posts without a callback and never sees spmd's answer; a
//     failure is logged here, and never fails the child.
//   - When the peer's address changes under the IKE SA (natt.go), the
//     policies are announced anew with the new endpoint and those naming
//     the old one withdrawn (followPolicies).

// rwAnnounce sends POLICY ADD for a new child (not a rekey) of a dynamic
// policy.
func (e *Engine) rwAnnounce(sa *IKESA, c *childSA) {
	if !c.cfg.DynamicPolicy || c.rw != nil || e.o.Policy == nil {
		return
	}
	for _, o := range sa.children {
		if o != c && o.cfg == c.cfg && o.rw != nil {
			return // announced for this selector already: spmd keys by selector
		}
	}
	if l := sa.cp; l != nil && (l.addr4.IsValid() || l.addr6.IsValid()) {
		return // case (a): the lease is announced instead (cp.go)
	}
	req := ike.PolicyRequest{Selector: c.cfg.Selector, Lifetime: uint64(c.cfg.Lifetime.HardTime.Seconds()),
		Mode: c.mode, Src: c.cfg.Sel.Src, Dst: c.cfg.Sel.Dst}
	if c.mode == ike.ModeTunnel {
		req.SASrc, req.SADst = c.addrs(sa)
	}
	c.rw = &req
	sa.log.Info("announcing dynamic policy", "selector", req.Selector, "sa-src", req.SASrc, "sa-dst", req.SADst)
	e.policyAdd(req)
}

// rwChildGone withdraws c's dynamic policy, unless another installed child
// of its selector (one that replaced c by a rekey, or the survivor of a
// collision whose rekey finished after c went) inherits it: spmd keys the
// policy by selector, so withdrawing it would leave that child without.
func (e *Engine) rwChildGone(sa *IKESA, c *childSA) {
	req := c.rw
	if req == nil {
		return
	}
	c.rw = nil
	if n := rwHeir(sa, c); n != nil {
		n.rw = req
		e.policyAdd(*req) // restart its lifetime
		return
	}
	e.policyDelete(*req, c.cfg.ReverseSelector)
}

// rwHeir returns the installed child that takes c's announcement: one that
// replaced c by a rekey, else another child of c's selector.
func rwHeir(sa *IKESA, c *childSA) *childSA {
	takes := func(n *childSA) bool {
		return n != nil && n != c && n.cfg == c.cfg && n.installed && n.rw == nil
	}
	if r := c.rk; r != nil {
		for _, n := range [...]*childSA{r.ourNew, r.peerNew} {
			if takes(n) {
				return n
			}
		}
	}
	for _, n := range sa.children {
		if takes(n) {
			return n
		}
	}
	return nil
}

// followPolicies re-announces the tunnel policies of sa (dynamic ones and
// those of a lease) whose endpoints are no longer sa's: POLICY ADD with
// the new endpoints, then POLICY DELETE with the old. spmd installs with
// SPDUPDATE, which replaces the kernel policy of the same selector in
// place, so the delete that follows matches nothing on Linux (spmd
// compares the endpoints with the kernel's policy, reference 9.3.6) and
// only cleans up where the kernel made a second policy. The other order
// would leave the traffic without a policy for a moment: sent in the
// clear, or dropped.
func (e *Engine) followPolicies(sa *IKESA) {
	for _, c := range sa.children {
		if c.rw != nil {
			local, peer := saAddrs(sa, c.cfg, c.mode)
			e.reannounce(sa, c.rw, c.cfg.ReverseSelector, local, peer)
		}
	}
	if l := sa.cp; l != nil && l.annCfg != nil {
		local, peer := saAddrs(sa, l.annCfg, ike.ModeTunnel)
		for i := range l.announced {
			e.reannounce(sa, &l.announced[i], l.annCfg.ReverseSelector, local, peer)
		}
	}
}

func (e *Engine) reannounce(sa *IKESA, req *ike.PolicyRequest, reverse string, local, peer netip.Addr) {
	if e.o.Policy == nil || req.Mode != ike.ModeTunnel || req.SASrc == local && req.SADst == peer {
		return
	}
	old := *req
	req.SASrc, req.SADst = local, peer
	sa.log.Info("policy follows the peer", "selector", req.Selector, "from", old.SADst, "to", peer)
	e.policyAdd(*req)
	e.policyDelete(old, reverse)
}

// policyAdd posts POLICY ADD; spmd's refusal is logged, never fatal.
func (e *Engine) policyAdd(req ike.PolicyRequest) {
	if e.o.Policy == nil {
		return
	}
	e.o.Policy.PolicyAdd(req, func(err error) {
		if err != nil {
			e.log.Warn("spmd POLICY ADD failed", "selector", req.Selector, "src", req.Src, "dst", req.Dst, "err", err)
		}
	})
}

// policyDelete withdraws what a POLICY ADD of req installed: spmd's
// POLICY DELETE touches only the selector it names, so racoon2 sends one
// for the selector and one for its reverse, the mirror image (addresses
// and tunnel endpoints swapped) (reference 5.4 and 9.3.6).
func (e *Engine) policyDelete(req ike.PolicyRequest, reverse string) {
	req.Lifetime = 0 // POLICY DELETE carries none
	e.postDelete(req)
	if reverse != "" {
		req.Selector = reverse
		req.Src, req.Dst = req.Dst, req.Src
		req.SASrc, req.SADst = req.SADst, req.SASrc
		e.postDelete(req)
	}
}

func (e *Engine) postDelete(req ike.PolicyRequest) {
	if e.o.Policy == nil {
		return
	}
	e.o.Policy.PolicyDelete(req, func(err error) {
		if err != nil {
			e.log.Warn("spmd POLICY DELETE failed", "selector", req.Selector, "src", req.Src, "dst", req.Dst, "err", err)
		}
	})
}
