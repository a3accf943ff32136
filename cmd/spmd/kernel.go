package main

import (
	"fmt"
	"log/slog"
	"runtime"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/kernel"
)

// openKernel opens the backend --kernel names, as iked does: auto is XFRM
// on Linux and PF_KEY elsewhere.
func openKernel(kind string, log *slog.Logger) (ike.Kernel, error) {
	name, err := kernel.Resolve(kind, runtime.GOOS)
	if err != nil {
		return nil, err
	}
	k, err := kernel.Open(name, log)
	if err != nil {
		return nil, fmt.Errorf("kernel interface %s: %w", name, err)
	}
	log.Info("kernel interface open", "backend", name)
	return k, nil
}
