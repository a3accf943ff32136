package conf

import (
	"runtime"
	"slices"
)

// With more than one CPU, Load reads the files (lexer and parser) on one
// goroutine while it builds the typed configuration on another, the two
// joined by a queue of statements. The builder sees the statements, and
// the report the diagnostics, exactly as when one goroutine does both:
// each statement carries the parser's diagnostics reported before it.
//
// The tree's memory goes round: the parser fills a set of arenas, hands
// it over with the batch of statements after which it no longer writes
// it, and the builder gives it back once it has built those statements,
// unless it kept one of them for later.

// usePipeline is a variable for the tests.
var usePipeline = true

// A batch is handed over when the arenas of its file are this full.
const (
	batchToks  = 4096
	batchNodes = 1024
	batchPtrs  = 1024
	pipeQueue  = 2 // batches the parser may be ahead
)

type pipe struct {
	out  chan *stmtBatch
	free chan *arenas // arenas back from the builder; nil for one it kept
	// batches brings emptied batches back, to be filled again.
	batches chan *stmtBatch
	rep     *Report // the parser's own report
	cur     *stmtBatch
	// made counts the arenas in use, inFlight those handed over and not
	// back yet: the parser waits for one to come back rather than make
	// more than pipeArenas, so memory stays bounded.
	made, inFlight int
}

// pipeArenas bounds the arenas made while some are on their way back. A
// file being read holds one, so nested includes may need up to
// maxIncludeDepth more; free has room for all of them.
const pipeArenas = pipeQueue + 2

// stmtBatch is a run of top-level statements, and the arenas that no
// statement after them uses.
type stmtBatch struct {
	items []stmtItem
	done  []*arenas
}

// stmtItem is one top-level statement (nil at the end), after the
// parser diagnostics reported before it (usually none).
type stmtItem struct {
	n     *node
	ar    *arenas
	diags *itemDiags
}

type itemDiags struct {
	diags   []Diag
	dropped int
}

func pipelined() bool { return usePipeline && runtime.GOMAXPROCS(0) > 1 }

func newPipe() *pipe {
	return &pipe{
		out:     make(chan *stmtBatch, pipeQueue),
		free:    make(chan *arenas, pipeArenas+maxIncludeDepth+2),
		batches: make(chan *stmtBatch, pipeQueue+2),
		rep:     &Report{},
		cur:     &stmtBatch{},
	}
}

// arenas returns a free set of arenas: one back from the builder, a new
// one, or, when enough are made and some are on their way back, the next
// to come back.
func (q *pipe) arenas() *arenas {
	for {
		var a *arenas
		select {
		case a = <-q.free:
		default:
			if q.inFlight == 0 || q.made < pipeArenas {
				q.made++
				return &arenas{
					toks:  make([]token, 0, 2*batchToks),
					nodes: make([]node, 0, 2*batchNodes),
					ptrs:  make([]*node, 0, 2*batchPtrs),
				}
			}
			a = <-q.free
		}
		q.inFlight--
		if a != nil {
			return a
		}
		q.made-- // the builder kept a statement in it
	}
}

// send queues top-level statement n, read by sp.
func (q *pipe) send(n *node, sp *stmtParser) {
	it := stmtItem{n: n, ar: sp.ar}
	q.takeDiags(&it)
	q.cur.items = append(q.cur.items, it)
	if a := sp.ar; len(a.toks) >= batchToks || len(a.nodes) >= batchNodes || len(a.ptrs) >= batchPtrs {
		q.cur.done = append(q.cur.done, a)
		q.flush() // first: arenas may wait for what this hands over
		sp.ar = q.arenas()
	}
}

// release hands over arenas the parser is done with (at the end of a
// file).
func (q *pipe) release(a *arenas) { q.cur.done = append(q.cur.done, a) }

// takeDiags moves the parser's diagnostics so far into it.
func (q *pipe) takeDiags(it *stmtItem) {
	if len(q.rep.Diags) > 0 || q.rep.dropped > 0 {
		it.diags = &itemDiags{slices.Clone(q.rep.Diags), q.rep.dropped}
		q.rep.Diags, q.rep.dropped = q.rep.Diags[:0], 0
	}
}

func (q *pipe) flush() {
	if len(q.cur.items) > 0 || len(q.cur.done) > 0 {
		q.inFlight += len(q.cur.done)
		q.out <- q.cur
		select {
		case q.cur = <-q.batches:
		default:
			q.cur = &stmtBatch{items: make([]stmtItem, 0, 256)}
		}
	}
}

// finish hands over what is left: the last statements and the
// diagnostics after them.
func (q *pipe) finish() {
	if len(q.rep.Diags) > 0 || q.rep.dropped > 0 {
		it := stmtItem{}
		q.takeDiags(&it)
		q.cur.items = append(q.cur.items, it)
	}
	q.flush()
	close(q.out)
}

// parseAll runs p over path on a new goroutine and hands each statement
// to emit on this one, with the diagnostics into rep. The parser's own
// Report only drops errors that rep would drop too (it counts a subset
// of rep's errors).
func parseAll(p *parser, path string, rep *Report, emit func(*node) bool) {
	q := newPipe()
	p.pipe, p.rep = q, q.rep
	go func() {
		p.parseFile(path, nil)
		q.finish()
	}()
	for batch := range q.out {
		for _, it := range batch.items {
			if x := it.diags; x != nil {
				for _, d := range x.diags {
					rep.add(Pos{File: d.File, Line: int32(d.Line), Col: int32(d.Col)}, d.Warning, d.Msg)
				}
				rep.dropped += x.dropped
			}
			if it.n != nil && emit(it.n) {
				it.ar.kept = true
			}
		}
		for _, a := range batch.done {
			if a.kept {
				a = nil
			} else {
				a.reset()
			}
			q.free <- a // never blocks: free has room for every set made
		}
		clear(batch.items) // no hold on the statements
		batch.items, batch.done = batch.items[:0], batch.done[:0]
		select {
		case q.batches <- batch:
		default:
		}
	}
}
