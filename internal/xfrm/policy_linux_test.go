package xfrm

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

// TestKernelPolicy: NEWPOLICY/UPDPOLICY and DELPOLICY for spmd: IPsec
// (ESP+AH transport, tunnel with fwd), bypass, discard, and a policy whose
// hard lifetime removes it (POLICY ADD with a lifetime).
func TestKernelPolicy(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	sel := ike.Selector{Src: netip.MustParsePrefix("10.1.0.0/16"), Dst: netip.MustParsePrefix("10.2.0.0/16"), Proto: 6, DstPort: 80}
	pols := []*ike.Policy{
		{Selector: sel, Dir: ike.DirOut, Action: ike.ActionIPsec, Priority: 100, Templates: []ike.Template{
			{Proto: ike.ProtoESP, Mode: ike.ModeTransport, Level: ike.LevelRequire},
			{Proto: ike.ProtoAH, Mode: ike.ModeTransport, Level: ike.LevelUse}}},
		{Selector: sel, Dir: ike.DirFwd, Action: ike.ActionIPsec, Templates: []ike.Template{
			{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelUnique, ReqID: 100, Src: addrA, Dst: addrB}}},
		{Selector: ike.Selector{Src: netip.MustParsePrefix("10.3.0.0/16"), Dst: netip.MustParsePrefix("10.4.0.0/16")},
			Dir: ike.DirIn, Action: ike.ActionBypass},
		{Selector: ike.Selector{Src: netip.MustParsePrefix("10.5.0.0/16"), Dst: netip.MustParsePrefix("10.6.0.0/16")},
			Dir: ike.DirOut, Action: ike.ActionDiscard},
	}
	for _, p := range pols {
		id, err := k.AddPolicy(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[ike.Dir]uint32{ike.DirIn: 0, ike.DirOut: 1, ike.DirFwd: 2}[p.Dir]; id%8 != want {
			t.Errorf("%v policy index %d", p.Dir, id)
		}
	}
	out := kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list")
	for _, w := range []string{"dir out priority 100", "proto esp reqid 0 mode transport", "proto ah reqid 0 mode transport\n\t\tlevel use",
		"dir fwd", "reqid 100 mode tunnel", "dir in", "action block"} {
		if !strings.Contains(out, w) {
			t.Errorf("policies lack %q:\n%s", w, out)
		}
	}
	// UPDPOLICY of the same selector keeps the index (spmd relies on it).
	id := pols[0].ID
	if id2, err := k.AddPolicy(pols[0]); err != nil || id2 != id {
		t.Errorf("re-add: index %d, %v; want %d", id2, err, id)
	}
	for _, p := range pols {
		if err := k.DeletePolicy(p); err != nil {
			t.Fatal(err)
		}
	}
	if out := kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list"); strings.TrimSpace(out) != "" {
		t.Errorf("policies left:\n%s", out)
	}
	tmp := &ike.Policy{Selector: sel, Dir: ike.DirOut, Action: ike.ActionDiscard, Lifetime: ike.Lifetime{HardTime: time.Second}}
	if _, err := k.AddPolicy(tmp); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	if out := kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list"); strings.TrimSpace(out) != "" {
		t.Errorf("policy with a 1 s lifetime still there:\n%s", out)
	}
}
