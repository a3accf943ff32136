package iketest

import (
	"os"
	"os/exec"
	"testing"
)

// RequireKernel skips t unless it runs inside the in-kernel test bed
// (../shared/testbed/in-kernel sets IN_KERNEL=1). `make test-kernel` runs
// every TestKernel* test there, so CI skips none of them.
func RequireKernel(t testing.TB) {
	t.Helper()
	if os.Getenv("IN_KERNEL") != "1" {
		t.Skip("needs a kernel with AF_KEY/XFRM/ESP: run `make test-kernel` (in-kernel test bed)")
	}
}

// RequireBinary returns the path of a program the test needs. It skips the
// test when the program is missing, except under CI (CI=true), where a
// missing program is a failure: CI installs everything the suite uses.
func RequireBinary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not installed, and CI must provide it (.ci/run)", name)
	}
	t.Skipf("%s not installed: %v", name, err)
	return ""
}
