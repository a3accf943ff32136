package xfrm

import (
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

// TestKernelMigrate: XFRM_MSG_MIGRATE moves a tunnel policy and its SA to
// a new local address; the MIGRATE multicast comes back as an ike.Migrate.
func TestKernelMigrate(t *testing.T) {
	iketest.RequireKernel(t)
	kerneltest.RunMigrate(t, openTest(t), func(sa *ike.SA) { sa.EncrID, sa.EncrKey = 20, key(20, 1) })
}
