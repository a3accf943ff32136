package main

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/racoon2go/iked/internal/conf"
)

// config is what the daemon shell needs from racoon2.conf; the engines get
// the whole parsed configuration (Conf). This file is the only one that
// knows how configurations are read.
type config struct {
	Listen       []netip.AddrPort // interface { ike { ... } }; unspecified address: all of that family
	NATT         bool             // nat_traversal is on somewhere
	Bypass       bool             // application_bypass (unset means on)
	Spmd         []string         // spmif socket paths
	SpmdPassword string
	Conf         *conf.Config
	// NoByteLifetimes: the kernel interface does not count bytes (the BSDs'
	// PF_KEY), so IPsec SAs get time lifetimes only; set after the kernel
	// opens, and the configuration check warned about it.
	NoByteLifetimes bool
}

// loadConfig reads path. problems holds every error and warning, one per
// line, for the log, on success too. trace receives the parser trace
// (-D 0x4) when not nil.
func loadConfig(path string, trace io.Writer) (cfg *config, problems string, err error) {
	c, rep := conf.Load(path, conf.Options{UID: -1, Trace: trace})
	var b strings.Builder
	rep.WriteTo(&b)
	if c == nil || rep.HasErrors() {
		return nil, b.String(), fmt.Errorf("%s: %d errors", path, rep.Errors())
	}
	return &config{
		Listen:       c.Interface.IKE,
		NATT:         c.NATTraversal(),
		Bypass:       c.Interface.ApplicationBypass != conf.Off,
		Spmd:         c.Interface.Spmd,
		SpmdPassword: c.Interface.SpmdPassword,
		Conf:         c,
	}, b.String(), nil
}
