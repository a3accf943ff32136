package xfrm

import (
	"net/netip"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// TestKernelMigrate: XFRM_MSG_MIGRATE moves a tunnel policy and its SA to
// a new local address; the MIGRATE multicast comes back as an ike.Migrate.
func TestKernelMigrate(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	sel := ike.Selector{Src: netip.MustParsePrefix("10.1.0.0/24"), Dst: netip.MustParsePrefix("10.2.0.0/24")}
	p := &ike.Policy{Selector: sel, Dir: ike.DirOut, Action: ike.ActionIPsec, Templates: []ike.Template{
		{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelUnique, ReqID: 7, Src: addrA, Dst: addrB}}}
	if _, err := k.AddPolicy(p); err != nil {
		t.Fatal(err)
	}
	sa := &ike.SA{Src: addrA, Dst: addrB, Proto: ike.ProtoESP, SPI: 0x5151, Mode: ike.ModeTunnel, ReqID: 7,
		EncrID: 20, EncrKey: key(20, 1)}
	if err := k.AddSA(sa); err != nil {
		t.Fatal(err)
	}
	newSrc := netip.MustParseAddr("192.0.2.9")
	ev := &ike.Migrate{Selector: sel, Dir: ike.DirOut, ReqID: 7, OldSrc: addrA, OldDst: addrB, NewSrc: newSrc, NewDst: addrB}
	if err := k.Migrate(ev, ike.ProtoESP, ike.ModeTunnel); err != nil {
		t.Fatal(err)
	}
	got := waitEvent(t, k, 3*time.Second, func(*ike.Migrate) bool { return true })
	if *got != *ev {
		t.Errorf("MIGRATE event %+v, want %+v", got, ev)
	}
	if _, err := k.QuerySA(ike.SAID{Src: newSrc, Dst: addrB, Proto: ike.ProtoESP, SPI: 0x5151}); err != nil {
		t.Errorf("migrated SA: %v", err)
	}
}
