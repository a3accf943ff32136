package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Result is one load run: what the initiator saw and, when -pid was
// given, what the responder process spent.
type Result struct {
	Target      string        `json:"target"`
	Group       string        `json:"group"`
	Encr        string        `json:"encr"`
	Requested   int           `json:"requested"`
	Concurrency int           `json:"concurrency"`
	Established int           `json:"established"` // IKE SAs established
	Children    int           `json:"children"`    // CHILD_SAs installed
	Failed      int           `json:"failed"`      // negotiations that failed or timed out
	Retransmits uint64        `json:"retransmits"`
	Wall        time.Duration `json:"wall_ns"`
	// InitiatorCPU is this process's own CPU time for the run.
	InitiatorCPU time.Duration `json:"initiator_cpu_ns"`

	PID    int         `json:"pid,omitempty"`
	Before *ProcSample `json:"before,omitempty"`
	After  *ProcSample `json:"after,omitempty"`
	// Per SA figures, derived by finish; zero without -pid.
	CPUPerSA    float64 `json:"cpu_ms_per_sa"`
	RSSPerSAKiB float64 `json:"rss_kib_per_sa"`
	PSSPerSAKiB float64 `json:"pss_kib_per_sa"`
	Rate        float64 `json:"sa_per_s"`
}

// finish derives the per-SA figures. The responder's growth is divided by
// the SAs established (not requested): failed attempts cost CPU too, so a
// run with failures overstates the cost per SA rather than hiding it.
func (r *Result) finish() {
	if r.Wall > 0 {
		r.Rate = float64(r.Established) / r.Wall.Seconds()
	}
	if r.Before == nil || r.After == nil || r.Established == 0 {
		return
	}
	n := float64(r.Established)
	r.CPUPerSA = float64(r.After.CPU-r.Before.CPU) / float64(time.Millisecond) / n
	r.RSSPerSAKiB = kibDelta(r.Before.RSSKiB, r.After.RSSKiB) / n
	if r.Before.HasPSS && r.After.HasPSS {
		r.PSSPerSAKiB = kibDelta(r.Before.PSSKiB, r.After.PSSKiB) / n
	}
}

// kibDelta is after-before, negative when the process shrank (a Go heap
// returned to the OS, a GC in between): reported as measured.
func kibDelta(before, after uint64) float64 {
	return float64(int64(after) - int64(before))
}

// writeText prints the result for a person.
func (r *Result) writeText(w io.Writer) {
	fmt.Fprintf(w, "target %s  group %s  encr %s  n %d  concurrency %d\n",
		r.Target, r.Group, r.Encr, r.Requested, r.Concurrency)
	fmt.Fprintf(w, "established %d  children %d  failed %d  retransmits %d\n",
		r.Established, r.Children, r.Failed, r.Retransmits)
	fmt.Fprintf(w, "wall %s  %.0f SA/s  initiator cpu %s\n",
		r.Wall.Round(time.Millisecond), r.Rate, r.InitiatorCPU.Round(time.Millisecond))
	if r.Before == nil || r.After == nil {
		return
	}
	fmt.Fprintf(w, "responder pid %d: cpu %s  rss %d -> %d KiB  pss %d -> %d KiB\n",
		r.PID, (r.After.CPU - r.Before.CPU).Round(time.Millisecond),
		r.Before.RSSKiB, r.After.RSSKiB, r.Before.PSSKiB, r.After.PSSKiB)
	fmt.Fprintf(w, "per SA: cpu %.3f ms (resolution %.3f ms)  rss %.2f KiB  pss %.2f KiB\n",
		r.CPUPerSA, float64(clockTick)/float64(time.Millisecond)/float64(r.Established), r.RSSPerSAKiB, r.PSSPerSAKiB)
}

// writeJSON prints the result as one JSON object.
func (r *Result) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
