package ikev2

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// HookEvent is a racoon2 hook script event (racoon2 3.5, script {}).
type HookEvent uint8

// Hook events, named as racoon2 passes them in argv[1].
const (
	HookPhase1Up HookEvent = iota
	HookPhase1Down
	HookPhase2Up
	HookPhase2Down
	HookPhase1Rekey
	HookPhase2Rekey
	HookMigration
)

var hookNames = [...]string{"phase1_up", "phase1_down", "phase2_up", "phase2_down", "phase1_rekey", "phase2_rekey", "migration"}

func (h HookEvent) String() string {
	if int(h) < len(hookNames) {
		return hookNames[h]
	}
	return "hook(" + strconv.Itoa(int(h)) + ")"
}

// Hooks runs hook scripts (internal/hook). Run is called on the event
// loop and must not block: it queues the script of remote for event (a
// HookEvent's name) with environment env (KEY=value strings, exactly
// racoon2's variables).
type Hooks interface {
	Run(remote, event string, env []string)
}

// hookDrainTime bounds how long shutdown waits for queued hook scripts.
const hookDrainTime = time.Second

// drainHooksThen runs the hook scripts still queued (the last phase1_down
// and phase2_down), at most hookDrainTime, before done: racoon2 runs them
// before it exits. The runner is stopped then: the engine is done with it,
// and the daemon makes a new one with each new engine.
func (e *Engine) drainHooksThen(done func()) func() {
	d, ok := e.ext.hooks.(interface{ Drain(time.Duration) bool })
	if !ok || done == nil {
		return done
	}
	return func() {
		d.Drain(hookDrainTime)
		if s, ok := d.(interface{ Stop() }); ok {
			s.Stop()
		}
		done()
	}
}

// SetHooks installs the hook runner (nil: no hooks); the engine stops it
// at the end of Shutdown when it has a Stop method.
func (e *Engine) SetHooks(h Hooks) { e.ext.hooks = h }

// hookIKE runs a phase1 hook: LOCAL_ADDR LOCAL_PORT REMOTE_ADDR REMOTE_PORT.
func (e *Engine) hookIKE(sa *IKESA, ev HookEvent) {
	if e.ext.hooks == nil || sa.peer == nil {
		return
	}
	env := []string{
		"LOCAL_ADDR=" + sa.local.Addr().Unmap().String(),
		"LOCAL_PORT=" + strconv.Itoa(int(sa.local.Port())),
		"REMOTE_ADDR=" + sa.remote.Addr().Unmap().String(),
		"REMOTE_PORT=" + strconv.Itoa(int(sa.remote.Port())),
	}
	e.ext.hooks.Run(sa.peer.Name, ev.String(), env)
}

// hookChild runs a phase2 hook with racoon2's IKEv2 phase2 environment.
func (e *Engine) hookChild(sa *IKESA, c *childSA, ev HookEvent) {
	if e.ext.hooks == nil || sa.peer == nil || c.cfg == nil {
		return
	}
	e.ext.hooks.Run(sa.peer.Name, ev.String(), phase2Env(sa, c))
}

// phase2Env builds the phase2 variables (racoon2 3.5). Internal addresses
// come from the configuration payload lease, when there is one.
func phase2Env(sa *IKESA, c *childSA) []string {
	ch := c.cfg
	local, peer := c.addrs(sa)
	sel := ch.Sel
	proto := "any"
	if sel.Proto != 0 && sel.Proto != 255 {
		proto = strconv.Itoa(int(sel.Proto))
	}
	env := []string{
		"LOCAL_ADDR=" + local.Unmap().String(),
		"REMOTE_ADDR=" + peer.Unmap().String(),
		"SELECTOR_INDEX=" + ch.Selector,
		"IPSEC_MODE=" + c.mode.String(),
		"LOCAL_NET_ADDR=" + sel.Src.Addr().String(),
		"LOCAL_NET_PREFIXLEN=" + strconv.Itoa(sel.Src.Bits()),
		"LOCAL_NET_PORT=" + strconv.Itoa(int(sel.SrcPort)),
		"REMOTE_NET_ADDR=" + sel.Dst.Addr().String(),
		"REMOTE_NET_PREFIXLEN=" + strconv.Itoa(sel.Dst.Bits()),
		"REMOTE_NET_PORT=" + strconv.Itoa(int(sel.DstPort)),
		"UPPER_LAYER_PROTOCOL=" + proto,
	}
	if ch.ReverseSelector != "" {
		// The inbound selector of the pair, which racoon2 names too.
		env = append(env, "SELECTOR2_INDEX="+ch.ReverseSelector)
	}
	return append(env, internalEnv(sa.cp)...)
}

