package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"

	"github.com/racoon2go/iked/internal/ike"
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

// kernelBackends maps --kernel names to constructors. The pfkey and xfrm
// packages register here (one file each, kernel_pfkey.go, kernel_xfrm.go).
var kernelBackends = map[string]func(log *slog.Logger) (ike.Kernel, error){}

// openKernel opens the named backend; "auto" prefers XFRM on Linux and
// PF_KEY elsewhere, falling back to whichever is built in.
func openKernel(name string, log *slog.Logger) (ike.Kernel, error) {
	order := []string{name}
	if name == "auto" {
		order = []string{"pfkey", "xfrm"}
		if runtime.GOOS == "linux" {
			order = []string{"xfrm", "pfkey"}
		}
	}
	var errs []string
	for _, n := range order {
		open, ok := kernelBackends[n]
		if !ok {
			errs = append(errs, n+": not built into this iked")
			continue
		}
		k, err := open(log)
		if err == nil {
			return k, nil
		}
		errs = append(errs, fmt.Sprintf("%s: %v", n, err))
	}
	return nil, fmt.Errorf("kernel IPsec interface: %s (use -D 8 to run without one)", strings.Join(errs, "; "))
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
