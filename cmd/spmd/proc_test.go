package main

import (
	"os"
	"testing"
)

// TestMain lets the tests run this test binary as spmd itself (with
// SPMD_TEST_MAIN=1), including the re-executed child of a detach.
func TestMain(m *testing.M) {
	if os.Getenv("SPMD_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
