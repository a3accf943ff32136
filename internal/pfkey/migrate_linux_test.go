package pfkey

import (
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

// TestKernelMigrate: an SADB_X_MIGRATE moves a tunnel policy and its SA to
// a new local address; the kernel's MIGRATE broadcast comes back as an
// ike.Migrate with the same selector and endpoints.
func TestKernelMigrate(t *testing.T) {
	iketest.RequireKernel(t)
	kerneltest.RunMigrate(t, openTest(t), func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(16, 1), integSHA1, key(20, 1)
	})
}
