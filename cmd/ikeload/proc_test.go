package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// proc(5): utime is field 14, stime field 15, in clock ticks; the
	// command name (field 2) may hold spaces and parentheses.
	tests := []struct {
		name string
		stat string
		want time.Duration
		bad  bool
	}{
		{"plain", "1234 (iked) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 5 0 100 0 0", 287 * clockTick, false},
		{"comm with spaces and parens", "42 (a) b (c)) R 1 42 42 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 5 0 0", 10 * clockTick, false},
		{"charon", "77 (charon) S 1 77 77 0 -1 4194624 2000 0 0 0 61 1 0 0 20 0 17 0 9 0 0", 62 * clockTick, false},
		{"no paren", "1 iked S 1 2 3", 0, true},
		{"truncated", "1 (iked) S 1 1 1 0 -1 0 0 0 0 0 5", 0, true},
		{"not a number", "1 (iked) S 1 1 1 0 -1 0 0 0 0 0 x 3 0", 0, true},
	}
	for _, tc := range tests {
		got, err := parseStatCPU([]byte(tc.stat))
		if tc.bad {
			if err == nil {
				t.Errorf("%s: no error, got %v", tc.name, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestParseKiBField(t *testing.T) {
	status := "Name:\tiked\nVmPeak:\t  800000 kB\nVmRSS:\t   16388 kB\nRssAnon:\t    9000 kB\n"
	if n, err := parseKiBField(strings.NewReader(status), "VmRSS:"); err != nil || n != 16388 {
		t.Errorf("VmRSS: %d, %v", n, err)
	}
	rollup := "55a4c0000000-7ffd00000000 ---p 00000000 00:00 0   [rollup]\nRss:               21596 kB\nPss:               20221 kB\nPss_Anon:          12000 kB\n"
	if n, err := parseKiBField(strings.NewReader(rollup), "Pss:"); err != nil || n != 20221 {
		t.Errorf("Pss: %d, %v (Pss_Anon must not match)", n, err)
	}
	if _, err := parseKiBField(strings.NewReader("Name: x\n"), "VmRSS:"); err == nil {
		t.Error("missing field: no error")
	}
	if _, err := parseKiBField(strings.NewReader("VmRSS: 12 MB\n"), "VmRSS:"); err == nil {
		t.Error("wrong unit: no error")
	}
	if _, err := parseKiBField(strings.NewReader("VmRSS: -3 kB\n"), "VmRSS:"); err == nil {
		t.Error("negative: no error")
	}
}

// The real files of this process parse, and a spin shows up as CPU time.
func TestSampleProcSelf(t *testing.T) {
	requireProc(t)
	a, err := sampleProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if a.RSSKiB == 0 {
		t.Fatalf("RSS 0: %+v", a)
	}
	end := time.Now().Add(60 * time.Millisecond)
	for time.Now().Before(end) {
	}
	b, err := sampleProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if b.CPU <= a.CPU {
		t.Errorf("CPU did not grow: %v -> %v", a.CPU, b.CPU)
	}
	if _, err := sampleProc(-1); err == nil {
		t.Error("pid -1: no error")
	}
}

// requireProc skips tests that read /proc (Linux; the BSDs mount none).
func requireProc(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/proc/self/smaps_rollup"); err != nil {
		t.Skipf("no Linux /proc: %v", err)
	}
}
