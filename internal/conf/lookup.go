package conf

import (
	"net/netip"
	"sync"
)

// Lookups the engines need, done right where racoon2 is not:
// an exact /32 or /128 matches (rcs_matchaddr never did), and a remote
// without peers_id is skipped instead of ending the search
// (rcf_get_remotebypeersid). Both return the first remote in file order.

// Match reports whether addr falls in a: inside a literal prefix (an
// address without prefix matches itself), or anything for IP_ANY and
// IP_RW. Host names and MY_IP* macros never match here; their
// addresses are not known to the configuration.
func (a Address) Match(addr netip.Addr) bool {
	switch a.Kind {
	case AddrIP:
		return a.Prefix.Contains(addr.WithZone("").Unmap())
	case AddrMacro:
		return a.Iface == "" && (a.Name == "IP_ANY" || a.Name == "IP_RW")
	}
	return false
}

// peerIndex speeds up RemoteByAddr and RemoteByID for configurations with
// many remotes.
type peerIndex struct {
	exact map[netip.Addr]int // host address -> first remote position
	other []int              // positions of remotes with prefixes or wildcards
	ids   map[idKey]int
}

type idKey struct {
	kmp KMP
	typ IDType
	val string
}

var peerIndexMu sync.Mutex

func (c *Config) peers(k KMP) *peerIndex {
	peerIndexMu.Lock()
	defer peerIndexMu.Unlock()
	if c.peerIdx == nil {
		c.peerIdx = map[KMP]*peerIndex{}
	}
	if pi := c.peerIdx[k]; pi != nil {
		return pi
	}
	pi := &peerIndex{exact: map[netip.Addr]int{}, ids: map[idKey]int{}}
	for i, r := range c.Remotes {
		b := r.block(k)
		if b == nil {
			continue
		}
		wild := false
		for _, a := range b.PeersIPAddr {
			if a.Kind == AddrIP && a.Prefix.IsSingleIP() {
				if _, ok := pi.exact[a.Prefix.Addr()]; !ok {
					pi.exact[a.Prefix.Addr()] = i
				}
			} else if a.Kind == AddrIP || a.Kind == AddrMacro {
				wild = true
			}
		}
		if wild {
			pi.other = append(pi.other, i)
		}
		for _, id := range b.PeersID {
			key := idKey{k, id.Type, id.Value}
			if _, ok := pi.ids[key]; !ok {
				pi.ids[key] = i
			}
		}
	}
	c.peerIdx[k] = pi
	return pi
}

// block returns the remote's effective block for k when it accepts k.
func (r *Remote) block(k KMP) *KMPConf {
	if !explicitlyAccepts(r, k) {
		return nil
	}
	switch k {
	case KMPIKEv1:
		return r.IKEv1
	case KMPIKEv2:
		return r.IKEv2
	}
	return r.KINK
}

// RemoteByAddr returns the first remote accepting k whose peers_ipaddr
// matches addr (ports are not compared), or nil. An IKEv2 responder then
// falls back to DefaultRemote.
func (c *Config) RemoteByAddr(k KMP, addr netip.Addr) *Remote {
	pi := c.peers(k)
	best := -1
	if i, ok := pi.exact[addr.WithZone("").Unmap()]; ok {
		best = i
	}
	for _, i := range pi.other {
		if best >= 0 && i > best {
			break
		}
		for _, a := range c.Remotes[i].block(k).PeersIPAddr {
			if a.Kind != AddrIP || !a.Prefix.IsSingleIP() {
				if a.Match(addr) {
					best = i
					break
				}
			}
		}
		if best == i {
			break
		}
	}
	if best < 0 {
		return nil
	}
	return c.Remotes[best]
}

// RemoteByID returns the first remote accepting k that lists id (type and
// value) in peers_id, or nil.
func (c *Config) RemoteByID(k KMP, id ID) *Remote {
	if i, ok := c.peers(k).ids[idKey{k, id.Type, id.Value}]; ok {
		return c.Remotes[i]
	}
	return nil
}
