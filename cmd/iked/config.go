package main

import (
	"errors"
	"fmt"
	"net/netip"
)

// config is what the daemon shell needs from racoon2.conf; the engines get
// the whole parsed configuration through conf. This file is the only one
// that knows how configurations are read.
type config struct {
	Listen       []netip.AddrPort // interface { ike { ... } }; unspecified address: all of that family
	NATT         bool             // nat_traversal is on somewhere
	Spmd         []string         // spmif socket paths
	SpmdPassword string
}

// loadConfig reads path. On failure, problems holds every error and
// warning, one per line, for the log; it may hold warnings on success too.
func loadConfig(path string, debug int) (cfg *config, problems string, err error) {
	return nil, "", fmt.Errorf("%s: %w", path, errNoConfReader)
}

// errNoConfReader goes away when internal/conf is merged.
var errNoConfReader = errors.New("the configuration reader (internal/conf) is not built in yet")
