package main

import (
	"fmt"

	"github.com/racoon2go/iked/internal/ike"
)

// engineMaker builds one IKE engine from the configuration. The IKEv2 and
// IKEv1 engines each add theirs to engineMakers from a file of their own
// in this directory, for example cmd/iked/ikev2.go:
//
//	func init() {
//		engineMakers = append(engineMakers, func(cfg *config, env ike.Env) (ike.Engine, error) {
//			return ikev2.NewEngine(cfg.Conf, env)
//		})
//	}
//
// The daemon calls every maker at start-up (before the loop runs) and again
// after each SIGHUP, once the previous engines have finished Shutdown: an
// engine never has to reload itself. With no engine, iked listens and
// drops every datagram (counted in the SIGUSR1 dump).
type engineMaker func(cfg *config, env ike.Env) (ike.Engine, error)

var engineMakers []engineMaker

// newEngines builds every engine; it runs on the loop goroutine, at start
// and after each SIGHUP (the old engines have been shut down by then).
func newEngines(cfg *config, env ike.Env) ([]ike.Engine, error) {
	var out []ike.Engine
	for _, mk := range engineMakers {
		e, err := mk(cfg, env)
		if err != nil {
			return nil, fmt.Errorf("IKE engine: %w", err)
		}
		if e != nil { // nil: the configuration has nothing for that version
			out = append(out, e)
		}
	}
	return out, nil
}
