package ikev2

import (
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike/iketest"
)

// events lists the hook event names h recorded, in order.
func (h *hookRec) events() []string {
	var evs []string
	for _, r := range h.runs {
		evs = append(evs, strings.Fields(r)[1])
	}
	return evs
}

func (h *hookRec) count(ev HookEvent) int { return len(h.find(ev)) }

// racoon2 3.5 (ikev2_child.c: no phase2_down while rekey_inprogress): a
// child replaced by a rekey leaves without phase2_down, on the side that
// rekeyed and on the side that answered; phase2_down comes once, when
// the last child of the line goes.
func TestHookNoPhase2DownOnRekey_Racoon2_3_5(t *testing.T) {
	p := newPair(t, nil)
	ha, hb := &hookRec{}, &hookRec{}
	p.a.SetHooks(ha)
	p.b.SetHooks(hb)
	p.establish(t)
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	p.b.rekeyChild(firstChild(t, p.b))
	p.w.Run()
	for _, h := range []*hookRec{ha, hb} {
		if n := h.count(HookPhase2Down); n != 0 {
			t.Fatalf("phase2_down on rekey: %v", h.events())
		}
		if n := h.count(HookPhase2Rekey); n != 2 {
			t.Fatalf("%d phase2_rekey, want 2: %v", n, h.events())
		}
	}
	p.a.deleteIKE(only(t, p.a))
	p.w.Run()
	for _, h := range []*hookRec{ha, hb} {
		if n := h.count(HookPhase2Down); n != 1 {
			t.Fatalf("%d phase2_down at the end, want 1: %v", n, h.events())
		}
	}
}

// RFC 7296 2.8.1 and 2.8.2 with racoon2 3.5: when both peers rekey at once,
// the redundant new SA is deleted, but the SA it doubled lives on: no
// phase2_down or phase1_down for it on either side.
func TestHookNoDownOnRekeyCollision_RFC7296_2_8(t *testing.T) {
	for i := 0; i < 16; i++ { // random nonces: both outcomes
		p := newPair(t, nil)
		ha, hb := &hookRec{}, &hookRec{}
		p.a.SetHooks(ha)
		p.b.SetHooks(hb)
		p.establish(t)
		if i%2 == 1 {
			p.w.AddFilter(iketest.Reorder(iketest.Any))
		}
		p.a.rekeyChild(firstChild(t, p.a))
		p.b.rekeyChild(firstChild(t, p.b))
		p.w.Run()
		p.a.rekeyIKE(only(t, p.a))
		p.b.rekeyIKE(only(t, p.b))
		p.w.Run()
		p.w.Advance(time.Minute)
		p.mustBeUp(t)
		if p.a.ExtStats().Collisions != 2 {
			t.Fatalf("collisions %d, want 2", p.a.ExtStats().Collisions)
		}
		for _, h := range []*hookRec{ha, hb} {
			if h.count(HookPhase2Down) != 0 || h.count(HookPhase1Down) != 0 {
				t.Fatalf("down hook for a redundant SA: %v", h.events())
			}
		}
	}
}
