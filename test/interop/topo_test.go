//go:build linux

package interop

import (
	"strings"
)

// Namespace names: fixed, because one case runs at a time in the guest.
const (
	nsIked = "ik"
	nsPeer = "pe"
	nsNAT  = "nat"
)

// side is one IKE endpoint as its own configuration sees the world.
type side struct {
	ns     string
	addr   string // its own address (IKE source, inner address)
	target string // where it sends IKE to and expects the peer's IKE from
	inner  string // the other side's inner address (traffic selector, ping target)
}

// topo is the network of one case.
type topo struct {
	iked, peer side
	nat        bool
}

// setupTopo builds two namespaces joined by a veth pair, or, with nat,
// three: the initiator's namespace sits behind a masquerading router.
// For the responder role with a NAT, the peer is the one behind it.
func (c *caseRun) setupTopo(v6, nat bool) *topo {
	for _, ns := range []string{nsIked, nsPeer, nsNAT} {
		c.try(shortWait, "ip", "netns", "del", ns)
	}
	c.cleanup(func() {
		for _, ns := range []string{nsIked, nsPeer, nsNAT} {
			c.try(shortWait, "ip", "netns", "del", ns)
		}
	})
	for _, ns := range []string{nsIked, nsPeer} {
		c.sh("ip", "netns", "add", ns)
		c.sh("ip", "-n", ns, "link", "set", "lo", "up")
		c.addLog("kernel state in "+ns+" (ip -s xfrm state; ip xfrm policy)", func() string {
			st, _ := c.try(shortWait, "ip", "-n", ns, "-s", "xfrm", "state")
			pol, _ := c.try(shortWait, "ip", "-n", ns, "xfrm", "policy")
			return st + pol
		})
	}
	if !nat {
		return c.direct(v6)
	}
	return c.natted()
}

func (c *caseRun) direct(v6 bool) *topo {
	c.sh("ip", "link", "add", "vik", "netns", nsIked, "type", "veth", "peer", "name", "vpe", "netns", nsPeer)
	a, b, plen := "10.99.0.1", "10.99.0.2", "24"
	if v6 {
		a, b, plen = "fd99::1", "fd99::2", "64"
	}
	c.addAddr(nsIked, "vik", a, plen, v6)
	c.addAddr(nsPeer, "vpe", b, plen, v6)
	c.sh("ip", "-n", nsIked, "link", "set", "vik", "up")
	c.sh("ip", "-n", nsPeer, "link", "set", "vpe", "up")
	// A default route each way, as hosts have: without any route, replies
	// to an address behind the tunnel (a lease) die before the policy lookup.
	c.sh("ip", "-n", nsIked, "route", "add", "default", "via", b)
	c.sh("ip", "-n", nsPeer, "route", "add", "default", "via", a)
	if v6 {
		// A transport policy for all protocols would also catch neighbour
		// discovery: fixed neighbour entries keep ND off the wire.
		c.sh("ip", "-n", nsIked, "neigh", "replace", b, "lladdr", c.mac(nsPeer, "vpe"), "dev", "vik", "nud", "permanent")
		c.sh("ip", "-n", nsPeer, "neigh", "replace", a, "lladdr", c.mac(nsIked, "vik"), "dev", "vpe", "nud", "permanent")
	}
	return &topo{
		iked: side{ns: nsIked, addr: a, target: b, inner: b},
		peer: side{ns: nsPeer, addr: b, target: a, inner: a},
	}
}

func (c *caseRun) addAddr(ns, dev, addr, plen string, v6 bool) {
	args := []string{"-n", ns, "addr", "add", addr + "/" + plen, "dev", dev}
	if v6 {
		args = append(args, "nodad")
	}
	c.sh("ip", args...)
}

func (c *caseRun) mac(ns, dev string) string {
	f := strings.Fields(c.sh("ip", "-n", ns, "-br", "link", "show", dev))
	if len(f) < 3 {
		c.fail("no MAC address for %s in %s", dev, ns)
	}
	return f[2]
}

