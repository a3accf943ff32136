package conf

import (
	"fmt"
	"strconv"
)

// tokKind is the lexical class of a token (cftoken.l).
type tokKind uint8

const (
	tokWord    tokKind = iota // bare string [0-9A-Za-z%*\-./:?@_]+ that is not a keyword
	tokKeyword                // bare string equal to a reserved word
	tokQuoted                 // "..." with the quotes stripped
	tokLBrace
	tokRBrace
	tokSemi
	tokComma
	tokDash // a lone '-' (address pool ranges)
	tokEOF
)

func (k tokKind) String() string {
	switch k {
	case tokWord:
		return "string"
	case tokKeyword:
		return "keyword"
	case tokQuoted:
		return "quoted string"
	case tokLBrace:
		return "'{'"
	case tokRBrace:
		return "'}'"
	case tokSemi:
		return "';'"
	case tokComma:
		return "','"
	case tokDash:
		return "'-'"
	}
	return "end of file"
}

// token is one lexical token with its position.
type token struct {
	Text      string
	Line, Col int32 // the file is the statement's (node.Pos.File)
	Kind      tokKind
}

// tokPos is t's position in file.
func tokPos(file string, t token) Pos { return Pos{File: file, Line: t.Line, Col: t.Col} }

func (t token) String() string {
	switch t.Kind {
	case tokWord, tokKeyword:
		return t.Text
	case tokQuoted:
		return strconv.Quote(t.Text)
	}
	return t.Kind.String()
}

// isString tells whether t can stand where the grammar wants a STRING:
// a bare word or a quoted string, never a reserved word.
func (t token) isString() bool { return t.Kind == tokWord || t.Kind == tokQuoted }

// charClass flags: bareChar for cftoken.l's string class, wordChar for
// the characters reserved words are made of.
const (
	bareChar = 1 << iota
	wordChar
)

var charClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
			t[c] = bareChar | wordChar
		case c == '%', c == '*', c == '-', c == '.', c == '/', c == ':', c == '?', c == '@':
			t[c] = bareChar
		}
	}
	return t
}()

func isBareChar(c byte) bool { return charClass[c]&bareChar != 0 }

// lexer splits one file into tokens. Unlike cftoken.l it counts newlines
// inside quoted strings, so positions after them stay right.
type lexer struct {
	src  string
	file string
	off  int
	line int
	bol  int // offset of the current line's first byte
	rep  *Report
}

// newLexer reads src in place: token texts, and the names and values
// built from them, are substrings of it, so the file is never copied.
func newLexer(file, src string, rep *Report) *lexer {
	return &lexer{src: src, file: file, line: 1, rep: rep}
}

func (l *lexer) pos() Pos {
	return Pos{File: l.file, Line: int32(l.line), Col: int32(l.off - l.bol + 1)}
}

func (l *lexer) newline() {
	l.line++
	l.bol = l.off
}

// next returns the next token. Illegal characters are reported and skipped.
func (l *lexer) next() token {
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

func punct(c byte) tokKind {
	switch c {
	case '{':
		return tokLBrace
	case '}':
		return tokRBrace
	case ';':
		return tokSemi
	}
	return tokComma
}

func (l *lexer) bare() token {
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
	if s == "-" {
		return token{Kind: tokDash, Text: s, Line: p.Line, Col: p.Col}
	}
	if all != 0 {
		if w, ok := reservedWord(s); ok {
			return token{Kind: tokKeyword, Text: w, Line: p.Line, Col: p.Col}
		}
	}
	return token{Kind: tokWord, Text: s, Line: p.Line, Col: p.Col}
}

func (l *lexer) quoted() token {
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

// describe is used in syntax errors.
func describe(t token) string {
	switch t.Kind {
	case tokEOF:
		return "end of file"
	case tokWord, tokKeyword, tokQuoted:
		return fmt.Sprintf("%q", t.Text)
	}
	return t.Kind.String()
}
