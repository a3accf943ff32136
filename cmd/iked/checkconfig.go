package main

import (
	"fmt"
	"io"
)

// runCheckConfig implements --check-config and --dump-config. This is a
// temporary version until internal/conf lands; the config helper's
// checkconfig.go replaces this file.
func runCheckConfig(path string, dump bool, stdout, stderr io.Writer) int {
	fmt.Fprintf(stderr, "iked: %s: configuration checking is not built in yet\n", path)
	return 1
}
