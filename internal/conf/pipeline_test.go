package conf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadBoth loads files twice, on one goroutine and pipelined, and
// returns the two reports and dumps.
func loadBoth(t *testing.T, main string, files map[string]string) (r1, r2, d1, d2 string) {
	t.Helper()
	defer func() { usePipeline = true }()
	run := func(pipe bool) (string, string) {
		usePipeline = pipe
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
	r2, d2 = run(true)
	return
}

// The pipeline changes nothing: same diagnostics in the same order (the
// lexer's and parser's among the builder's), same configuration.
func TestPipelineSameResult(t *testing.T) {
	cases := map[string]map[string]string{
		"generated": {"m.conf": string(genConfig(300))},
		"errors": {"m.conf": "remote a { ikev2 { $ passive on; }; };\rselector s { = };\n" +
			strings.Repeat("policy p { action discard; $ }; ", 80) + "remote \"open"},
		"include": {"m.conf": "include \"i.conf\"; remote x { ikev2 { ! }; };", "i.conf": "selector q { direction inbound; & };"},
		"empty":   {"m.conf": ""},
		// The '$' is reported while the parser reads the token after
		// "junk;", before the builder reports "junk": the order shows.
		"lookahead": {"m.conf": "junk; $ more;"},
		// Sections kept for a later setval, spread over many batches.
		"deferred": {"m.conf": strings.Repeat("remote \"${R}x\" { ikev2 { passive on; }; };\n", 3) +
			string(genConfig(200)) + strings.Repeat("sa \"${E}\" { sa_protocol esp; };\n", 500) + "setval { R \"r\"; E \"e7\"; };\n"},
		"nested": nestedIncludes(maxIncludeDepth+1, 300),
	}
	if dir := sharedSamples(); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "quirks", "*.conf"))
		more, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
		for _, p := range append(files, more...) {
			if b, err := os.ReadFile(p); err == nil {
				cases[filepath.Base(p)] = map[string]string{"m.conf": string(b)}
			}
		}
	}
	for name, files := range cases {
		r1, r2, d1, d2 := loadBoth(t, "m.conf", files)
		if r1 != r2 {
			t.Errorf("%s: reports differ:\n--- one goroutine\n%s--- pipelined\n%s", name, r1, r2)
		}
		if d1 != d2 {
			t.Errorf("%s: dumps differ", name)
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
