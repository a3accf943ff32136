//go:build linux

package interop

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// Road-warrior dynamic policy (racoon2 reference 5.4, "When iked sends
// POLICY ADD" (b)): with peers_sa_ipaddr IP_RW spmd installs nothing at
// boot; iked's POLICY ADD, once the child is up, makes spmd install the
// out, in and fwd policies with the IKE SA's real endpoints (the NAT
// router's public address), and the Delete of the last child removes them.

// xfrmPolicy is one entry of `ip xfrm policy`.
type xfrmPolicy struct {
	src, dst         string // selector, with prefix length
	dir              string // out, in, fwd; "socket in"/"socket out" for per-socket ones
	tmplSrc, tmplDst string // first template's endpoints ("" for none)
	mode             string // first template's mode
}

// xfrmPolicies parses `ip xfrm policy` in namespace ns.
func (c *caseRun) xfrmPolicies(ns string) []xfrmPolicy {
	return parseXfrmPolicies(c.sh("ip", "-n", ns, "xfrm", "policy"))
}

func parseXfrmPolicies(out string) []xfrmPolicy {
	var ps []xfrmPolicy
	var cur *xfrmPolicy
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "src ") && len(f) >= 4 && f[2] == "dst":
			ps = append(ps, xfrmPolicy{src: f[1], dst: f[3]})
			cur = &ps[len(ps)-1]
		case cur == nil || len(f) < 2:
		case f[0] == "dir":
			cur.dir = f[1]
		case f[0] == "socket":
			cur.dir = "socket " + f[1]
		case f[0] == "tmpl" && cur.tmplSrc == "" && len(f) >= 5 && f[1] == "src" && f[3] == "dst":
			cur.tmplSrc, cur.tmplDst = f[2], f[4]
		case f[0] == "proto" && cur.mode == "":
			for i := 1; i+1 < len(f); i++ {
				if f[i] == "mode" {
					cur.mode = f[i+1]
				}
			}
		}
	}
	return ps
}

// rwPolicies are the kernel policies iked's side must have for the
// child: out for the outbound selector, in and fwd for its reverse, each
// with the tunnel endpoints of the IKE SA (iked's address, the NAT's
// public address nat).
func rwPolicies(tp *topo, nat string) []xfrmPolicy {
	me := tp.iked.addr
	local, remote := hostPrefix(tp.iked.addr), hostPrefix(tp.iked.inner)
	return []xfrmPolicy{
		{src: local, dst: remote, dir: "out", tmplSrc: me, tmplDst: nat, mode: "tunnel"},
		{src: remote, dst: local, dir: "in", tmplSrc: nat, tmplDst: me, mode: "tunnel"},
		{src: remote, dst: local, dir: "fwd", tmplSrc: nat, tmplDst: me, mode: "tunnel"},
	}
}

// selectorPolicies are the policies among ps for the case's selectors
// (either direction), whatever their templates.
func selectorPolicies(ps []xfrmPolicy, tp *topo) []xfrmPolicy {
	local, remote := hostPrefix(tp.iked.addr), hostPrefix(tp.iked.inner)
	var out []xfrmPolicy
	for _, p := range ps {
		if (p.src == local && p.dst == remote) || (p.src == remote && p.dst == local) {
			out = append(out, p)
		}
	}
	return out
}

// missingPolicies lists the wanted policies that ps lacks (or has with
// other templates).
func missingPolicies(ps, want []xfrmPolicy) []xfrmPolicy {
	var miss []xfrmPolicy
	for _, w := range want {
		found := false
		for _, p := range ps {
			if p == w {
				found = true
				break
			}
		}
		if !found {
			miss = append(miss, w)
		}
	}
	return miss
}

func (p xfrmPolicy) String() string {
	return fmt.Sprintf("%s %s->%s tmpl %s->%s %s", p.dir, p.src, p.dst, p.tmplSrc, p.tmplDst, p.mode)
}

