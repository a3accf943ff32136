package conf

import "runtime"

// A large file is lexed by a second goroutine running ahead of the parser
// (the machine's other core would otherwise sit idle while the parser and
// builder run). The parser sees exactly what it would see from the lexer
// itself: the same tokens, and the lexer's diagnostics at the same point
// among its own, because each diagnostic travels with the index of the
// token it precedes.

// lexAheadMin is the file size from which lexing ahead pays for the
// goroutine and the hand-over of tokens.
var lexAheadMin = 256 << 10 // a variable for the tests

// lexChunkLen is the number of tokens handed over at once, and lexQueue
// the number of chunks the lexer may be ahead.
const (
	lexChunkLen = 2048
	lexQueue    = 4
)

// lexChunk is a run of tokens with the lexer's diagnostics among them.
type lexChunk struct {
	toks  []token
	diags []lexDiag
}

// lexDiag is a lexer diagnostic reported just before toks[at] is
// returned, or (dropped > 0) that many errors the lexer's own limit left
// out.
type lexDiag struct {
	at      int
	d       Diag
	dropped int
}

// tokStream is the parser's end of a lexer running ahead.
type tokStream struct {
	in   <-chan *lexChunk
	free chan<- *lexChunk
	done chan struct{}
	rep  *Report
	cur  *lexChunk
	i    int // next token of cur
	di   int // next diagnostic of cur
}

// useLexAhead tells whether src is worth lexing on another goroutine.
func useLexAhead(src string) bool {
	return len(src) >= lexAheadMin && runtime.GOMAXPROCS(0) > 1
}

// startLexAhead starts lexing lx's input on a new goroutine. The caller
// must call stop when it is done, whether or not it read up to the end.
func startLexAhead(lx *lexer, rep *Report) *tokStream {
	// A fixed set of chunks goes round: the lexer waits for one to come
	// back rather than allocate, so memory stays bounded however far
	// ahead it could run. One more chunk than the queue holds, plus the
	// parser's current one, leaves the lexer one to fill.
	in := make(chan *lexChunk, lexQueue)
	free := make(chan *lexChunk, lexQueue+2)
	for range lexQueue + 2 {
		free <- &lexChunk{toks: make([]token, 0, lexChunkLen)}
	}
	done := make(chan struct{})
	go lexAhead(lx, in, free, done)
	return &tokStream{in: in, free: free, done: done, rep: rep, cur: &lexChunk{}}
}

// stop releases the lexing goroutine.
func (s *tokStream) stop() { close(s.done) }

// lexAhead lexes up to and including the end-of-file token. Its lexer
// reports into a private Report whose diagnostics are moved into the
// chunks as they appear; that Report's error limit only drops what the
// parser's Report would drop too, since it counts a subset of its errors.
func lexAhead(lx *lexer, out chan<- *lexChunk, free <-chan *lexChunk, done <-chan struct{}) {
	own := &Report{}
	lx.rep = own
	var c *lexChunk
	for {
		if c == nil {
			select {
			case c = <-free:
				c.toks, c.diags = c.toks[:0], c.diags[:0]
			case <-done:
				return
			}
		}
		t := lx.next()
		if len(own.Diags) > 0 || own.dropped > 0 {
			for _, d := range own.Diags {
				c.diags = append(c.diags, lexDiag{at: len(c.toks), d: d})
			}
			if own.dropped > 0 {
				c.diags = append(c.diags, lexDiag{at: len(c.toks), dropped: own.dropped})
			}
			own.Diags, own.dropped = own.Diags[:0], 0
		}
		c.toks = append(c.toks, t)
		if t.Kind != tokEOF && len(c.toks) < lexChunkLen {
			continue
		}
		select {
		case out <- c:
		case <-done:
			return
		}
		if t.Kind == tokEOF {
			return
		}
		c = nil
	}
}

// next returns the next token, first passing on the lexer diagnostics
// that come before it. After the end of file it keeps returning the
// end-of-file token.
func (s *tokStream) next() token {
	for s.i >= len(s.cur.toks) {
		last := s.cur
		if len(last.toks) > 0 && last.toks[len(last.toks)-1].Kind == tokEOF {
			return last.toks[len(last.toks)-1] // repeated after the end
		}
		// Hand the chunk back before waiting for the next one, so the
		// lexer finds it when the wait lets it go on. (free has room
		// for every chunk, so this never blocks.)
		if len(last.toks) > 0 {
			s.free <- last
		}
		s.cur, s.i, s.di = <-s.in, 0, 0
	}
	for s.di < len(s.cur.diags) && s.cur.diags[s.di].at <= s.i {
		d := &s.cur.diags[s.di]
		if d.dropped > 0 {
			s.rep.dropped += d.dropped
		} else {
			s.rep.add(Pos{File: d.d.File, Line: int32(d.d.Line), Col: int32(d.d.Col)}, d.d.Warning, d.d.Msg)
		}
		s.di++
	}
	t := s.cur.toks[s.i]
	s.i++
	return t
}
