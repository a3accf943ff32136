// Package spmd is racoon2's security policy management daemon: it installs
// the kernel policies that racoon2.conf's selectors describe and serves
// the spmif protocol (internal/spmdclient holds the shared line codec) to
// the key-management daemons.
package spmd

import (
	"net/netip"

	"github.com/racoon2go/iked/internal/conf"
	"github.com/racoon2go/iked/internal/ike"
)

// Addr is one side of a selector, or an SA endpoint, as configured: a
// numeric prefix, a macro (IP_ANY, IP_RW, MY_IP, ...) or an FQDN.
type Addr struct {
	Prefix netip.Prefix // numeric; the full length when no /N was written
	Macro  string
	Bits   int // a /N written after a macro; -1 when none
	FQDN   string
}

// Numeric reports whether a is a literal address.
func (a Addr) Numeric() bool { return a.Prefix.IsValid() }

func (a Addr) equal(b Addr) bool {
	switch {
	case a.Numeric():
		return b.Numeric() && a.Prefix == b.Prefix
	case a.FQDN != "":
		return a.FQDN == b.FQDN
	}
	return false // racoon2: macros never compare equal
}

// String is for logs.
func (a Addr) String() string {
	switch {
	case a.Numeric():
		return a.Prefix.String()
	case a.Macro != "":
		return a.Macro
	case a.FQDN != "":
		return a.FQDN
	}
	return "(none)"
}

// Action is a policy's action keyword, as the configuration parser reads it.
type Action = conf.Action

// Policy actions of racoon2.conf. ActionUnset and ActionStaticIPsec cannot
// be installed (racoon2: "invalid pltype").
const (
	ActionUnset       = conf.ActionUnset
	ActionAutoIPsec   = conf.ActionAutoIPsec
	ActionStaticIPsec = conf.ActionStaticIPsec
	ActionDiscard     = conf.ActionDiscard
	ActionNone        = conf.ActionNone // also spelled bypass
)

// Policy is what spmd needs of a `policy` section and its first `ipsec`.
type Policy struct {
	Index       string
	Action      Action
	Mode        ike.Mode  // ModeAny when unset
	Level       ike.Level // 0 when unset
	Protos      []ike.Proto
	MySA        Addr // my_sa_ipaddr
	PeersSA     Addr // peers_sa_ipaddr
	RemoteIndex string
	// AddressPool: the remote (or the default remote) provides an IKEv2
	// address pool, so iked adds these policies itself after CP.
	AddressPool bool
	Install     bool // `install` (default on)
}

// Selector is what spmd needs of a `selector` section.
type Selector struct {
	Index            string
	Dir              ike.Dir // DirIn or DirOut; 0 when unset
	Src, Dst         Addr
	SrcPort, DstPort uint16 // 0: any
	Proto            uint8  // upper-layer protocol; 0: any
	ReqID            uint32
	Tagged           string  // pf tag (BSD); no backend installs it
	Policy           *Policy // nil: no policy_index
}

// Config is spmd's view of racoon2.conf.
type Config interface {
	// Selectors lists every selector in configuration order.
	Selectors() []*Selector
	// Selector finds a selector by index (nil if none).
	Selector(index string) *Selector
	// Reverse is the selector POLICY ADD installs alongside s: the first
	// with the same remote_index whose source and destination are s's
	// swapped (nil if none).
	Reverse(s *Selector) *Selector
}

// StaticConfig is a Config over a fixed list of selectors.
type StaticConfig struct {
	list  []*Selector
	index map[string]*Selector
}

// NewStaticConfig indexes sels; the first of duplicate indexes wins.
func NewStaticConfig(sels []*Selector) *StaticConfig {
	c := &StaticConfig{list: sels, index: make(map[string]*Selector, len(sels))}
	for _, s := range sels {
		if _, dup := c.index[s.Index]; !dup {
			c.index[s.Index] = s
		}
	}
	return c
}

// Selectors implements Config.
func (c *StaticConfig) Selectors() []*Selector { return c.list }

// Selector implements Config.
func (c *StaticConfig) Selector(index string) *Selector { return c.index[index] }

// Reverse implements Config as racoon2's rcf_get_rvrs_selector does,
// except that a policy without remote_index has no reverse (racoon2
// crashes on it).
func (c *StaticConfig) Reverse(s *Selector) *Selector {
	remote := remoteOf(s)
	if remote == "" {
		return nil
	}
	for _, r := range c.list {
		if remoteOf(r) != remote {
			continue
		}
		if r.Src.equal(s.Dst) && r.Dst.equal(s.Src) && r.SrcPort == s.DstPort && r.DstPort == s.SrcPort {
			return r
		}
	}
	return nil
}

func remoteOf(s *Selector) string {
	if s.Policy == nil {
		return ""
	}
	return s.Policy.RemoteIndex
}
