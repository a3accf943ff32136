package pfkey

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

// TestKernelSPD: spmd's SPD messages (reference section 9.3): SPDUPDATE of
// IPsec (ESP+AH transport, tunnel fwd), bypass and discard policies,
// SPDGET and SPDDUMP, SPDDELETE2 by id, SPDDELETE by selector, SPDFLUSH.
func TestKernelSPD(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	if err := k.SPDFlush(); err != nil {
		t.Fatal(err)
	}
	sel := ike.Selector{Src: netip.MustParsePrefix("10.1.0.0/16"), Dst: netip.MustParsePrefix("10.2.0.0/16"), Proto: 6, DstPort: 80}
	pols := []*ike.Policy{
		{Selector: sel, Dir: ike.DirOut, Action: ike.ActionIPsec, Templates: []ike.Template{
			{Proto: ike.ProtoESP, Mode: ike.ModeTransport, Level: ike.LevelRequire},
			{Proto: ike.ProtoAH, Mode: ike.ModeTransport, Level: ike.LevelRequire}}},
		{Selector: sel, Dir: ike.DirFwd, Action: ike.ActionIPsec, Templates: []ike.Template{
			{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelUnique, ReqID: 100, Src: addrA, Dst: addrB}}},
		{Selector: ike.Selector{Src: netip.MustParsePrefix("10.3.0.0/16"), Dst: netip.MustParsePrefix("10.4.0.0/16")},
			Dir: ike.DirIn, Action: ike.ActionBypass},
		{Selector: ike.Selector{Src: netip.MustParsePrefix("10.5.0.0/16"), Dst: netip.MustParsePrefix("10.6.0.0/16")},
			Dir: ike.DirOut, Action: ike.ActionDiscard},
	}
	for _, p := range pols {
		if _, err := k.AddPolicy(p); err != nil {
			t.Fatal(err)
		}
	}
	out := kerneltest.Cmd(t, "", "ip", "xfrm", "policy", "list")
	for _, w := range []string{"proto tcp dport 80 \n\tdir out", "proto esp reqid 0 mode transport", "proto ah reqid 0 mode transport",
		"dir fwd", "reqid 100 mode tunnel", "dir in", "action block"} {
		if !strings.Contains(out, w) {
			t.Errorf("policies lack %q:\n%s", w, out)
		}
	}
	g, err := k.SPDGet(pols[1].ID, ike.DirFwd)
	if err != nil {
		t.Fatal(err)
	}
	if g.Policy == nil || len(g.Policy.Requests) != 1 || g.Policy.Requests[0].ReqID != 100 ||
		g.Policy.Requests[0].Dst.Addr() != addrB || g.Dst.PrefixLen != 16 {
		t.Errorf("SPDGET: %+v", g.Policy)
	}
	d, err := k.SPDDump()
	if err != nil || len(d) != 4 {
		t.Fatalf("SPDDUMP: %d, %v", len(d), err)
	}
	if err := k.DeletePolicy(pols[0]); err != nil { // by id: SPDDELETE2
		t.Fatal(err)
	}
	bySel := *pols[2]
	bySel.ID = 0
	if err := k.DeletePolicy(&bySel); err != nil { // by selector: SPDDELETE
		t.Fatal(err)
	}
	if d, err = k.SPDDump(); err != nil || len(d) != 2 {
		t.Fatalf("SPDDUMP after deletes: %d, %v", len(d), err)
	}
	if err := k.SPDFlush(); err != nil {
		t.Fatal(err)
	}
	if d, err = k.SPDDump(); err != nil || len(d) != 0 {
		t.Fatalf("SPDDUMP after flush: %d, %v", len(d), err)
	}
}
