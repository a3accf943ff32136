package main

import (
	"fmt"
	"io"

	"github.com/racoon2go/iked/internal/conf"
	"github.com/racoon2go/iked/internal/version"
)

// runCheckConfig implements `iked --check-config [-f FILE]` and, with
// dump, `iked --dump-config [-f FILE]`: it reads and checks the
// configuration, writes warnings and errors to stderr and, for dump, the
// effective configuration to stdout. It opens no socket and touches
// neither the kernel nor spmd. It returns the exit status: 0 when the
// configuration is valid, 1 when it is not.
// An empty path means the compiled-in default, version.ConfigPath().
func runCheckConfig(path string, dump bool, stdout, stderr io.Writer) int {
	if path == "" {
		path = version.ConfigPath()
	}
	// NoHostAddrs: listing the interfaces would open a netlink socket.
	return checkConfig(path, dump, conf.Options{UID: -1, NoHostAddrs: true}, stdout, stderr)
}

func checkConfig(path string, dump bool, opts conf.Options, stdout, stderr io.Writer) int {
	cfg, rep := conf.Load(path, opts)
	rep.WriteTo(stderr)
	if cfg == nil || rep.HasErrors() {
		fmt.Fprintf(stderr, "iked: %s: configuration is invalid (%d errors)\n", path, rep.Errors())
		return 1
	}
	if dump {
		if err := cfg.Dump(stdout); err != nil {
			fmt.Fprintf(stderr, "iked: dump: %v\n", err)
			return 1
		}
	}
	return 0
}
