package conf

import (
	"runtime"
	"strings"
	"sync/atomic"
)

// With more than one CPU, Load reads a large main file in two halves at
// once. A second goroutine finds the first top-level section that starts
// past the middle of the file and lexes, parses and builds from there
// into a Config and a Report of its own, while the first goroutine reads
// from the start. When the first arrives at that section, it takes the
// second's sections and diagnostics, which come after its own in file
// order, and reads on from where the second stopped. The result is the
// one a single goroutine gives:
//
//   - the second goroutine's starting point is found by a scan that knows
//     quotes, comments and braces, but the hand-over happens only when the
//     first goroutine's parser, at top level, arrives at that very token;
//     when a syntax error changed the nesting, it passes the point and
//     the second half is dropped;
//   - the second goroutine builds only remote, selector, policy, ipsec,
//     sa and addresspool sections, which depend on nothing read before
//     them but setval variables. It stops before any other statement
//     (setval, include, default, ...) and before a section that uses a
//     variable, which it does not have.
//
// (A parser goroutine handing every statement to a builder goroutine was
// tried first: each token then crossed between the two CPUs' caches, and
// it was slower than one goroutine.)

// useParallel lets Load use more than one goroutine (a variable for the
// tests).
var useParallel = true

func parallel() bool { return useParallel && runtime.GOMAXPROCS(0) > 1 }

// splitTaken, when set, is called when a second half is used (tests).
var splitTaken func()

// splitMin is the size from which a main file is read in two halves (a
// variable for the tests).
var splitMin = 256 << 10

// halfReader reads the second half of a file on its own goroutine.
type halfReader struct {
	// gate is the lexer offset from which the first goroutine looks at
	// the split: the middle, then the second half's start once known.
	gate  int
	x     int      // the second half's first token, once received
	start chan int // the second goroutine sends x there, -1 for none
	res   chan halfResult
	stop  atomic.Bool
	exit  chan struct{}
}

// halfResult is what the second goroutine read, and where the first goes
// on: the first token it left (the start of a top-level statement) and
// its lexer's state after that token.
type halfResult struct {
	b                     *builder
	tok                   token
	off, line, bol, start int
}

// startHalf starts reading the second half of text, a file of main's.
func startHalf(main *builder, file, text string) *halfReader {
	h := &halfReader{
		gate:  len(text) / 2,
		x:     -1,
		start: make(chan int, 1),
		res:   make(chan halfResult, 1),
		exit:  make(chan struct{}),
	}
	go h.run(main, file, text)
	return h
}

func (h *halfReader) run(main *builder, file, text string) {
	defer close(h.exit)
	off, line, bol := splitPoint(text, len(text)/2)
	h.start <- off
	if off < 0 {
		return
	}
	rep := &Report{}
	b := &builder{rep: rep, env: main.env, cfg: &Config{}, once: map[string]Pos{}, secrets: main.secrets}
	b.start()
	lx := &lexer{src: text, file: file, off: off, line: line, bol: bol, rep: rep}
	sp := &stmtParser{file: file, lx: lx, rep: rep, ar: newArenas()}
	sp.advance()
	r := halfResult{b: b}
	for {
		r.tok, r.off, r.line, r.bol, r.start = sp.tok, lx.off, lx.line, lx.bol, lx.start
		if sp.tok.Kind != tokKeyword || !isSectionWord(sp.tok.Text) || h.stop.Load() {
			break
		}
		mark := rep.mark()
		n := sp.statement(0)
		if n != nil && b.top(n) {
			// It waits for a setval: the first goroutine builds it.
			rep.undo(mark)
			b.drop(b.pending[0].obj)
			b.pending = nil
			break
		}
		sp.ar.reset()
	}
	h.res <- r
	// This CPU is free while the first goroutine reads its half.
	main.secrets.start()
}

