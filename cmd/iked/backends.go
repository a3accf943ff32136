package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/kernel"
)

// backends are the pieces of iked built elsewhere: the configuration
// reader, the kernel interfaces, the spmd client, packet capture and the
// IKE engines. Tests replace them.
type backends struct {
	load    func(path string, trace io.Writer) (*config, string, error)
	kernel  func(name string, log *slog.Logger) (ike.Kernel, error)
	policy  func(cfg *config, post func(func()) bool, log *slog.Logger) (ike.PolicyService, io.Closer, error)
	pcap    func(spec string, log *slog.Logger) (ike.Capture, io.Closer, error)
	engines func(cfg *config, env ike.Env) ([]ike.Engine, error)
}

func defaultBackends() backends {
	return backends{
		load:    loadConfig,
		kernel:  openKernel,
		policy:  dialSpmd,
		engines: newEngines,
		pcap:    pcapOpener,
	}
}

// pcapOpener opens the -P file; internal/pcap's wiring file sets it.
// While it is nil, -P is refused.
var pcapOpener func(spec string, log *slog.Logger) (ike.Capture, io.Closer, error)

// openKernel opens the --kernel backend: "auto" is XFRM on Linux and
// PF_KEY elsewhere (internal/kernel).
func openKernel(name string, log *slog.Logger) (ike.Kernel, error) {
	k, err := kernel.Open(name, log)
	if err != nil {
		return nil, fmt.Errorf("kernel IPsec interface: %w (use -D 8 to run without one)", err)
	}
	return k, nil
}

// spmdDialer is set by the spmd client's wiring file (spmd_client.go).
// post queues callbacks on the event loop.
var spmdDialer func(cfg *config, post func(func()) bool, log *slog.Logger) (ike.PolicyService, io.Closer, error)

func dialSpmd(cfg *config, post func(func()) bool, log *slog.Logger) (ike.PolicyService, io.Closer, error) {
	if spmdDialer == nil {
		return nil, nil, errors.New("spmd client is not built into this iked (use -D 8 to run without spmd)")
	}
	return spmdDialer(cfg, post, log)
}
