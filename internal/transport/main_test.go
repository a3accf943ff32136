package transport

import (
	"testing"

	"go.uber.org/goleak"
)

// Every socket reader must be gone once its Transport is closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