// checkNoRWPolicy: before the road warrior connects, spmd has installed
// nothing for the IP_RW policy's selectors.
func (c *caseRun) checkNoRWPolicy(tp *topo) {
	if got := selectorPolicies(c.xfrmPolicies(tp.iked.ns), tp); len(got) > 0 {
		c.fail("%s has policies for the IP_RW selectors before the road warrior connected (spmd must not install them at boot): %v",
			tp.iked.ns, got)
	}
	c.note("%s: no policy for the IP_RW selectors before the road warrior connects", tp.iked.ns)
}

// checkRWPolicies: the dynamic policies are in the kernel with the NAT's
// public address as the tunnel endpoint, and spmd installed them on
// iked's POLICY ADD.
func (c *caseRun) checkRWPolicies(tp *topo, ik *ikedSide, nat, when string) {
	want := rwPolicies(tp, nat)
	var got []xfrmPolicy
	if !waitFor(shortWait, func() bool {
		got = selectorPolicies(c.xfrmPolicies(tp.iked.ns), tp)
		return len(missingPolicies(got, want)) == 0
	}) {
		c.fail("%s %s: dynamic policies missing %v; have %v\n%s", tp.iked.ns, when, missingPolicies(got, want), got,
			c.sh("ip", "-n", tp.iked.ns, "xfrm", "policy"))
	}
	if len(got) != len(want) {
		c.fail("%s %s: %d policies for the selectors, want exactly %v; have %v", tp.iked.ns, when, len(got), want, got)
	}
	if line := logLine(ik.iked, "spmd POLICY (ADD|DELETE) failed"); line != "" {
		c.fail("iked: %s", line)
	}
	c.note("%s %s: dynamic policies %v", tp.iked.ns, when, got)
}

// checkRWReannounced: the rekeyed child posted the POLICY ADD again, so
// spmd installed the policies anew with a fresh lifetime (the child's,
// 10 s: without it they would have expired under the rekeyed child).
func (c *caseRun) checkRWReannounced(ik *ikedSide) {
	adds := logLines(ik.spmd, `POLICY ADD selector=out reverse=in`)
	if len(adds) < 2 {
		c.fail("spmd got %d POLICY ADD for the IP_RW selector across a child rekey, want the first and a re-post: %v", len(adds), adds)
	}
	c.note("spmd installed the dynamic policy %d times (the first child and its rekeyed successors)", len(adds))
}

// Lines spmd logs when iked's POLICY DELETE of the selector (out) and of
// its reverse (in, with its fwd twin) removed kernel policies.
const (
	spmdDeleteOut = `POLICY DELETE selector=out removed=[1-9]`
	spmdDeleteIn  = `POLICY DELETE selector=in removed=[1-9]`
)

// checkRWWithdrawn: the road warrior tears down, so the last child goes
// and iked's two POLICY DELETEs remove out, in and fwd (not their
// lifetime running out: spmd must log both deletes).
func (c *caseRun) checkRWWithdrawn(tp *topo, ik *ikedSide, p peerSide) {
	outs, ins := len(logLines(ik.spmd, spmdDeleteOut)), len(logLines(ik.spmd, spmdDeleteIn))
	p.terminate()
	var got []xfrmPolicy
	if !waitFor(shortWait, func() bool {
		got = selectorPolicies(c.xfrmPolicies(tp.iked.ns), tp)
		return len(got) == 0
	}) {
		c.fail("%s: the dynamic policies outlived the road warrior's Delete by %v: %v", tp.iked.ns, shortWait, got)
	}
	if !waitFor(shortWait, func() bool {
		return len(logLines(ik.spmd, spmdDeleteOut)) > outs && len(logLines(ik.spmd, spmdDeleteIn)) > ins
	}) {
		c.fail("the dynamic policies went without iked's POLICY DELETE of both selectors (spmd: %q)",
			logLines(ik.spmd, `POLICY DELETE`))
	}
	if line := logLine(ik.iked, "spmd POLICY (ADD|DELETE) failed"); line != "" {
		c.fail("iked: %s", line)
	}
	c.note("%s: the road warrior's Delete removed the dynamic policies", tp.iked.ns)
	c.note("spmd:\n\t%s", strings.Join(logLines(ik.spmd, `POLICY (ADD|DELETE)`), "\n\t"))
}

