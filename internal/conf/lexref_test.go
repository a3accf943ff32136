package conf

import (
	"math/rand"
	"strconv"
	"testing"
)

// refLexer is the plain byte-at-a-time lexer the fast one replaced; the
// differential test below holds the two to the same tokens, positions and
// diagnostics.
type refLexer struct {
	src  string
	file string
	off  int
	line int
	bol  int
	rep  *Report
}

func (l *refLexer) pos() Pos {
	return Pos{File: l.file, Line: int32(l.line), Col: int32(l.off - l.bol + 1)}
}

func (l *refLexer) newline() {
	l.line++
	l.bol = l.off
}

func (l *refLexer) next() token {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t':
			l.off++
		case c == '\n':
			l.off++
			l.newline()
		case c == '\r':
			if l.off+1 < len(l.src) && l.src[l.off+1] == '\n' {
				l.off += 2
				l.newline()
				continue
			}
			l.rep.errorf(l.pos(), "syntax error: carriage return not followed by a newline (racoon2 accepts only LF or CR LF line ends)")
			l.off++
		case c == '#':
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.off++
			}
		case c == '"':
			return l.quoted()
		case c == '{', c == '}', c == ';', c == ',':
			p := l.pos()
			l.off++
			return token{Kind: punct(c), Text: l.src[l.off-1 : l.off], Line: p.Line, Col: p.Col}
		case isBareChar(c):
			return l.bare()
		default:
			l.rep.errorf(l.pos(), "syntax error: illegal character %s", strconv.QuoteRune(rune(c)))
			l.off++
		}
	}
	p := l.pos()
	return token{Kind: tokEOF, Line: p.Line, Col: p.Col}
}

func (l *refLexer) bare() token {
	p := l.pos()
	start := l.off
	all := uint8(wordChar)
	for l.off < len(l.src) {
		f := charClass[l.src[l.off]]
		if f&bareChar == 0 {
			break
		}
		all &= f
		l.off++
	}
	s := l.src[start:l.off]
	switch {
	case s == "-":
		return token{Kind: tokDash, Text: s, Line: p.Line, Col: p.Col}
	case all != 0 && refIsReserved(s):
		return token{Kind: tokKeyword, Text: s, Line: p.Line, Col: p.Col}
	}
	return token{Kind: tokWord, Text: s, Line: p.Line, Col: p.Col}
}

func (l *refLexer) quoted() token {
	p := l.pos()
	l.off++ // opening quote
	start := l.off
	for l.off < len(l.src) && l.src[l.off] != '"' {
		if l.src[l.off] == '\n' {
			l.off++
			l.newline()
			continue
		}
		l.off++
	}
	if l.off >= len(l.src) {
		l.rep.errorf(p, "syntax error: unterminated quoted string")
		return token{Kind: tokQuoted, Text: l.src[start:], Line: p.Line, Col: p.Col}
	}
	s := l.src[start:l.off]
	l.off++
	return token{Kind: tokQuoted, Text: s, Line: p.Line, Col: p.Col}
}

func refIsReserved(s string) bool { return reserved[s] }

func TestLexerMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	pieces := []string{"remote", "ikev2", "esp", "aes128_cbc", "r1", "10.0.0.1/24", "-", "-5", "{", "}", ";", ",",
		" ", "\t", "\n", "\r\n", "\r", "#c\n", "#eof", "\"q\"", "\"a\nb\"", "\"open", "$", "=", "3des_cbc", "MY_IP%eth0",
		"x.y", "_", "hmac_sha2_256", "\x00", "\xff", "sec", "B", "KB", "ikev2x", "Remote"}
	for i := 0; i < 3000; i++ {
		var src string
		for n := rng.Intn(30); n > 0; n-- {
			src += pieces[rng.Intn(len(pieces))]
		}
		fr, rr := &Report{}, &Report{}
		fast := newLexer("f", src, fr)
		ref := &refLexer{src: src, file: "f", line: 1, rep: rr}
		for {
			a, b := fast.next(), ref.next()
			if a != b {
				t.Fatalf("%q: fast %+v, reference %+v", src, a, b)
			}
			if a.Kind == tokEOF {
				break
			}
		}
		if reportText(fr) != reportText(rr) {
			t.Fatalf("%q: diagnostics differ:\n%s---\n%s", src, reportText(fr), reportText(rr))
		}
	}
}
