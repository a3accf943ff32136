package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// tableRow is one daemon's runs in a comparison.
type tableRow struct {
	Name string
	Runs []*Result
}

// figures are a row's medians over its runs: per-SA CPU, RSS and PSS.
func (r *tableRow) figures() (cpu, rss, pss float64) {
	return median(r.Runs, func(x *Result) float64 { return x.CPUPerSA }),
		median(r.Runs, func(x *Result) float64 { return x.RSSPerSAKiB }),
		median(r.Runs, func(x *Result) float64 { return x.PSSPerSAKiB })
}

func median(rs []*Result, f func(*Result) float64) float64 {
	v := make([]float64, 0, len(rs))
	for _, r := range rs {
		v = append(v, f(r))
	}
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// readTable reads NAME=FILE arguments (ikeload -json outputs); several
// files for one name are repeated runs of that daemon. Rows keep the
// order in which names first appear.
func readTable(args []string) ([]*tableRow, error) {
	var rows []*tableRow
	for _, a := range args {
		name, file, ok := strings.Cut(a, "=")
		if !ok || name == "" || file == "" {
			return nil, fmt.Errorf("%q: want NAME=FILE", a)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if r.Before == nil || r.After == nil {
			return nil, fmt.Errorf("%s: no responder figures (run with -pid)", file)
		}
		i := slices.IndexFunc(rows, func(t *tableRow) bool { return t.Name == name })
		if i < 0 {
			rows = append(rows, &tableRow{Name: name})
			i = len(rows) - 1
		}
		rows[i].Runs = append(rows[i].Runs, &r)
	}
	if len(rows) == 0 {
		return nil, errors.New("no NAME=FILE arguments")
	}
	return rows, nil
}

// writeTable prints one line per daemon (medians over its runs) and, with
// two or more daemons, the ratios of the first to the second.
func writeTable(w io.Writer, rows []*tableRow) {
	fmt.Fprintf(w, "%-12s %4s %11s %9s %8s %12s %12s %12s\n",
		"daemon", "runs", "SAs", "children", "SA/s", "CPU ms/SA", "RSS KiB/SA", "PSS KiB/SA")
	for _, r := range rows {
		est, req, ch := 0, 0, 0
		for _, x := range r.Runs {
			est, req, ch = est+x.Established, req+x.Requested, ch+x.Children
		}
		cpu, rss, pss := r.figures()
		rate := median(r.Runs, func(x *Result) float64 { return x.Rate })
		fmt.Fprintf(w, "%-12s %4d %11s %9d %8.0f %12.3f %12.2f %12.2f\n",
			r.Name, len(r.Runs), fmt.Sprintf("%d/%d", est, req), ch, rate, cpu, rss, pss)
	}
	if len(rows) < 2 {
		return
	}
	c0, r0, p0 := rows[0].figures()
	c1, r1, p1 := rows[1].figures()
	fmt.Fprintf(w, "%-12s %4s %11s %9s %8s %12s %12s %12s\n",
		rows[0].Name+"/"+rows[1].Name, "", "", "", "", ratio(c0, c1), ratio(r0, r1), ratio(p0, p1))
}

// ratio formats a/b, or "-" when b is not positive (no growth measured).
func ratio(a, b float64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}
