package conf

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadBoth loads files twice, lexing in line and lexing ahead on another
// goroutine, and returns the two reports and dumps.
func loadBoth(t *testing.T, main string, files map[string]string) (r1, r2, d1, d2 string) {
	t.Helper()
	old := lexAheadMin
	defer func() { lexAheadMin = old }()
	run := func(min int) (string, string) {
		lexAheadMin = min
		c, r := Load(main, memOpts(files))
		var d bytes.Buffer
		if c != nil && !r.HasErrors() {
			if err := c.Dump(&d); err != nil {
				t.Fatal(err)
			}
		}
		return reportText(r), d.String()
	}
	r1, d1 = run(1 << 62)
	r2, d2 = run(0)
	return
}

// Lexing ahead changes nothing: same diagnostics in the same order (the
// lexer's among the parser's and builder's), same configuration.
func TestLexAheadSameResult(t *testing.T) {
	cases := map[string]map[string]string{
		"generated": {"m.conf": string(genConfig(300))},
		"errors": {"m.conf": "remote a { ikev2 { $ passive on; }; };\rselector s { = };\n" +
			strings.Repeat("policy p { action discard; $ }; ", 80) + "remote \"open"},
		"include": {"m.conf": "include \"i.conf\"; remote x { ikev2 { ! }; };", "i.conf": "selector q { direction inbound; & };"},
		"empty":   {"m.conf": ""},
		// The '$' is reported while the parser reads the token after
		// "junk;", before the builder reports "junk": the order shows.
		"lookahead": {"m.conf": "junk; $ more;"},
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
			t.Errorf("%s: reports differ:\n--- in line\n%s--- ahead\n%s", name, r1, r2)
		}
		if d1 != d2 {
			t.Errorf("%s: dumps differ", name)
		}
	}
}
