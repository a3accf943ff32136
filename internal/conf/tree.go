package conf

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unsafe"
)

// node is one statement of the generic tree: the tokens before an optional
// braced block, and the block's statements. Every statement ends with ';'.
type node struct {
	Args     []token
	Block    []*node
	HasBlock bool
	Pos      Pos // of the first token
	// NoSemi marks a single-form "script type path;" not followed by the
	// second ';' racoon2's grammar wants (we accept it with a warning).
	NoSemi bool
}

// Keyword returns the first token's text when it is a keyword.
func (n *node) Keyword() string {
	if len(n.Args) > 0 && n.Args[0].Kind == tokKeyword {
		return n.Args[0].Text
	}
	return ""
}

// maxIncludeDepth is racoon2's CF_INCLUDE_DEPTH.
const maxIncludeDepth = 10

// parser builds the tree for the main file and the files it includes.
type parser struct {
	rep     *Report
	env     func(string) (string, bool)
	trace   io.Writer
	stack   []string // absolute paths being read, for cycle detection
	files   []string // every file read, in order
	readSrc func(string) ([]byte, error)
	globFn  func(string) ([]string, error)
	// checkOwner, when set, looks at a configuration file's owner and mode.
	checkOwner func(path string)
	// emit receives each top-level statement and returns true when it
	// keeps the node.
	emit func(*node) bool
	// split, when set, lets the main file be read in two halves at
	// once (split.go).
	split *builder
}

// parseFile reads path and hands each top-level statement to p.emit, the
// statements of included files in place of the include. from is the
// including statement, nil for the main file.
func (p *parser) parseFile(path string, from *node) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	for _, s := range p.stack {
		if s == abs {
			p.rep.errorf(from.Pos, "include cycle: %s is already being read", path)
			return
		}
	}
	if len(p.stack) >= maxIncludeDepth {
		p.rep.errorf(from.Pos, "includes nested too deeply (limit %d)", maxIncludeDepth)
		return
	}
	src, err := p.readSrc(path)
	if err != nil {
		pos := Pos{File: path, Line: 0, Col: 0}
		if from != nil {
			pos = from.Pos
		}
		p.rep.errorf(pos, "cannot read %s: %v", path, unwrapPathErr(err))
		return
	}
	p.files = append(p.files, path)
	if p.checkOwner != nil {
		p.checkOwner(path)
	}
	p.stack = append(p.stack, abs)
	defer func() { p.stack = p.stack[:len(p.stack)-1] }()

	// The bytes are never written again (Options.ReadFile says so), so
	// they can be viewed as a string instead of copied.
	text := unsafe.String(unsafe.SliceData(src), len(src))
	sp := &stmtParser{file: path, lx: newLexer(path, text, p.rep), rep: p.rep, trace: p.trace, ar: newArenas()}
	var half *halfReader
	if from == nil && p.split != nil && len(text) >= splitMin {
		half = startHalf(p.split, path, text)
		defer half.cancel()
	}
	sp.advance()
	for sp.tok.Kind != tokEOF {
		if half != nil && sp.lx.off >= half.gate {
			// meet either ends the split or moves gate past the lexer.
			if half.meet(sp, p.split) {
				half = nil
			}
			continue
		}
		if sp.tok.Kind == tokRBrace {
			p.rep.errorf(tokPos(path, sp.tok), "syntax error: unexpected '}'")
			sp.advance()
			continue
		}
		n := sp.statement(0)
		switch {
		case n == nil:
		case n.Keyword() == "include":
			p.include(n)
		case p.emit(n):
			// Kept for later: leave its memory alone.
			sp.ar = newArenas()
			continue
		}
		sp.ar.reset()
	}
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// include handles `include "path";`: $[ENV] is expanded (${VAR} is not:
// racoon2 reads includes before setval exists), then the pattern is
// globbed. Relative paths are tried against the including file's
// directory first, then, as racoon2 does, the working directory.
func (p *parser) include(n *node) {
	if len(n.Args) != 2 || !n.Args[1].isString() || n.HasBlock {
		p.rep.errorf(n.Pos, "syntax error: include wants one path: include \"file\";")
		return
	}
	raw := n.Args[1].Text
	if strings.Contains(raw, "${") {
		p.rep.errorf(tokPos(n.Pos.File, n.Args[1]), "${...} cannot be used in an include path: setval is not known while files are read (use $[ENV])")
		return
	}
	path, err := expandEnv(raw, p.env)
	if err != nil {
		p.rep.errorf(tokPos(n.Pos.File, n.Args[1]), "include path %q: %v", raw, err)
		return
	}
	path = expandTilde(path)
	matches := p.glob(path, n.Pos.File)
	if len(matches) == 0 {
		p.rep.errorf(tokPos(n.Pos.File, n.Args[1]), "glob found no matches for path (%s)", path)
		return
	}
	// The include node lives in the including file's arena, which the
	// included file does not touch; its Pos is copied anyway.
	from := &node{Pos: n.Pos}
	for _, m := range matches {
		p.parseFile(m, from)
	}
}

func (p *parser) glob(path, from string) []string {
	if filepath.IsAbs(path) {
		m, _ := p.globFn(path)
		return m
	}
	rel := filepath.Join(filepath.Dir(from), path)
	if m, _ := p.globFn(rel); len(m) > 0 {
		return m
	}
	m, _ := p.globFn(path)
	return m
}

func expandTilde(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			return h + p[1:]
		}
	}
	return p
}

