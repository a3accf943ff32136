package conf

import (
	"strings"
	"testing"
)

func lexAll(src string) ([]token, *Report) {
	r := &Report{}
	l := newLexer("f", src, r)
	var out []token
	for {
		t := l.next()
		if t.Kind == tokEOF {
			return out, r
		}
		out = append(out, t)
	}
}

// cftoken.l: reserved words, the bare-string class, quoted strings, '#'
// comments, CR LF, and the lone '-' of address ranges.
func TestLexer(t *testing.T) {
	toks, r := lexAll("ipsec ipsec_esp \"a # b\" # comment\r\n10.0.0.1 - 10.0.0.9 -5 x,y;{}\n\"\"")
	if r.HasErrors() {
		t.Fatal(reportText(r))
	}
	want := []struct {
		k    tokKind
		text string
		line int32
		col  int32
	}{
		{tokKeyword, "ipsec", 1, 1}, {tokWord, "ipsec_esp", 1, 7}, {tokQuoted, "a # b", 1, 17},
		{tokWord, "10.0.0.1", 2, 1}, {tokDash, "-", 2, 10}, {tokWord, "10.0.0.9", 2, 12},
		{tokWord, "-5", 2, 21}, {tokWord, "x", 2, 24}, {tokComma, ",", 2, 25}, {tokWord, "y", 2, 26},
		{tokSemi, ";", 2, 27}, {tokLBrace, "{", 2, 28}, {tokRBrace, "}", 2, 29}, {tokQuoted, "", 3, 1},
	}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens %v", len(toks), toks)
	}
	for i, w := range want {
		g := toks[i]
		if g.Kind != w.k || g.Text != w.text || g.Line != w.line || g.Col != w.col {
			t.Errorf("token %d = %v %q %d:%d, want %v %q %d:%d", i, g.Kind, g.Text, g.Line, g.Col, w.k, w.text, w.line, w.col)
		}
	}
}

func TestLexerErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"a\rb", "carriage return"},    // q11
		{"a $b", "illegal character"},  // '$' is not in the bare class
		{"\"open", "unterminated"},     //
		{"a = b", "illegal character"}, //
	} {
		_, r := lexAll(tc.src)
		if !strings.Contains(reportText(r), tc.want) {
			t.Errorf("%q: %q lacks %q", tc.src, reportText(r), tc.want)
		}
	}
}

// Quoted strings may span lines; unlike racoon2 we keep counting lines.
func TestLexerMultilineQuote(t *testing.T) {
	toks, _ := lexAll("\"a\nb\" c")
	if toks[1].Line != 2 {
		t.Errorf("line after a multi-line string = %d, want 2", toks[1].Line)
	}
}

func TestEveryReservedWordIsAKeyword(t *testing.T) {
	for w := range reserved {
		toks, _ := lexAll(w)
		if len(toks) != 1 || toks[0].Kind != tokKeyword {
			t.Errorf("%s lexes as %v", w, toks)
		}
	}
}

func TestKeywordTable(t *testing.T) {
	for w := range reserved {
		if !isReserved(w) {
			t.Errorf("%s not found", w)
		}
	}
	for _, w := range []string{"ipsec_esp", "ike_frag", "r1", "esp1", "Ike", "a", "tunnels", "my_ip"} {
		if isReserved(w) {
			t.Errorf("%s found", w)
		}
	}
}

// algInfo (through the keyword table) agrees with the algorithm map for
// every algorithm and for words that are not algorithms.
func TestAlgInfoMatchesTable(t *testing.T) {
	for i := range algorithms {
		a := &algorithms[i]
		if got := algInfo(a.Name); got != a {
			t.Errorf("algInfo(%q) = %v, want the table entry", a.Name, got)
		}
	}
	for _, w := range []string{"", "remote", "esp", "aes", "hmac_sha2_256x", "tunnel"} {
		if got, want := algInfo(w), algByName[w]; got != want {
			t.Errorf("algInfo(%q) = %v, want %v", w, got, want)
		}
	}
}

// The IPv4 fast path gives what the general parser gives, and declines
// what it does not handle.
func TestParseIPv4PrefixFastPath(t *testing.T) {
	for _, s := range []string{
		"10.0.0.0", "10.0.0.0/8", "0.0.0.0/0", "255.255.255.255/32", "192.0.2.1/07",
		"1.2.3.4/33", "1.2.3.256", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1.2.3.4/", "1.2.3.4/+5",
		"1.2.3.4/-0", "1.2.3.4%eth0", "1.2.3.4x", "1..2.3", "::1", "fe80::1%eth0/64", "1234.1.1.1",
	} {
		want, wantZone, wantOK := parseIPPrefixSlow(s)
		got, gotZone, gotOK := parseIPPrefix(s)
		if got != want || gotZone != wantZone || gotOK != wantOK {
			t.Errorf("parseIPPrefix(%q) = %v %q %v, want %v %q %v", s, got, gotZone, gotOK, want, wantZone, wantOK)
		}
		if p, ok := parseIPv4Prefix(s); ok && (!wantOK || p != want) {
			t.Errorf("parseIPv4Prefix(%q) = %v, general path says %v %v", s, p, want, wantOK)
		}
	}
}