// meet is called by the first goroutine before each top-level statement
// once its lexer is past gate. It returns true when the split is over:
// the second half taken, with sp moved to where it stopped, or dropped.
func (h *halfReader) meet(sp *stmtParser, main *builder) bool {
	lx := sp.lx
	if h.x < 0 {
		if h.x = <-h.start; h.x < 0 {
			return true
		}
		if h.gate = h.x; lx.off < h.x {
			return false
		}
	}
	if lx.start != h.x {
		h.stop.Store(true) // past the point without stopping there
		return true
	}
	r := <-h.res
	main.absorb(r.b)
	if splitTaken != nil {
		splitTaken()
	}
	lx.off, lx.line, lx.bol, lx.start, sp.tok = r.off, r.line, r.bol, r.start, r.tok
	return true
}

// cancel stops the second goroutine and waits for it.
func (h *halfReader) cancel() {
	h.stop.Store(true)
	<-h.exit
}

// absorb appends what another builder read after this one's sections.
func (b *builder) absorb(o *builder) {
	for _, d := range o.rep.Diags {
		b.rep.addDiag(d)
	}
	b.rep.dropped += o.rep.dropped
	c, oc := b.cfg, o.cfg
	c.Remotes = append(c.Remotes, oc.Remotes...)
	c.Selectors = append(c.Selectors, oc.Selectors...)
	c.Policies = append(c.Policies, oc.Policies...)
	c.IPsecs = append(c.IPsecs, oc.IPsecs...)
	c.SAs = append(c.SAs, oc.SAs...)
	c.AddressPools = append(c.AddressPools, oc.AddressPools...)
	b.zeroLives = append(b.zeroLives, o.zeroLives...)
	for k, v := range oc.rawText {
		if c.rawText == nil {
			c.rawText = map[string]string{}
		}
		c.rawText[k] = v
	}
}

func isSectionWord(s string) bool {
	switch s {
	case "remote", "selector", "policy", "ipsec", "sa", "addresspool":
		return true
	}
	return false
}

// scanSpecial marks the bytes splitPoint looks at.
var scanSpecial = func() (t [256]bool) {
	for _, c := range "\n\"#{};" {
		t[c] = true
	}
	return t
}()

// splitPoint finds the first section keyword at top level that follows a
// ';' at or after from: its offset, the line it is on and the offset of
// that line's first byte; -1 when there is none. It reads quotes,
// comments and braces as the lexer and the parser do.
func splitPoint(src string, from int) (off, line, bol int) {
	depth := 0
	line = 1
	for i := 0; i < len(src); i++ {
		c := src[i]
		if !scanSpecial[c] {
			continue
		}
		switch c {
		case '\n':
			line++
			bol = i + 1
		case '"':
			j := strings.IndexByte(src[i+1:], '"')
			if j < 0 {
				return -1, 0, 0
			}
			if q := src[i+1 : i+1+j]; strings.IndexByte(q, '\n') >= 0 {
				line += strings.Count(q, "\n")
				bol = i + 1 + strings.LastIndexByte(q, '\n') + 1
			}
			i += j + 1
		case '#':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				return -1, 0, 0
			}
			i += j - 1 // the newline is counted next
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case ';':
			if depth == 0 && i >= from {
				if off, l, b := nextSection(src, i+1, line, bol); off >= 0 {
					return off, l, b
				}
			}
		}
	}
	return -1, 0, 0
}

// nextSection skips blanks and comments from i and returns where the
// section keyword found there starts, or -1.
func nextSection(src string, i, line, bol int) (off, l, b int) {
	for i < len(src) {
		switch c := src[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '\n':
			i++
			line, bol = line+1, i
		case c == '\r' && i+1 < len(src) && src[i+1] == '\n':
			i += 2
			line, bol = line+1, i
		case c == '#':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				return -1, 0, 0
			}
			i += j
		default:
			e := i
			for e < len(src) && isBareChar(src[e]) {
				e++
			}
			if !isSectionWord(src[i:e]) {
				return -1, 0, 0
			}
			return i, line, bol
		}
	}
	return -1, 0, 0
}
