package conf

import (
	"fmt"
	"io"
	"strings"
)

// Pos is a position in a configuration file. Line and Col are 1-based; Col
// counts bytes.
type Pos struct {
	File      string
	Line, Col int32 // int32 keeps tokens and tree nodes small
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Diag is one diagnostic: an error, or a warning when Warning is set.
type Diag struct {
	File      string
	Line, Col int
	Warning   bool
	Msg       string
}

// String formats d as "file:line:col: error: msg" (or "warning:").
func (d Diag) String() string {
	kind := "error"
	if d.Warning {
		kind = "warning"
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", d.File, d.Line, d.Col, kind, d.Msg)
}

// Report collects every diagnostic of one Load, in the order found.
type Report struct {
	Diags []Diag
	// errors counts the errors in Diags, so HasErrors is O(1).
	errors int
	// dropped counts errors not recorded after maxErrors.
	dropped int
}

// maxErrors bounds the errors kept: after that many, one is usually
// caused by the ones before.
const maxErrors = 50

// HasErrors tells whether any diagnostic is an error.
func (r *Report) HasErrors() bool { return r.errors > 0 || r.dropped > 0 }

// Errors returns the number of errors recorded.
func (r *Report) Errors() int { return r.errors + r.dropped }

// WriteTo writes one diagnostic per line.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	for _, d := range r.Diags {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	if r.dropped > 0 {
		fmt.Fprintf(&b, "too many errors: %d more not shown\n", r.dropped)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

func (r *Report) add(p Pos, warn bool, msg string) {
	if !warn {
		if r.errors >= maxErrors {
			r.dropped++
			return
		}
		r.errors++
	}
	r.Diags = append(r.Diags, Diag{File: p.File, Line: int(p.Line), Col: int(p.Col), Warning: warn, Msg: msg})
}

// addDiag adds d as if reported here.
func (r *Report) addDiag(d Diag) {
	r.add(Pos{File: d.File, Line: int32(d.Line), Col: int32(d.Col)}, d.Warning, d.Msg)
}

// reportMark is what undo needs to forget what was reported after mark.
type reportMark struct{ n, errors, dropped int }

func (r *Report) mark() reportMark { return reportMark{len(r.Diags), r.errors, r.dropped} }

func (r *Report) undo(m reportMark) {
	clear(r.Diags[m.n:])
	r.Diags, r.errors, r.dropped = r.Diags[:m.n], m.errors, m.dropped
}

func (r *Report) errorf(p Pos, format string, args ...any) {
	r.add(p, false, fmt.Sprintf(format, args...))
}

func (r *Report) warnf(p Pos, format string, args ...any) {
	r.add(p, true, fmt.Sprintf(format, args...))
}
