package ikev2

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
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
// the last child of the line goes. A rekeyed IKE SA runs phase1_rekey,
// not phase1_up, on both sides.
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
	// An IKE SA rekey: phase1_rekey on both sides, no phase1_up again,
	// no down hook for the old SA or for the children it passes on.
	p.a.rekeyIKE(only(t, p.a))
	p.w.Run()
	for _, h := range []*hookRec{ha, hb} {
		if h.count(HookPhase1Rekey) != 1 || h.count(HookPhase1Up) != 1 || h.count(HookPhase1Down) != 0 || h.count(HookPhase2Down) != 0 {
			t.Fatalf("after an IKE SA rekey: %v", h.events())
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
// phase2_down or phase1_down for it on either side, and one phase2_rekey
// and one phase1_rekey, as for a rekey without a collision.
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
			if h.count(HookPhase2Rekey) != 1 || h.count(HookPhase1Rekey) != 1 {
				t.Fatalf("a collision ran the rekey hooks more than once: %v", h.events())
			}
		}
	}
}

// envOf is the environment of a recorded hook run, by name.
func envOf(run string) map[string]string {
	env := map[string]string{}
	f := strings.SplitN(run, " ", 3)
	if len(f) < 3 {
		return env
	}
	for _, kv := range strings.Split(f[2], ",") {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

// checkEnv fails unless env has want's variables with their values, and
// none of absent.
func checkEnv(t *testing.T, side string, env, want map[string]string, absent ...string) {
	t.Helper()
	for k, v := range want {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("%s: %s=%q (set %v), want %q", side, k, got, ok, v)
		}
	}
	for _, k := range absent {
		if _, ok := env[k]; ok {
			t.Errorf("%s: %s set to %q, want unset", side, k, env[k])
		}
	}
}

// racoon2 3.5 (script.c): the phase2 environment always has INTERNAL_ADDR4
// INTERNAL_DNS4 INTERNAL_WINS4 INTERNAL_DHCP4 INTERNAL_ADDR6 INTERNAL_DNS6
// INTERNAL_DHCP6 APPLICATION_VERSION, empty without a configuration
// payload; INTERNAL4_ADDR INTERNAL6_ADDR INTERNAL_ADDR only with a lease.
func TestHookPhase2EnvWithoutCP_Racoon2_3_5(t *testing.T) {
	p := newPair(t, nil)
	h := &hookRec{}
	p.a.SetHooks(h)
	p.establish(t)
	up := h.find(HookPhase2Up)
	if len(up) != 1 {
		t.Fatalf("phase2_up runs %q", up)
	}
	empty := map[string]string{}
	for _, k := range []string{"INTERNAL_ADDR4", "INTERNAL_DNS4", "INTERNAL_WINS4", "INTERNAL_DHCP4",
		"INTERNAL_ADDR6", "INTERNAL_DNS6", "INTERNAL_DHCP6", "APPLICATION_VERSION"} {
		empty[k] = ""
	}
	checkEnv(t, "initiator", envOf(up[0]), empty, "INTERNAL4_ADDR", "INTERNAL6_ADDR", "INTERNAL_ADDR")
}

// racoon2 3.5 (script.c, samples/hook 00childup_sample): the responder's
// scripts see the addresses it leased in INTERNAL4_ADDR/INTERNAL6_ADDR
// (and INTERNAL_ADDR for a single lease); the initiator's see what was
// assigned to it in INTERNAL_ADDR4, INTERNAL_DNS4, ... and the peer's
// APPLICATION_VERSION.
func TestHookPhase2EnvLease_Racoon2_3_5(t *testing.T) {
	pool := ike.NewPool("rw", ike.AddrRange{First: netip.MustParseAddr("10.9.0.10"), Last: netip.MustParseAddr("10.9.0.20")})
	p, _ := cpPair(t, pool)
	ha, hb := &hookRec{}, &hookRec{}
	p.a.SetHooks(ha)
	p.b.SetHooks(hb)
	p.establish(t)
	ua, ub := ha.find(HookPhase2Up), hb.find(HookPhase2Up)
	if len(ua) != 1 || len(ub) != 1 {
		t.Fatalf("phase2_up runs %q %q", ua, ub)
	}
	checkEnv(t, "initiator", envOf(ua[0]), map[string]string{"INTERNAL_ADDR4": "10.9.0.10", "INTERNAL_DNS4": "10.9.0.1",
		"INTERNAL_DHCP4": "", "INTERNAL_ADDR6": "", "APPLICATION_VERSION": "racoon2go test"},
		"INTERNAL4_ADDR", "INTERNAL6_ADDR", "INTERNAL_ADDR")
	checkEnv(t, "responder", envOf(ub[0]), map[string]string{"INTERNAL4_ADDR": "10.9.0.10", "INTERNAL_ADDR": "10.9.0.10",
		"INTERNAL_ADDR4": "", "INTERNAL_DNS4": "", "APPLICATION_VERSION": ""}, "INTERNAL6_ADDR")
	// Two leases: one per family, no single INTERNAL_ADDR.
	l := &cpLease{pool: pool, addr4: netip.MustParseAddr("10.9.0.11"), addr6: netip.MustParseAddr("2001:db8::11")}
	checkEnv(t, "dual", envOf("b phase2_up "+strings.Join(internalEnv(l), ",")),
		map[string]string{"INTERNAL4_ADDR": "10.9.0.11", "INTERNAL6_ADDR": "2001:db8::11", "INTERNAL_ADDR6": ""}, "INTERNAL_ADDR")
}

// stoppingHooks records Run, Drain and Stop.
type stoppingHooks struct {
	hookRec
	drained, stopped int
}

func (h *stoppingHooks) Drain(time.Duration) bool { h.drained++; return true }
func (h *stoppingHooks) Stop()                    { h.stopped++ }

// racoon2 3.5: the last phase1_down runs at shutdown; then the engine
// stops its hook runner, which would otherwise outlive it (a goroutine
// per SIGHUP, when the daemon rebuilds its engines).
func TestShutdownStopsHookRunner(t *testing.T) {
	p := newPair(t, nil)
	h := &stoppingHooks{}
	p.b.SetHooks(h)
	p.establish(t)
	done := false
	p.b.Shutdown(func() { done = true })
	p.w.Run()
	if !done || h.count(HookPhase1Down) != 1 || h.drained != 1 || h.stopped != 1 {
		t.Fatalf("done %v, phase1_down %d, drained %d, stopped %d", done, h.count(HookPhase1Down), h.drained, h.stopped)
	}
}

// With no IKE SA left to delete, Shutdown still drains and stops the
// runner (scripts of SAs that went before may be queued).
func TestShutdownStopsHookRunnerWithoutSAs(t *testing.T) {
	p := newPair(t, nil)
	h := &stoppingHooks{}
	p.b.SetHooks(h)
	done := false
	p.b.Shutdown(func() { done = true })
	if !done || h.drained != 1 || h.stopped != 1 {
		t.Fatalf("done %v, drained %d, stopped %d", done, h.drained, h.stopped)
	}
}

// When the peer never answers the Shutdown's Delete, the daemon's grace
// period ends with Abandon: the SA goes, its phase1_down runs, and the
// runner is drained and stopped.
func TestAbandonAfterUnansweredDelete(t *testing.T) {
	p := newPair(t, nil)
	h := &stoppingHooks{}
	p.b.SetHooks(h)
	p.establish(t)
	p.w.AddFilter(iketest.Drop(func(q ike.Packet) bool { return q.Local.Addr() == addrA }))
	done := false
	p.b.Shutdown(func() { done = true })
	p.w.Run()
	if done || h.stopped != 0 {
		t.Fatalf("Shutdown finished without an answer: done %v, stopped %d", done, h.stopped)
	}
	p.b.Abandon()
	if !done || p.b.Len() != 0 || h.count(HookPhase1Down) != 1 || h.drained != 1 || h.stopped != 1 {
		t.Fatalf("done %v, SAs %d, phase1_down %d, drained %d, stopped %d", done, p.b.Len(), h.count(HookPhase1Down), h.drained, h.stopped)
	}
}
