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

// add records a policy. Entries for the kernel policy it replaced are
// dropped first, so the last writer wins, as in racoon2: the one with the
// same id (Linux keeps the id of a policy SPDUPDATE replaces), and the ones
// with the same selector and direction. The second rule is racoon2's
// HAVE_SPDUPDATE_BUG (reference sections 4.4, 9.6): FreeBSD's and NetBSD's
// key_spdadd unlink the old policy and give the new one a fresh id, so the
// old entry's id is gone from the kernel. racoon2 re-keyed its entries by
// selector name and addresses there; the kernel's own identity
// (key_cmpspidx_exactly: direction, addresses, prefixes, ports,
// protocol) is exact on both systems, so it serves everywhere.
func (t *table) add(e *entry) {
	for i := 0; i < len(t.list); {
		x := t.list[i]
		if x.pol.ID == e.pol.ID || (x.pol.Dir == e.pol.Dir && x.pol.Selector == e.pol.Selector) {
			t.remove(x)
			continue
		}
		i++
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