// logLine is the first line of d's log matching re ("" if none).
func logLine(d *daemon, re string) string {
	b, _ := os.ReadFile(d.log)
	return strings.TrimSpace(string(regexp.MustCompile(`(?m)^.*(?:` + re + `).*$`).Find(b)))
}

// logLines are the lines of d's log matching re.
func logLines(d *daemon, re string) []string {
	b, _ := os.ReadFile(d.log)
	var out []string
	for _, l := range regexp.MustCompile(`(?m)^.*(?:`+re+`).*$`).FindAll(b, -1) {
		out = append(out, strings.TrimSpace(string(l)))
	}
	return out
}

// rwAnnounced: iked logged the announcement with the NAT's address as
// the tunnel's far end, after the child was installed.
func (c *caseRun) rwAnnounced(tp *topo, ik *ikedSide) {
	line := ""
	if !waitFor(5*time.Second, func() bool { line = logLine(ik.iked, `announcing dynamic policy`); return line != "" }) {
		c.fail("iked did not announce the dynamic policy (POLICY ADD) for the IP_RW child")
	}
	if !strings.Contains(line, tp.iked.target) {
		c.fail("iked announced the dynamic policy without the NAT's address %s: %s", tp.iked.target, line)
	}
	c.note("iked: %s", line)
}

// newPublic is the NAT router's public address after the rebinding.
const newPublic = "10.99.0.3"

// checkRWRebind moves the NAT router to a new public address, as an ISP
// renumbering does: MASQUERADE forgets its mappings when the address
// goes, so the road warrior's next packets come from newPublic. Its
// CHILD_SA rekey request is the authenticated message that tells iked
// (RFC 7296 2.23); iked then re-announces the dynamic policy with the new
// endpoint (DELETE old, ADD new) and the traffic follows.
func (c *caseRun) checkRWRebind(tp *topo, ik *ikedSide, p peerSide) {
	c.sh("ip", "-n", nsNAT, "addr", "del", tp.iked.target+"/24", "dev", "vno")
	c.sh("ip", "-n", nsNAT, "addr", "add", newPublic+"/24", "dev", "vno")
	c.sh("ip", "-n", tp.iked.ns, "route", "replace", "default", "via", newPublic)
	c.note("NAT router's public address: %s -> %s", tp.iked.target, newPublic)
	p.rekeyChild()
	line := ""
	if !waitFor(shortWait, func() bool { line = logLine(ik.iked, `policy follows the peer`); return line != "" }) {
		c.fail("iked did not re-announce the dynamic policy after the NAT moved to %s", newPublic)
	}
	c.note("iked: %s", line)
	c.checkRWPolicies(tp, ik, newPublic, "after the NAT moved")
	// The rekeys (the peer's, and iked's of the moved children) settle
	// within a few seconds; then the traffic goes to the new address.
	for try := 1; ; try++ {
		if n := c.ping(tp.iked.ns, tp.iked.inner, 5, "0.2", ""); n >= 4 {
			break
		}
		if try == 3 {
			c.fail("no traffic through the tunnel after the NAT moved to %s (3 tries of 5 pings)", newPublic)
		}
	}
	in, out := 0, 0
	for _, sa := range c.xfrmStates(tp.iked.ns) {
		c.note("%s ESP SA %s->%s spi %s: %d packets", tp.iked.ns, sa.src, sa.dst, sa.spi, sa.packets)
		switch {
		case sa.dst == newPublic && sa.packets > out:
			out = sa.packets
		case sa.src == newPublic && sa.packets > in:
			in = sa.packets
		}
	}
	if in < 4 || out < 4 {
		c.fail("%s: ESP SAs with the NAT's new address counted out %d, in %d packets, want >= 4 each\n%s",
			tp.iked.ns, out, in, c.sh("ip", "-n", tp.iked.ns, "-s", "xfrm", "state"))
	}
}