// natted: inside (192.168.99.2) -- nat (192.168.99.1 | 10.99.0.1,
// masquerade) -- outside (10.99.0.2). iked is inside unless it responds.
func (c *caseRun) natted() *topo {
	inside, outside := nsIked, nsPeer
	if c.role == roleRespond {
		inside, outside = nsPeer, nsIked
	}
	c.sh("ip", "netns", "add", nsNAT)
	c.sh("ip", "-n", nsNAT, "link", "set", "lo", "up")
	c.sh("ip", "link", "add", "vin", "netns", inside, "type", "veth", "peer", "name", "vni", "netns", nsNAT)
	c.sh("ip", "link", "add", "vout", "netns", outside, "type", "veth", "peer", "name", "vno", "netns", nsNAT)
	c.sh("ip", "-n", inside, "addr", "add", "192.168.99.2/24", "dev", "vin")
	c.sh("ip", "-n", nsNAT, "addr", "add", "192.168.99.1/24", "dev", "vni")
	c.sh("ip", "-n", nsNAT, "addr", "add", "10.99.0.1/24", "dev", "vno")
	c.sh("ip", "-n", outside, "addr", "add", "10.99.0.2/24", "dev", "vout")
	for _, l := range [][2]string{{inside, "vin"}, {nsNAT, "vni"}, {nsNAT, "vno"}, {outside, "vout"}} {
		c.sh("ip", "-n", l[0], "link", "set", l[1], "up")
	}
	c.sh("ip", "-n", inside, "route", "add", "default", "via", "192.168.99.1")
	// The outside host routes to the world through the router too; with
	// no route at all its replies to the inner address would be dropped
	// before the IPsec policy lookup.
	c.sh("ip", "-n", outside, "route", "add", "default", "via", "10.99.0.1")
	c.nsExec(nsNAT, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	c.masquerade()
	in := side{ns: inside, addr: "192.168.99.2", target: "10.99.0.2", inner: "10.99.0.2"}
	out := side{ns: outside, addr: "10.99.0.2", target: "10.99.0.1", inner: "192.168.99.2"}
	if inside == nsIked {
		return &topo{iked: in, peer: out, nat: true}
	}
	return &topo{iked: out, peer: in, nat: true}
}

// masquerade makes the NAT namespace masquerade what leaves on vno:
// nftables if the kernel has IPv4 nf_tables NAT, else iptables-legacy
// (the test bed's UML kernel has no CONFIG_NF_TABLES_IPV4 and no
// nft_chain_nat, but has iptable_nat and xt_MASQUERADE).
func (c *caseRun) masquerade() {
	c.try(shortWait, "modprobe", "-a", "nf_tables", "nf_conntrack", "nf_nat", "nft_masq")
	c.try(shortWait, "modprobe", "-q", "nft_chain_nat")
	rules := `table ip nat {
	chain post {
		type nat hook postrouting priority 100; policy accept;
		oifname "vno" masquerade
	}
}
`
	writeFile(c, c.dir+"/nat.nft", rules, 0o600)
	out, err := c.try(shortWait, "ip", "netns", "exec", nsNAT, "nft", "-f", c.dir+"/nat.nft")
	if err == nil {
		c.note("NAT: nftables masquerade")
		return
	}
	c.try(shortWait, "modprobe", "-a", "ip_tables", "iptable_nat", "xt_MASQUERADE")
	if _, err2 := c.try(shortWait, "ip", "netns", "exec", nsNAT, "iptables-legacy", "-t", "nat", "-A", "POSTROUTING",
		"-o", "vno", "-j", "MASQUERADE"); err2 != nil {
		c.fail("no NAT in this kernel: nft: %v (%s); iptables-legacy: %v", err, firstLine(out), err2)
	}
	c.note("NAT: iptables-legacy MASQUERADE (nftables NAT: %s)", firstLine(out))
}
