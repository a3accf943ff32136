package spmd

import (
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// entry binds a kernel policy spmd installed to its selector.
type entry struct {
	sel     string
	pol     ike.Policy // as installed, ID set
	expires time.Time  // zero: permanent
	// ours: the backend took no lifetime (XFRM here), so spmd itself
	// removes the policy at expires.
	ours bool
}

// table is racoon2's spid <-> selector table. Entries keep install order
// (POLICY DUMP lists them so); byID serves SLID.
type table struct {
	list []*entry
	byID map[uint32]*entry
}

func newTable() *table { return &table{byID: map[uint32]*entry{}} }

// add records a policy; an older entry with the same id is dropped first
// (the kernel replaced it: the last writer wins, as in racoon2).
func (t *table) add(e *entry) {
	if old := t.byID[e.pol.ID]; old != nil {
		t.remove(old)
	}
	t.list = append(t.list, e)
	t.byID[e.pol.ID] = e
}

func (t *table) remove(e *entry) {
	for i, x := range t.list {
		if x == e {
			t.list = append(t.list[:i], t.list[i+1:]...)
			break
		}
	}
	if t.byID[e.pol.ID] == e {
		delete(t.byID, e.pol.ID)
	}
}

// due lists the entries whose hard lifetime has passed.
func (t *table) due(now time.Time) []*entry {
	var out []*entry
	for _, e := range t.list {
		if !e.expires.IsZero() && !now.Before(e.expires) {
			out = append(out, e)
		}
	}
	return out
}

// next is the earliest lifetime end spmd must enforce itself.
func (t *table) next() (time.Time, bool) {
	var at time.Time
	for _, e := range t.list {
		if e.ours && (at.IsZero() || e.expires.Before(at)) {
			at = e.expires
		}
	}
	return at, !at.IsZero()
}

func (t *table) lookup(id uint32) *entry {
	if id == 0 {
		return nil
	}
	return t.byID[id]
}

// bySelector lists the entries of one selector, in install order.
func (t *table) bySelector(sel string) []*entry {
	var out []*entry
	for _, e := range t.list {
		if e.sel == sel {
			out = append(out, e)
		}
	}
	return out
}
