package conf

import (
	"net/netip"
	"testing"
)

func TestRemoteLookups(t *testing.T) {
	c, _ := mustLoad(t, `
remote noid { ikev2 { peers_ipaddr 192.0.2.0/24; }; };
remote host { ikev2 { peers_ipaddr 192.0.2.7; peers_id fqdn "h.example"; }; };
remote any { ikev2 { peers_ipaddr IP_ANY; peers_id fqdn "any.example"; }; };
remote v1 { acceptable_kmp ikev1; ikev1 { peers_ipaddr 198.51.100.1; peers_id ipaddr "198.51.100.1"; }; };
`)
	for _, tc := range []struct {
		k    KMP
		addr string
		want string
	}{
		{KMPIKEv2, "192.0.2.7", "noid"}, // the /24 comes first in the file
		{KMPIKEv2, "192.0.2.99", "noid"},
		{KMPIKEv2, "203.0.113.1", "any"},
		{KMPIKEv1, "198.51.100.1", "v1"}, // exact /32 (racoon2's rcs_matchaddr misses it)
		{KMPIKEv1, "198.51.100.2", ""},
	} {
		r := c.RemoteByAddr(tc.k, netip.MustParseAddr(tc.addr))
		got := ""
		if r != nil {
			got = r.Name
		}
		if got != tc.want {
			t.Errorf("RemoteByAddr(%v, %s) = %q, want %q", tc.k, tc.addr, got, tc.want)
		}
	}
	// A remote without peers_id does not end the search (racoon2's
	// rcf_get_remotebypeersid does).
	if r := c.RemoteByID(KMPIKEv2, ID{Type: IDFQDN, Value: "h.example"}); r == nil || r.Name != "host" {
		t.Errorf("RemoteByID = %v", r)
	}
	if r := c.RemoteByID(KMPIKEv2, ID{Type: IDEmail, Value: "h.example"}); r != nil {
		t.Errorf("RemoteByID with another type = %v", r.Name)
	}
	c2, _ := mustLoad(t, `remote a { ikev2 { peers_ipaddr 10.0.0.1; }; }; remote b { ikev2 { peers_ipaddr 10.0.0.0/8; }; };`)
	if r := c2.RemoteByAddr(KMPIKEv2, netip.MustParseAddr("10.0.0.1")); r.Name != "a" {
		t.Errorf("exact before prefix: %s", r.Name)
	}
}

func TestMoreWarnings(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`remote r { ikev2 { ike_frag on; }; };`, "ike_frag is obsolete"},
		{`remote r { }; remote r { };`, "remote r is defined again"},
		{`remote r { ikev1 { passive on; }; };`, "the ikev1 block is not used"},
	} {
		_, r := load(t, tc.src)
		if r.HasErrors() || !hasWarning(r, tc.want) {
			t.Errorf("%s: no warning %q:\n%s", tc.src, tc.want, reportText(r))
		}
	}
}

// Three sections of one name: the first is the one looked up, and each
// later one is reported against the first (racoon2 uses the first).
func TestDuplicateNamesFirstWins(t *testing.T) {
	c, r := load(t, "policy p { action discard; };\npolicy q { action none; };\npolicy p { action none; };\npolicy p { action auto_ipsec; };\n")
	if p := c.Policy("p"); p == nil || p.Action != ActionDiscard || p.Pos.Line != 1 {
		t.Fatalf("Policy(p) = %+v, want the first", p)
	}
	if q := c.Policy("q"); q == nil || q.Pos.Line != 2 {
		t.Errorf("Policy(q) = %+v", q)
	}
	var lines []int
	for _, d := range r.Diags {
		if contains(d.Msg, "policy p is defined again; the first one (t.conf:1:1)") {
			lines = append(lines, d.Line)
		}
	}
	if len(lines) != 2 || lines[0] != 3 || lines[1] != 4 {
		t.Errorf("duplicate warnings at lines %v, want [3 4]:\n%s", lines, reportText(r))
	}
}

// A section whose name waits for a setval further down keeps its place in
// file order for the first-wins rule (the builder's index is not used
// then; the names are indexed once all are known).
func TestDuplicateNamesWithDeferredSection(t *testing.T) {
	c, r := load(t, "remote \"${N}\" { ikev2 { passive on; }; };\nremote a { ikev2 { passive off; }; };\nsetval N \"a\";\n")
	if rm := c.Remote("a"); rm == nil || rm.Pos.Line != 1 || rm.IKEv2.Passive != On {
		t.Fatalf("Remote(a) = %+v, want the first (line 1)", rm)
	}
	if !hasWarning(r, "remote a is defined again; the first one (t.conf:1:1)") {
		t.Errorf("no duplicate warning:\n%s", reportText(r))
	}
}

// Building the selector and sa lookups on another goroutine reports the
// same names used again, in the same order, and finds the same sections.
func TestReindexSplitSameAsReindex(t *testing.T) {
	src := `remote r { }; remote r { };
selector s { direction outbound; policy_index p; }; selector s { direction inbound; policy_index p; }; selector t { direction inbound; };
policy p { action discard; }; policy p { action none; };
ipsec i { sa_index e; }; ipsec i { sa_index e; };
sa e { sa_protocol esp; }; sa e { sa_protocol ah; }; sa e { sa_protocol esp; };
addresspool a { 10.0.0.1 - 10.0.0.2; }; addresspool a { 10.0.0.3 - 10.0.0.4; };
remote r { };
`
	run := func(min int) (string, *Config) {
		old := splitIndexMin
		defer func() { splitIndexMin = old }()
		splitIndexMin = min
		c, r := load(t, src)
		return reportText(r), c
	}
	r1, c1 := run(1 << 30)
	r2, c2 := run(0)
	if r1 != r2 {
		t.Errorf("reports differ:\n--- reindex\n%s--- split\n%s", r1, r2)
	}
	for _, want := range []string{"remote r is defined again", "selector s is defined again", "sa e is defined again", "addresspool a is defined again"} {
		if !contains(r1, want) {
			t.Errorf("no %q:\n%s", want, r1)
		}
	}
	for _, n := range []string{"s", "t"} {
		if a, b := c1.Selector(n), c2.Selector(n); a == nil || b == nil || a.Pos != b.Pos {
			t.Errorf("Selector(%s): %v vs %v", n, a, b)
		}
	}
	if a, b := c1.SA("e"), c2.SA("e"); a == nil || b == nil || a.Pos != b.Pos || b.Protocol != SAProtoESP {
		t.Errorf("SA(e): %v vs %v", a, b)
	}
}
