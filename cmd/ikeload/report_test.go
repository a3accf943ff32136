package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestResultPerSA(t *testing.T) {
	r := &Result{Requested: 1000, Established: 800, Wall: 2 * time.Second,
		Before: &ProcSample{CPU: 100 * time.Millisecond, RSSKiB: 10000, PSSKiB: 9000, HasPSS: true},
		After:  &ProcSample{CPU: 300 * time.Millisecond, RSSKiB: 14000, PSSKiB: 12200, HasPSS: true}}
	r.finish()
	// Divided by the SAs established, not requested.
	if !near(r.CPUPerSA, 0.25) || !near(r.RSSPerSAKiB, 5) || !near(r.PSSPerSAKiB, 4) || !near(r.Rate, 400) {
		t.Errorf("cpu %v rss %v pss %v rate %v", r.CPUPerSA, r.RSSPerSAKiB, r.PSSPerSAKiB, r.Rate)
	}
}

func TestResultShrinkAndNoPSS(t *testing.T) {
	r := &Result{Established: 10, Wall: time.Second,
		Before: &ProcSample{RSSKiB: 1000, PSSKiB: 900, HasPSS: true},
		After:  &ProcSample{RSSKiB: 990, PSSKiB: 0, HasPSS: false}}
	r.finish()
	if !near(r.RSSPerSAKiB, -1) {
		t.Errorf("shrinking RSS: %v per SA, want -1", r.RSSPerSAKiB)
	}
	if r.PSSPerSAKiB != 0 {
		t.Errorf("PSS without smaps_rollup: %v", r.PSSPerSAKiB)
	}
}

func TestResultNothingEstablished(t *testing.T) {
	r := &Result{Requested: 5, Wall: time.Second,
		Before: &ProcSample{CPU: time.Second}, After: &ProcSample{CPU: 2 * time.Second}}
	r.finish()
	if r.CPUPerSA != 0 || r.Rate != 0 || math.IsNaN(r.CPUPerSA) {
		t.Errorf("no SA: cpu %v rate %v", r.CPUPerSA, r.Rate)
	}
}

func TestResultOutput(t *testing.T) {
	r := &Result{Target: "127.0.0.1:500", Requested: 2, Established: 2, Children: 2, Wall: time.Second, PID: 7,
		Before: &ProcSample{CPU: 0, RSSKiB: 100}, After: &ProcSample{CPU: time.Millisecond, RSSKiB: 108}}
	r.finish()
	var b bytes.Buffer
	r.writeText(&b)
	if !strings.Contains(b.String(), "per SA: cpu 0.500 ms (resolution 5.000 ms)  rss 4.00 KiB") {
		t.Errorf("text:\n%s", b.String())
	}
	b.Reset()
	if err := r.writeJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back["cpu_ms_per_sa"] != 0.5 || back["rss_kib_per_sa"] != 4.0 || back["established"] != 2.0 {
		t.Errorf("json: %s", b.String())
	}
}
