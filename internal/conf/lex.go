package conf

import (
	"fmt"
	"strconv"
	"strings"
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
	// start is the offset of the last token returned (split.go).
	start int
	rep   *Report
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
	src, off := l.src, l.off
	for off < len(src) {
		c := src[off]
		switch {
		case c == ' ' || c == '\t':
			off++
			continue
		case c == '\n':
			off++
			l.line++
			l.bol = off
			continue
		case charClass[c]&bareChar != 0:
			l.off, l.start = off, off
			return l.bare()
		}
		l.off, l.start = off, off
		switch {
		case c == '\r':
			if l.off+1 < len(src) && src[l.off+1] == '\n' {
				l.off += 2
				l.newline()
				break
			}
			l.rep.errorf(l.pos(), "syntax error: carriage return not followed by a newline (racoon2 accepts only LF or CR LF line ends)")
			l.off++
		case c == '#':
			if i := strings.IndexByte(src[l.off:], '\n'); i >= 0 {
				l.off += i
			} else {
				l.off = len(src)
			}
		case c == '"':
			return l.quoted()
		case c == '{', c == '}', c == ';', c == ',':
			p := l.pos()
			l.off++
			return token{Kind: punct(c), Text: src[l.off-1 : l.off], Line: p.Line, Col: p.Col}
		default:
			l.rep.errorf(l.pos(), "syntax error: illegal character %s", strconv.QuoteRune(rune(c)))
			l.off++
		}
		off = l.off
	}
	l.off, l.start = off, off
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

// bare scans a bare string, hashing it for the keyword table as it goes.
func (l *lexer) bare() token {
	src, start := l.src, l.off
	line, col := int32(l.line), int32(start-l.bol+1)
	all := uint8(wordChar)
	var h uint32
	off := start
	for off < len(src) {
		c := src[off]
		f := charClass[c]
		if f&bareChar == 0 {
			break
		}
		all &= f
		h = kwStep(h, c)
		off++
	}
	l.off = off
	s := src[start:off]
	if s == "-" {
		return token{Kind: tokDash, Text: s, Line: line, Col: col}
	}
	if all != 0 && len(s) <= maxKeywordLen {
		if i, ok := kwFind(s, h); ok {
			return token{Kind: tokKeyword, Text: kwTable[i], Line: line, Col: col}
		}
	}
	return token{Kind: tokWord, Text: s, Line: line, Col: col}
}

// quoted scans a quoted string, which may span lines.
func (l *lexer) quoted() token {
	p := l.pos()
	src := l.src
	start := l.off + 1 // after the opening quote
	end := strings.IndexByte(src[start:], '"')
	if end < 0 {
		end = len(src)
	} else {
		end += start
	}
	if nl := strings.Count(src[start:end], "\n"); nl > 0 {
		l.line += nl
		l.bol = start + strings.LastIndexByte(src[start:end], '\n') + 1
	}
	if end == len(src) {
		l.off = end
		l.rep.errorf(p, "syntax error: unterminated quoted string")
		return token{Kind: tokQuoted, Text: src[start:], Line: p.Line, Col: p.Col}
	}
	l.off = end + 1
	return token{Kind: tokQuoted, Text: src[start:end], Line: p.Line, Col: p.Col}
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
