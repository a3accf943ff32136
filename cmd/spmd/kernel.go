package main

import (
	"fmt"
	"log/slog"
	"runtime"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/pfkey"
	"github.com/racoon2go/iked/internal/xfrm"
)

// openKernel opens the backend --kernel names. auto is XFRM on Linux (the
// interface Linux develops; PF_KEY there is frozen) and PF_KEY elsewhere.
func openKernel(kind string, log *slog.Logger) (ike.Kernel, error) {
	if kind == "auto" {
		kind = "pfkey"
		if runtime.GOOS == "linux" {
			kind = "xfrm"
		}
	}
	var k ike.Kernel
	var err error
	switch kind {
	case "xfrm":
		k, err = xfrm.Open(log)
	case "pfkey":
		var p *pfkey.Kernel
		if p, err = pfkey.Open(log); err == nil {
			k = p
		}
	default:
		return nil, fmt.Errorf("--kernel %q: want auto, pfkey or xfrm", kind)
	}
	if err != nil {
		return nil, fmt.Errorf("kernel interface %s: %w", kind, err)
	}
	log.Info("kernel interface open", "backend", kind)
	return k, nil
}
