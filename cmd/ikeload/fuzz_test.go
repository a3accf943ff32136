package main

import (
	"strings"
	"testing"
)

// The /proc parsers take whatever the file holds: they return an error or
// a value, never panic.
func FuzzParseStatCPU(f *testing.F) {
	f.Add([]byte("1234 (iked) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 5 0 100 0 0"))
	f.Add([]byte("1 ()) R"))
	f.Add([]byte(")"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := parseStatCPU(b); err == nil && d < 0 {
			t.Fatalf("negative CPU time %v", d)
		}
	})
}

func FuzzParseKiBField(f *testing.F) {
	f.Add("VmRSS:\t 16388 kB\n", "VmRSS:")
	f.Add("Pss: 1 kB\nPss: 2 kB\n", "Pss:")
	f.Add("Pss:", "Pss:")
	f.Fuzz(func(t *testing.T, text, key string) {
		_, _ = parseKiBField(strings.NewReader(text), key)
	})
}
