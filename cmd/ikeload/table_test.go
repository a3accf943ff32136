package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeResult(t *testing.T, dir, name string, cpuMs, rssKiB uint64, n int) string {
	t.Helper()
	r := &Result{Requested: n, Established: n, Children: n, Wall: time.Second,
		Before: &ProcSample{RSSKiB: 1000, PSSKiB: 1000, HasPSS: true},
		After: &ProcSample{CPU: time.Duration(cpuMs) * time.Millisecond,
			RSSKiB: 1000 + rssKiB, PSSKiB: 1000 + rssKiB, HasPSS: true}}
	r.finish()
	var b bytes.Buffer
	if err := r.writeJSON(&b); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTableMediansAndRatio(t *testing.T) {
	dir := t.TempDir()
	args := []string{
		"iked=" + writeResult(t, dir, "i1", 200, 6000, 1000),        // 0.2 ms, 6 KiB
		"strongswan=" + writeResult(t, dir, "s1", 600, 11000, 1000), // 0.6 ms, 11 KiB
		"iked=" + writeResult(t, dir, "i2", 300, 4000, 1000),        // 0.3 ms, 4 KiB
		"iked=" + writeResult(t, dir, "i3", 250, 5000, 1000),        // median of three: 0.25, 5
	}
	rows, err := readTable(args)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Name != "iked" || len(rows[0].Runs) != 3 {
		t.Fatalf("rows: %+v", rows)
	}
	cpu, rss, _ := rows[0].figures()
	if !near(cpu, 0.25) || !near(rss, 5) {
		t.Errorf("medians cpu %v rss %v", cpu, rss)
	}
	var b bytes.Buffer
	writeTable(&b, rows)
	out := b.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("table:\n%s", out)
	}
	// 0.25/0.6 = 0.42, 5/11 = 0.45.
	if f := strings.Fields(lines[3]); f[0] != "iked/strongswan" || f[1] != "0.42" || f[2] != "0.45" {
		t.Errorf("ratio line %q", lines[3])
	}
	if !strings.Contains(lines[1], "3000/3000") {
		t.Errorf("iked line %q", lines[1])
	}
}

func TestTableErrors(t *testing.T) {
	dir := t.TempDir()
	noPID := filepath.Join(dir, "nopid")
	os.WriteFile(noPID, []byte(`{"requested":1}`), 0o644)
	for _, args := range [][]string{nil, {"x"}, {"=f"}, {"a=" + filepath.Join(dir, "missing")}, {"a=" + noPID}} {
		if _, err := readTable(args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	if ratio(1, 0) != "-" || ratio(1, -2) != "-" || ratio(1, 4) != "0.25" {
		t.Error("ratio")
	}
}

func TestMedianEven(t *testing.T) {
	rs := []*Result{{CPUPerSA: 4}, {CPUPerSA: 1}, {CPUPerSA: 3}, {CPUPerSA: 2}}
	if m := median(rs, func(r *Result) float64 { return r.CPUPerSA }); !near(m, 2.5) {
		t.Errorf("median %v", m)
	}
}
