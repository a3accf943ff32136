package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/racoon2go/iked/internal/conf"
	"github.com/racoon2go/iked/internal/spmd"
)

// setup is what spmd takes from racoon2.conf.
type setup struct {
	selectors *spmd.StaticConfig
	sockets   []string // interface { spmd { unix ...; }; }
	password  string   // interface { spmd_password }
}

// loadConfig reads racoon2.conf; any error in it stops spmd.
func loadConfig(path string, log *slog.Logger) (*setup, error) {
	c, rep := conf.Load(path, conf.Options{UID: -1})
	for _, d := range rep.Diags {
		if d.Warning {
			log.Warn(d.String())
		}
	}
	if c == nil || rep.HasErrors() {
		var b strings.Builder
		rep.WriteTo(&b)
		return nil, fmt.Errorf("%s: configuration errors:\n%s", path, strings.TrimRight(b.String(), "\n"))
	}
	s := &setup{
		selectors: spmd.FromConf(c, log),
		sockets:   c.Interface.Spmd,
		password:  c.Interface.SpmdPassword,
	}
	for _, a := range c.Interface.SpmdAddrs {
		if a.Kind == conf.AddrIP {
			log.Warn("spmd endpoint ignored: only unix sockets are served", "addr", a.Prefix.Addr().String())
		}
	}
	if len(s.sockets) == 0 {
		return nil, errors.New(path + ": No spmd interface definition (interface { spmd { unix \"PATH\"; }; })")
	}
	if s.password == "" {
		return nil, errors.New(path + ": no spmd_password in interface { }")
	}
	return s, nil
}
