package main

import (
	"fmt"

	"github.com/racoon2go/iked/internal/ike"
)

// engineMaker builds one IKE engine from the configuration. The IKEv2 and
// IKEv1 engines each add theirs to engineMakers (ikev2.go, ikev1.go), in
// that order. With none, iked listens and drops every datagram (counted).
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