// stmtParser reads statements from one lexer.
type stmtParser struct {
	file  string
	lx    *lexer
	tok   token
	rep   *Report
	trace io.Writer
	ar    *arenas
	kids  []*node // children of the open blocks, a stack
}

// arenas hold the tree: a statement's Args is a capped window of toks,
// nodes are carved from nodes and Block slices from ptrs, so the tree
// costs few allocations however large the file. Once the builder is done
// with a statement, its memory is used again unless the builder kept it.
type arenas struct {
	toks  []token
	nodes []node
	ptrs  []*node
}

func newArenas() *arenas { return &arenas{toks: make([]token, 0, 256)} }

func (a *arenas) reset() {
	a.toks, a.nodes, a.ptrs = a.toks[:0], a.nodes[:0], a.ptrs[:0]
}

func (s *stmtParser) newNode(p Pos) *node {
	a := s.ar
	if len(a.nodes) == cap(a.nodes) {
		a.nodes = make([]node, 0, 512)
	}
	a.nodes = append(a.nodes, node{Pos: p})
	return &a.nodes[len(a.nodes)-1]
}

func (s *stmtParser) args(start int) []token {
	end := len(s.ar.toks)
	return s.ar.toks[start:end:end]
}

func (s *stmtParser) advance() { s.tok = s.lx.next() }

// statement parses `tokens* [ '{' statement* '}' ] ';'`. On a syntax error
// it skips to the end of the statement and returns nil.
func (s *stmtParser) statement(depth int) *node {
	n := s.newNode(tokPos(s.file, s.tok))
	start := len(s.ar.toks)
	if s.tok.Kind == tokSemi {
		s.rep.errorf(tokPos(s.file, s.tok), "syntax error: unexpected ';' (empty statement)")
		s.advance()
		return nil
	}
	for {
		switch s.tok.Kind {
		case tokWord, tokKeyword, tokQuoted, tokComma, tokDash:
			a := s.ar
			if len(a.toks) == cap(a.toks) {
				// Keep this statement's tokens contiguous in the new slab.
				nt := make([]token, len(a.toks)-start, max(1024, 2*(len(a.toks)-start)))
				copy(nt, a.toks[start:])
				a.toks, start = nt, 0
			}
			a.toks = append(a.toks, s.tok)
			s.advance()
			continue
		case tokLBrace:
			n.Args = s.args(start)
			if len(n.Args) == 0 {
				s.rep.errorf(tokPos(s.file, s.tok), "syntax error: block without a directive")
			}
			if depth > 16 {
				s.rep.errorf(tokPos(s.file, s.tok), "syntax error: blocks nested too deeply")
				s.skip(depth)
				return nil
			}
			n.HasBlock = true
			s.advance()
			if !s.block(n, depth+1) {
				return nil
			}
			if s.tok.Kind != tokSemi {
				s.rep.errorf(tokPos(s.file, s.tok), "syntax error: missing ';' after '}', found %s", describe(s.tok))
				s.skip(depth)
				return nil
			}
			s.advance()
		case tokSemi:
			n.Args = s.args(start)
			s.advance()
			if isSingleScript(n) {
				if s.tok.Kind == tokSemi {
					s.advance()
				} else {
					n.NoSemi = true
				}
			}
		case tokRBrace, tokEOF:
			s.rep.errorf(tokPos(s.file, s.tok), "syntax error: missing ';' before %s", describe(s.tok))
			return nil
		}
		if s.trace != nil {
			s.traceNode(n, depth)
		}
		return n
	}
}

func isSingleScript(n *node) bool {
	return !n.HasBlock && n.Keyword() == "script" && len(n.Args) > 1
}

// block reads statements up to the closing '}'.
func (s *stmtParser) block(n *node, depth int) bool {
	mark := len(s.kids)
	defer func() { s.kids = s.kids[:mark] }()
	for {
		switch s.tok.Kind {
		case tokRBrace:
			s.advance()
			n.Block = s.blockSlice(s.kids[mark:])
			return true
		case tokEOF:
			s.rep.errorf(tokPos(s.file, s.tok), "syntax error: missing '}' for the block at %d:%d", n.Pos.Line, n.Pos.Col)
			return false
		}
		if c := s.statement(depth); c != nil {
			s.kids = append(s.kids, c)
		}
	}
}

// blockSlice copies a block's children into the pointer arena.
func (s *stmtParser) blockSlice(kids []*node) []*node {
	if len(kids) == 0 {
		return nil
	}
	a := s.ar
	if cap(a.ptrs)-len(a.ptrs) < len(kids) {
		a.ptrs = make([]*node, 0, max(512, len(kids)))
	}
	start := len(a.ptrs)
	a.ptrs = append(a.ptrs, kids...)
	return a.ptrs[start:len(a.ptrs):len(a.ptrs)]
}

// skip resynchronises after a syntax error: it drops tokens up to and
// including the ';' that ends the current statement at this depth.
func (s *stmtParser) skip(depth int) {
	level := 0
	for s.tok.Kind != tokEOF {
		switch s.tok.Kind {
		case tokLBrace:
			level++
		case tokRBrace:
			if level == 0 {
				return
			}
			level--
		case tokSemi:
			if level == 0 {
				s.advance()
				return
			}
		}
		s.advance()
	}
}

func (s *stmtParser) traceNode(n *node, depth int) {
	var b strings.Builder
	for i, t := range n.Args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.String())
	}
	if n.HasBlock {
		fmt.Fprintf(&b, " { %d statements }", len(n.Block))
	}
	fmt.Fprintf(s.trace, "conf: %s: %s%s;\n", n.Pos, strings.Repeat("  ", depth), b.String())
}
