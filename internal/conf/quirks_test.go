package conf

import (
	"net/netip"
	"testing"
	"time"
)

// The typed values of the crafted quirks match what the upstream parser
// produced (racoon2-samples/quirks/EXPECTED.txt).

func TestQuirk01IKEv2FirstWinsIKEv1LastWins(t *testing.T) {
	c, r := quirk(t, "q01-ikev2-dup-order.conf")
	if r.HasErrors() {
		t.Fatal(reportText(r))
	}
	rm := c.Remote("r1")
	v2 := rm.IKEv2
	if v2.Passive != On || v2.PeersIPAddr[0].Prefix.Addr() != netip.MustParseAddr("192.0.2.1") || v2.PeersIPAddr[0].Port != 500 || v2.MyID[0].Value != "first.example" {
		t.Errorf("ikev2 = passive %v peers %v my_id %v", v2.Passive, v2.PeersIPAddr, v2.MyID)
	}
	if rm.IKEv1.Passive != Off {
		t.Errorf("ikev1 passive = %v, want off (last wins)", rm.IKEv1.Passive)
	}
	if rm.InitiateKMP() != KMPIKEv2 {
		t.Errorf("initiate = %v", rm.InitiateKMP())
	}
}

func TestQuirk02Scripts(t *testing.T) {
	c, r := quirk(t, "q02-script-forms.conf")
	if r.HasErrors() {
		t.Fatal(reportText(r))
	}
	rm := c.Remote("r1")
	if rm.IKEv2.Scripts[ScriptPhase1Up] != "/hook/up" || rm.IKEv2.DHGroup[0].Info().Group != 14 {
		t.Errorf("ikev2 scripts %q dh %v", rm.IKEv2.Scripts, rm.IKEv2.DHGroup)
	}
	v1 := rm.IKEv1
	if v1.Scripts[ScriptPhase1Up] != "/hook/a" || v1.Scripts[ScriptPhase1Down] != "/hook/b" {
		t.Errorf("ikev1 scripts %q", v1.Scripts)
	}
	if len(v1.DHGroup) != 2 || v1.DHGroup[0].Name != "modp1536" || v1.DHGroup[1].Name != "modp1024" {
		t.Errorf("ikev1 dh %v", v1.DHGroup)
	}
}

func TestQuirk03UnitsAndNumbers(t *testing.T) {
	c, r := quirk(t, "q03-units-numbers.conf")
	if r.HasErrors() {
		t.Fatal(reportText(r))
	}
	k := c.Remote("r1").IKEv2
	if k.KMPSALifetimeTime != 24*time.Hour || k.KMPSALifetimeByte != 102400 || k.IntervalToSend != 10*time.Minute ||
		k.MaxRetryToSend != 16 || k.NonceSize != 32 || k.Request != 0x53 {
		t.Errorf("got %+v", k)
	}
	// kmp_sa_nego_time_limit infinite is 0, so the built-in 600 s applies
	// (the "0 means unset" rule).
	if k.KMPSANegoTimeLimit != 600*time.Second {
		t.Errorf("nego limit %v", k.KMPSANegoTimeLimit)
	}
	want := []Algorithm{{Name: "aes_ctr", KeyLen: 256}, {Name: "aes128_cbc", KeyLen: 128, Key: "0x1234", HasKey: true}, {Name: "rijndael_cbc", KeyLen: KeyLenNone, Key: "abc", HasKey: true}}
	for i, w := range want {
		if k.EncAlg[i] != w {
			t.Errorf("enc[%d] = %+v, want %+v", i, k.EncAlg[i], w)
		}
	}
}

func TestQuirk07PoolOrder(t *testing.T) {
	c, r := quirk(t, "q07-pool-range-ok.conf")
	if r.HasErrors() {
		t.Fatal(reportText(r))
	}
	p := c.AddressPool("p1")
	if len(p.Ranges) != 2 || p.Ranges[0].Start.String() != "10.0.0.1" || p.Ranges[1].End.String() != "fd00::ff" {
		t.Errorf("ranges %v", p.Ranges)
	}
	if !hasWarning(r, "last to first") {
		t.Errorf("no warning about racoon2's reversed order:\n%s", reportText(r))
	}
}

func TestQuirk08SetvalFirstWins(t *testing.T) {
	c, r := quirk(t, "q08-setval-dup.conf")
	if r.HasErrors() {
		t.Fatal(reportText(r))
	}
	s := c.Selector("sel1")
	if s == nil || s.Src[0].Prefix.Addr().String() != "192.0.2.1" {
		t.Errorf("selector %+v", s)
	}
}

func TestQuirk15ICMPTypeCode(t *testing.T) {
	c, r := quirk(t, "q15-icmp-type-code.conf")
	if r.HasErrors() {
		t.Fatal(reportText(r))
	}
	s := c.Selector("a")
	if s.ULP != 1 || s.ULPArgs != [2]int{8, 0} || s.Policy.Action != ActionNone {
		t.Errorf("selector %+v policy %+v", s, s.Policy)
	}
}

func TestQuirk17AddressForms(t *testing.T) {
	c, r := quirk(t, "q17-addr-forms.conf")
	if r.HasErrors() {
		t.Fatal(reportText(r))
	}
	f := c.Interface
	ike := f.IKEAddrs
	if !ike[0].IsMacro("MY_IPV4") || ike[0].Iface != "lo" || ike[0].Port != 4500 || !ike[1].IsMacro("IP_RW") || ike[1].Port != 0 ||
		ike[2].Kind != AddrIP || ike[2].Prefix.Addr() != netip.IPv6Loopback() || ike[2].Port != 500 {
		t.Errorf("ike %+v", ike)
	}
	want := []string{"127.0.0.1:4500", "0.0.0.0:0", "[::]:0", "[::1]:500"}
	if len(f.IKE) != len(want) {
		t.Fatalf("IKE = %v, want %v", f.IKE, want)
	}
	for i, w := range want {
		if f.IKE[i].String() != w {
			t.Errorf("IKE[%d] = %v, want %v", i, f.IKE[i], w)
		}
	}
	if len(f.Spmd) != 1 || f.Spmd[0] != "/var/run/racoon2/spmif" || f.SpmdPassword != "/etc/racoon2/spmd.pwd" || f.ApplicationBypass != Off {
		t.Errorf("interface %+v", f)
	}
	k := c.Remote("r1").IKEv2
	if k.PeersIPAddr[0].Kind != AddrFQDN || k.PeersIPAddr[0].Name != "www.example.com" || k.PeersIPAddr[0].Port != 500 {
		t.Errorf("peers_ipaddr %+v", k.PeersIPAddr)
	}
	if k.PeersID[0] != (ID{Type: IDKeyID, Qual: QualTag, Value: "a#b", Pos: k.PeersID[0].Pos}) || k.MyID[0].Qual != QualFile {
		t.Errorf("ids %+v %+v", k.PeersID, k.MyID)
	}
}

func hasWarning(r *Report, sub string) bool {
	for _, d := range r.Diags {
		if d.Warning && contains(d.Msg, sub) {
			return true
		}
	}
	return false
}

func hasError(r *Report, sub string) bool {
	for _, d := range r.Diags {
		if !d.Warning && contains(d.Msg, sub) {
			return true
		}
	}
	return false
}
