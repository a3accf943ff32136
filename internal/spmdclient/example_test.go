package spmdclient_test

import (
	"context"
	"log/slog"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/spmdclient"
)

// How iked wires the client: the socket paths and password file come from
// racoon2.conf's interface section, and callbacks run on the event loop.
func Example() {
	loop := ike.NewLoop(nil, 1)
	c := spmdclient.New(spmdclient.Config{
		Paths:        []string{"/var/run/racoon2/spmif"},
		PasswordFile: "/usr/local/etc/racoon2/spmd.pwd",
		Post:         loop.Post,
		Log:          slog.Default(),
	})
	c.Start()
	defer c.Close()
	var ps ike.PolicyService = c
	ps.SLID(17, func(selector string, err error) {
		// On the loop: start a negotiation for selector, or drop the ACQUIRE.
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	loop.Run(ctx)
}