// internalEnv is the INTERNAL_* and APPLICATION_VERSION part of the
// phase2 environment as racoon2 builds it: the addresses we leased to the
// peer go in INTERNAL4_ADDR/INTERNAL6_ADDR (and INTERNAL_ADDR when there
// is only one); what the peer assigned to us goes in the others, which are
// always set, empty when nothing was assigned. Lists are space-separated.
func internalEnv(l *cpLease) []string {
	var env []string
	got := &cpLease{}
	if l != nil && l.assigned {
		got = l
	} else if l != nil && l.pool != nil {
		env = leasedEnv(l)
	}
	return append(env,
		"INTERNAL_ADDR4="+addrString(got.addr4),
		"INTERNAL_DNS4="+joinAddrs(got.dns4),
		"INTERNAL_WINS4=",
		"INTERNAL_DHCP4="+joinAddrs(got.dhcp4),
		"INTERNAL_ADDR6="+addrString(got.addr6),
		"INTERNAL_DNS6="+joinAddrs(got.dns6),
		"INTERNAL_DHCP6="+joinAddrs(got.dhcp6),
		"APPLICATION_VERSION="+got.appVersion)
}

// leasedEnv names the addresses l leased to the peer.
func leasedEnv(l *cpLease) []string {
	var env, one []string
	if l.addr4.IsValid() {
		env = append(env, "INTERNAL4_ADDR="+l.addr4.String())
		one = append(one, "INTERNAL_ADDR="+l.addr4.String())
	}
	if l.addr6.IsValid() {
		env = append(env, "INTERNAL6_ADDR="+l.addr6.String())
		one = append(one, "INTERNAL_ADDR="+l.addr6.String())
	}
	if len(one) == 1 {
		env = append(env, one[0])
	}
	return env
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func joinAddrs(a []netip.Addr) string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = x.String()
	}
	return strings.Join(s, " ")
}

// handleMigrate runs the migration hook (OLD_SRC OLD_DST NEW_SRC NEW_DST)
// for a kernel MIGRATE of one of our children (matched by reqid, else by
// its old endpoints), as racoon2 does; the SAs themselves are not moved
// (racoon2's IKEv2 MIGRATE support is partial and MIPv6-only). It reports
// whether the event was ours.
func (e *Engine) handleMigrate(m *ike.Migrate) bool {
	for _, sa := range e.sortedSAs() {
		for _, c := range sa.children {
			local, peer := c.addrs(sa)
			if (m.ReqID != 0 && c.cfg.ReqID == m.ReqID) || (local == m.OldSrc && peer == m.OldDst) {
				sa.log.Info("kernel MIGRATE", "old-src", m.OldSrc, "old-dst", m.OldDst, "new-src", m.NewSrc, "new-dst", m.NewDst)
				if e.ext.hooks != nil {
					e.ext.hooks.Run(sa.peer.Name, HookMigration.String(), []string{"OLD_SRC=" + m.OldSrc.String(),
						"OLD_DST=" + m.OldDst.String(), "NEW_SRC=" + m.NewSrc.String(), "NEW_DST=" + m.NewDst.String()})
				}
				return true
			}
		}
	}
	return false
}
