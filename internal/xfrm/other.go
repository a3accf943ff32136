//go:build !linux

package xfrm

import (
	"log/slog"

	"github.com/racoon2go/iked/internal/ike"
)

// Open fails off Linux: XFRM is a Linux interface.
func Open(*slog.Logger) (ike.Kernel, error) { return nil, ike.ErrNoKernel }
