//go:build !linux

package ikev2

import "time"

// threadCPU falls back to wall time where the thread CPU clock is not
// reachable through package syscall.
func threadCPU() time.Duration { return time.Duration(time.Now().UnixNano()) }
