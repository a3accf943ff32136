package conf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// loadBoth loads files twice, on one goroutine and with the main file
// read in two halves, and returns the two reports and dumps, and whether
// the second half was taken.
func loadBoth(t testing.TB, main string, files map[string]string) (r1, r2, d1, d2 string, taken bool) {
	t.Helper()
	defer func(min int) { useParallel, splitMin, splitTaken = true, min, nil }(splitMin)
	// Two halves need two Ps, whatever the machine.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	run := func(par bool) (string, string) {
		useParallel, splitMin = par, 0
		c, r := Load(main, memOpts(files))
		var d bytes.Buffer
		if c != nil && !r.HasErrors() {
			if err := c.Dump(&d); err != nil {
				t.Fatal(err)
			}
		}
		return reportText(r), d.String()
	}
	r1, d1 = run(false)
	splitTaken = func() { taken = true }
	r2, d2 = run(true)
	return
}

// Reading in two halves changes nothing: same diagnostics in the same
// order, same configuration, whatever sits around the middle.
func TestSplitSameResult(t *testing.T) {
	big := string(genConfig(300))
	cases := map[string]struct {
		files map[string]string
		taken bool // the second half must be used
	}{
		"generated": {files: map[string]string{"m.conf": big}, taken: true},
		"errors": {files: map[string]string{"m.conf": "remote a { ikev2 { $ passive on; }; };\rselector s { = };\n" +
			strings.Repeat("policy p { action discard; $ }; ", 80) + "remote \"open"}},
		"include": {files: map[string]string{"m.conf": "include \"i.conf\"; remote x { ikev2 { ! }; };", "i.conf": "selector q { direction inbound; & };"}},
		"empty":   {files: map[string]string{"m.conf": ""}},
		// The '$' is reported while the parser reads the token after
		// "junk;", before the builder reports "junk": the order shows.
		"lookahead": {files: map[string]string{"m.conf": "junk; $ more;"}},
		// Sections waiting for a later setval on both sides of the middle.
		"deferred": {files: map[string]string{"m.conf": strings.Repeat("remote \"${R}x\" { ikev2 { passive on; }; };\n", 3) +
			big + strings.Repeat("sa \"${E}\" { sa_protocol esp; };\n", 500) + "setval { R \"r\"; E \"e7\"; };\n"}},
		"nested": {files: nestedIncludes(maxIncludeDepth+1, 300), taken: true},
		// Quotes, comments and errors right around the middle.
		"quoted":             {files: map[string]string{"m.conf": big + "remote \"a;}\n{\" { ikev2 { peers_id fqdn \"x;\ny\"; }; }; # \" ; {\n" + big}, taken: true},
		"junk at the middle": {files: map[string]string{"m.conf": big[:len(big)/2+1] + "\x01 ; $ ; \r remote" + big[len(big)/2+1:]}},
		"open brace before":  {files: map[string]string{"m.conf": "remote r { ikev2 { passive on; };\n" + big}},
		"close brace before": {files: map[string]string{"m.conf": "};\n" + big}, taken: true},
		"crlf":               {files: map[string]string{"m.conf": strings.ReplaceAll(big, "\n", "\r\n")}, taken: true},
		"setval later":       {files: map[string]string{"m.conf": big + "setval { X \"1\"; };\n" + big}},
		"default after":      {files: map[string]string{"m.conf": big + big + "default { sa { sa_protocol esp; }; };\n" + big}, taken: true},
		"duplicates across":  {files: map[string]string{"m.conf": big + big}, taken: true},
		// The second half stops at a quoted string running to the end:
		// its error is reported once (found by FuzzSplit).
		"unterminated after":      {files: map[string]string{"m.conf": big + "policy 0{};\"" + strings.Repeat(" x", 1000)}, taken: true},
		"script double semicolon": {files: map[string]string{"m.conf": big + strings.Repeat("remote q { ikev2 { script phase1_up \"/x\";; }; };;\n", 400) + big}},
	}
	if dir := sharedSamples(); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "quirks", "*.conf"))
		more, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
		for _, p := range append(files, more...) {
			if b, err := os.ReadFile(p); err == nil {
				cases[filepath.Base(p)] = struct {
					files map[string]string
					taken bool
				}{files: map[string]string{"m.conf": string(b)}}
			}
		}
	}
	for name, tc := range cases {
		r1, r2, d1, d2, taken := loadBoth(t, "m.conf", tc.files)
		if r1 != r2 {
			t.Errorf("%s: reports differ:\n--- one goroutine\n%s--- two halves\n%s", name, r1, r2)
		}
		if d1 != d2 {
			t.Errorf("%s: dumps differ", name)
		}
		if tc.taken && !taken {
			t.Errorf("%s: the second half was not used", name)
		}
	}
}

// FuzzSplit: reading in two halves gives what one goroutine gives, for
// any input.
func FuzzSplit(f *testing.F) {
	f.Add([]byte(minimal + minimal))
	f.Add([]byte("remote a { ikev2 { passive on; }; };\n# \"\nremote b { ikev2 { passive on; }; }; sa \"${X}\" {};"))
	f.Add([]byte("selector s { x; }; } remote \"q;\" { }; policy p { };; sa e { };"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r1, r2, d1, d2, _ := loadBoth(t, "f.conf", map[string]string{"f.conf": string(data)})
		if r1 != r2 || d1 != d2 {
			t.Fatalf("results differ:\n--- one goroutine\n%s%s\n--- two halves\n%s%s", r1, d1, r2, d2)
		}
	})
}

func TestSplitPoint(t *testing.T) {
	for _, tc := range []struct {
		src  string
		from int
		want int
		line int
	}{
		{"remote a {};\nremote b {};", 0, 13, 2},
		{"remote a { x; };\nsa b {};", 0, 17, 2},
		{"remote \"a;\nb\" {};\n  # c ; \"\n  sa b {};", 0, 30, 4},
		{"remote a {}; junk; policy p {};", 0, 19, 1},
		{"remote a {};", 0, -1, 0},
		{"remote a { \"x", 0, -1, 0},
		{"sa a {}; sa b {}; sa c {};", 9, 18, 1},
	} {
		off, line, bol := splitPoint(tc.src, tc.from)
		if off != tc.want || (off >= 0 && (line != tc.line || bol > off || strings.Contains(tc.src[bol:off], "\n"))) {
			t.Errorf("splitPoint(%q, %d) = %d, %d, %d; want %d on line %d", tc.src, tc.from, off, line, bol, tc.want, tc.line)
		}
	}
}

// nestedIncludes is a chain of n files, each including the next, each
// with stmts statements before and after its include.
func nestedIncludes(n, stmts int) map[string]string {
	files := map[string]string{}
	for i := 0; i < n; i++ {
		var b strings.Builder
		for j := 0; j < stmts; j++ {
			fmt.Fprintf(&b, "selector s%d_%d { direction outbound; src 10.0.0.0/8; dst 10.1.0.0/16; policy_index p; };\n", i, j)
		}
		if i+1 < n {
			fmt.Fprintf(&b, "include \"f%d.conf\";\n", i+1)
		}
		for j := 0; j < stmts; j++ {
			fmt.Fprintf(&b, "selector t%d_%d { direction inbound; policy_index p; };\n", i, j)
		}
		name := fmt.Sprintf("f%d.conf", i)
		if i == 0 {
			name = "m.conf"
		}
		files[name] = b.String()
	}
	return files
}
