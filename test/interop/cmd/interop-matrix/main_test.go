package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() *results {
	return &results{
		Started: time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC), Seconds: 420, Kernel: "6.1.176",
		Peers: []string{"strongswan"}, Roles: []string{"initiator-I", "responder"},
		Order: []string{"psk", "nat"}, Titles: []string{"PSK | tunnel", "NAT"}, Complete: true,
		Results: []result{
			{Scenario: "psk", Peer: "strongswan", Role: "initiator-I", Result: "pass", Expected: "pass"},
			{Scenario: "psk", Peer: "strongswan", Role: "responder", Result: "fail", Expected: "pass", Reason: "ping: 0 of 5"},
			{Scenario: "nat", Peer: "strongswan", Role: "initiator-I", Result: "fail", Expected: "fail", Reason: "no UDP\nencap", Known: "NAT-T missing"},
			{Scenario: "nat", Peer: "strongswan", Role: "responder", Result: "skip", Expected: "pass", Reason: "n/a here"},
		},
	}
}

func TestRender(t *testing.T) {
	got := render(sample())
	for _, want := range []string{
		"1 pass, 2 fail, 1 not applicable",
		"| Scenario | strongSwan 5.9: iked initiates (-I) | strongSwan 5.9: iked responds |",
		"| PSK \\| tunnel | pass | **FAIL**<sup>1</sup> |",
		"| NAT | FAIL (known)<sup>2</sup> | n/a<sup>3</sup> |",
		"1. psk, strongSwan 5.9, iked responds: ping: 0 of 5\n",
		"2. nat, strongSwan 5.9, iked initiates (-I): NAT-T missing. Observed: no UDP encap\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("matrix lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "not run") {
		t.Errorf("complete run shows a cell as not run:\n%s", got)
	}
}

func TestRenderPartial(t *testing.T) {
	r := sample()
	r.Results, r.Complete = r.Results[:1], false
	if got := render(r); !strings.Contains(got, "| not run |") || !strings.Contains(got, "Partial run") {
		t.Errorf("partial run not marked:\n%s", got)
	}
}

// The file outside the markers is kept byte for byte; a second run with
// the same results changes nothing.
func TestRunSplices(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "r.json"), filepath.Join(dir, "doc.md")
	b, _ := json.Marshal(sample())
	os.WriteFile(in, b, 0o644)
	doc := "# Title\n\nintro\n" + beginMarker + "\nstale\n" + endMarker + "\ntrailer\n"
	os.WriteFile(out, []byte(doc), 0o644)
	if err := run(in, out, false, nil); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(out)
	s := string(first)
	if !strings.HasPrefix(s, "# Title\n\nintro\n"+beginMarker+"\n") || !strings.HasSuffix(s, endMarker+"\ntrailer\n") || strings.Contains(s, "stale") {
		t.Fatalf("splice broke the document:\n%s", s)
	}
	if err := run(in, out, false, nil); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(out)
	if string(second) != s {
		t.Errorf("second run changed the file")
	}
}

func TestRunNoMarkers(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "r.json"), filepath.Join(dir, "doc.md")
	b, _ := json.Marshal(sample())
	os.WriteFile(in, b, 0o644)
	os.WriteFile(out, []byte("no markers\n"), 0o644)
	if err := run(in, out, false, nil); err == nil {
		t.Fatal("a file without markers was accepted")
	}
}
