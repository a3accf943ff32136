package spmd

import (
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// TestServerConformance replays the byte sequences of reference section 5
// (5.2 framing, 5.3 login, 5.4 replies) against our spmd.
func TestServerConformance(t *testing.T) {
	e := newEnv(t, true)
	if err := e.srv.InstallBoot(); err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, e.path)
	// 5.3 (5): before login.
	r.expect("SLID 8\r\n", "550 need login\r\n")
	r.expect("POLICY DUMP\r\n", "550 need login\r\n")
	r.expect("MIGRATE a b c d e\r\n", "550 need login\r\n")
	r.expect("STAT\r\n", "550 need login\r\n")
	r.expect("FQDN LIST\r\n", "550 need login\r\n")
	r.expect("NS LIST\r\n", "550 Need Login\r\n")
	r.expect("HELLO\r\n", "502 Command not implemented\r\n")
	// 5.3 (4): login with the hash; case-insensitive command, extra
	// characters after 40 accepted.
	r.expect("login "+hashFor(r)+"trailing\r\n", "250 OK\r\n")
	r.expect("LOGIN "+hashFor(r)+"\r\n", "550 FAILED(Internal Error)\r\n") // second LOGIN

	slid := e.srv.Policies()
	if len(slid) == 0 {
		t.Fatal("no boot-time policies")
	}
	first := slid[0]
	r.expect("SLID "+first[1]+"\r\n", "250 "+first[0]+"\r\n")
	r.expect("slid "+first[1]+"abc\r\n", "250 "+first[0]+"\r\n") // strtoul
	r.expect("SLIDX "+first[1]+"\r\n", "250 "+first[0]+"\r\n")   // prefix match
	r.expect("SLID 0\r\n", "550 Operation failed\r\n")
	r.expect("SLID 99999\r\n", "550 Operation failed\r\n")
	r.expect("SLID\r\n", "500 Syntax Error\r\n")
	r.expect("SLID 8 9\r\n", "500 Syntax Error\r\n")
	r.expect("SLID "+first[1]+"\n", "500 Syntax Error\r\n") // LF only: bogus "\n" argument

	// POLICY ADD/DELETE, 5.4 and 9.3.6.
	r.expect("POLICY ADD rw_out 3600 tunnel 10.1.0.0/16 198.51.100.7/32 192.0.2.1 198.51.100.7\r\n",
		"250 Policy Added rw_out and rw_in\r\n")
	r.expect("POLICY ADD rw_in 60 TUNNEL 198.51.100.8/32 10.1.0.0/16 198.51.100.8 192.0.2.1\r\n",
		"250 Policy Added rw_in and rw_out\r\n")
	r.expect("POLICY ADD nosuch 60 transport 10.0.0.1/32 10.0.0.2/32\r\n", "550 Operation Failed, selector not found\r\n")
	r.expect("POLICY ADD lonely 60 transport 10.0.0.1/32 10.0.0.2/32\r\n", "550 Operation Failed, reverse selector not found\r\n")
	r.expect("POLICY ADD same1 60 transport 10.0.0.1/32 10.0.0.2/32\r\n", "550 Operation Failed, found reverse selector is same direction\r\n")
	r.expect("POLICY ADD rw_out 60 tunnel 10.1.0.0/16 198.51.100.7/32\r\n", "500 Syntax Error\r\n")            // arity
	r.expect("POLICY ADD rw_out 60 sideways 10.1.0.0/16 198.51.100.7/32\r\n", "500 Syntax Error\r\n")          // mode
	r.expect("POLICY ADD rw_out 60 transport 10.1.0.0 198.51.100.7/32\r\n", "500 Syntax Error\r\n")            // no /plen
	r.expect("POLICY ADD rw_out 60 transport host.example/32 198.51.100.7/32\r\n", "550 Operation Failed\r\n") // address
	r.expect("POLICY ADD rw_out 60 transport 10.1.0.0/16 198.51.100.7/32\n", "500 Syntax Error\r\n")           // LF only
	r.expect("POLICY DELETE rw_out tunnel 10.1.0.0/16 198.51.100.7/32 192.0.2.1 198.51.100.7\r\n", "250 Policy Deleted\r\n")
	r.expect("POLICY DELETE rw_out tunnel 10.1.0.0/16 198.51.100.7/32 192.0.2.1 198.51.100.7\r\n", "250 Policy Deleted\r\n") // nothing left: still 250
	r.expect("POLICY DELETE rw_out transport 10.1.0.0/16\r\n", "500 Syntax Error\r\n")
	r.expect("POLICY DELETE nosuch transport 10.0.0.1/32 10.0.0.2/32\r\n", "550 Operation Failed, selector not found\r\n")
	r.expect("POLICY\r\n", "500 Syntax Error\r\n")
	r.expect("POLICY FROB\r\n", "500 Syntax Error\r\n")

	// POLICY DUMP: every entry, in install order.
	var want string
	pols := e.srv.Policies()
	for i, p := range pols {
		sep := "-"
		if i == len(pols)-1 {
			sep = " "
		}
		want += fmt.Sprintf("250%s%s %s\r\n", sep, p[0], p[1])
	}
	r.expect("POLICY DUMP\r\n", want)

	// MIGRATE: racoon2's client form (5 arguments) works here.
	r.expect("MIGRATE rw_in 198.51.100.8 192.0.2.1 198.51.100.9 192.0.2.1\r\n", "250 Migrate rw_in\r\n")
	r.expect("MIGRATE rw_in 198.51.100.8 192.0.2.1 198.51.100.9 192.0.2.1 x\r\n", "500 Syntax Error\r\n")
	r.expect("MIGRATE rw_in 203.0.113.1 192.0.2.1 198.51.100.9 192.0.2.1\r\n", "550 Operation Failed\r\n")

	// DNS proxy commands with the resolver off (section 9.5).
	r.expect("FQDN LIST\r\n", "251 No FQDN Registered\r\n")
	r.expect("FQDN QUERY 192.0.2.1\r\n", "501 Not Cached\r\n")
	r.expect("FQDN ADD peer.example\r\n", "250 FQDN Registered\r\n")
	r.expect("FQDN ADD peer.example\r\n", "550 FQDN Already Registered\r\n")
	r.expect("FQDN LIST\r\n", "250 peer.example\r\n")
	r.expect("FQDN DELETE peer.example\r\n", "250 FQDN Deregistered\r\n")
	r.expect("FQDN DELETE peer.example\r\n", "550 No such a FQDN exists\r\n")
	r.expect("FQDN\r\n", "500 Syntax Error\r\n")
	r.expect("NS LIST\r\n", "251 No Name Server(resolver off?)\r\n")
	r.expect("NS ADD 192.0.2.53\r\n", "550 Operation Failed(resolver off?)\r\n")
	r.expect("STAT x\r\n", "500 Syntax Error\r\n")
	stat := r.do("STAT\r\n")
	if !strings.HasPrefix(stat, "250-DNS QUERY = 0\r\n") || !strings.HasSuffix(stat, "\r\n250 CACHE TOTAL FQDN = 0\r\n") ||
		strings.Count(stat, "\r\n") != 9 {
		t.Errorf("STAT: %q", stat)
	}

	// 5.2: one command per read; the rest of the read is discarded.
	r.expect("SLID "+first[1]+"\r\nQUIT\r\n", "250 "+first[0]+"\r\n")
	r.expect("EXIT\r\n", "250 BYE\r\n")
	buf := make([]byte, 8)
	if n, err := r.c.Read(buf); err == nil {
		t.Fatalf("connection still open after BYE: %q", buf[:n])
	}
}

func hashFor(r *raw) string {
	return loginHash(r.challenge)
}

// Reference section 5.3 (4): a failed LOGIN uses the challenge up; the
// connection stays open but cannot log in any more.
func TestServerBadLogin(t *testing.T) {
	e := newEnv(t, false)
	r := dialRaw(t, e.path)
	r.expect("LOGIN 0000000000000000000000000000000000000000\r\n", "550 FAILED(Internal Error)\r\n")
	r.expect("LOGIN "+hashFor(r)+"\r\n", "550 FAILED(Internal Error)\r\n")
	r.expect("SLID 8\r\n", "550 need login\r\n")
	r2 := dialRaw(t, e.path)
	r2.expect("LOGIN "+hashFor(r2)[:39]+"\r\n", "550 FAILED(Internal Error)\r\n") // too short
	r3 := dialRaw(t, e.path)
	r3.expect("LOGIN "+hashFor(r3)+" x\r\n", "550 FAILED(Internal Error)\r\n") // arity
	r4 := dialRaw(t, e.path)
	r4.expect("LOGIN "+hashFor(r4)+"\n", "550 FAILED(Internal Error)\r\n") // LF only
	r5 := dialRaw(t, e.path)
	lower := []byte(hashFor(r5))
	for i, c := range lower {
		if c >= 'A' && c <= 'F' {
			lower[i] = c + 'a' - 'A'
		}
	}
	if string(lower) != hashFor(r5) {
		r5.expect("LOGIN "+string(lower)+"\r\n", "550 FAILED(Internal Error)\r\n") // case-sensitive
	}
	r6 := dialRaw(t, e.path)
	r6.expect("QUIT\r\n", "250 BYE\r\n") // allowed before login
}

// Section 9.3.6: POLICY ADD installs the selector and its reverse with
// swapped addresses, ports and SA endpoints, a hard lifetime, and on Linux
// a fwd twin of the inbound tunnel policy; DELETE removes one direction.
func TestServerPolicyAddKernel(t *testing.T) {
	e := newEnv(t, true)
	r := dialRaw(t, e.path)
	r.login()
	r.expect("POLICY ADD rw_out 3600 tunnel 10.1.0.0/16 198.51.100.7/0 192.0.2.1 198.51.100.7\r\n",
		"250 Policy Added rw_out and rw_in\r\n")
	out, in, fwd := e.policies(ike.DirOut), e.policies(ike.DirIn), e.policies(ike.DirFwd)
	if len(out) != 1 || len(in) != 1 || len(fwd) != 1 {
		t.Fatalf("out %d in %d fwd %d", len(out), len(in), len(fwd))
	}
	o, i := out[0], in[0]
	// /0 is clamped to the full length (section 9.3.6).
	if o.Selector.Src != netip.MustParsePrefix("10.1.0.0/16") || o.Selector.Dst != netip.MustParsePrefix("198.51.100.7/32") {
		t.Errorf("out selector %+v", o.Selector)
	}
	if i.Selector.Src != o.Selector.Dst || i.Selector.Dst != o.Selector.Src {
		t.Errorf("in selector %+v", i.Selector)
	}
	if o.Lifetime.HardTime.Seconds() != 3600 || i.Lifetime.HardTime != o.Lifetime.HardTime {
		t.Errorf("lifetimes %v %v", o.Lifetime, i.Lifetime)
	}
	ot, it := o.Templates[0], i.Templates[0]
	if ot.Mode != ike.ModeTunnel || ot.Src != netip.MustParseAddr("192.0.2.1") || ot.Dst != netip.MustParseAddr("198.51.100.7") ||
		it.Src != ot.Dst || it.Dst != ot.Src || ot.Level != ike.LevelUnique {
		t.Errorf("templates %+v %+v", ot, it)
	}
	if fwd[0].Selector != i.Selector || len(fwd[0].Templates) != 1 || fwd[0].Templates[0] != it {
		t.Errorf("fwd %+v", fwd[0])
	}
	// SLID maps each id to its selector.
	for _, p := range []*ike.Policy{o, i, fwd[0]} {
		want := "rw_out"
		if p.Dir != ike.DirOut {
			want = "rw_in"
		}
		r.expect(fmt.Sprintf("SLID %d\r\n", p.ID), "250 "+want+"\r\n")
	}
	// iked deletes each direction with its own addresses.
	r.expect("POLICY DELETE rw_in tunnel 198.51.100.7/32 10.1.0.0/16 198.51.100.7 192.0.2.1\r\n", "250 Policy Deleted\r\n")
	if n := len(e.policies(ike.DirIn)) + len(e.policies(ike.DirFwd)); n != 0 {
		t.Fatalf("%d inbound/fwd policies left", n)
	}
	r.expect("POLICY DELETE rw_out tunnel 10.1.0.0/16 198.51.100.7/32 192.0.2.1 198.51.100.7\r\n", "250 Policy Deleted\r\n")
	if n := len(e.policies(ike.DirOut)); n != 0 {
		t.Fatalf("%d outbound policies left", n)
	}
	r.expect("POLICY DUMP\r\n", "251 NO Policy Exists\r\n")
}

// A POLICY ADD whose kernel install fails is reported and rolled back
// (racoon2 answered 250 before the kernel did).
func TestServerPolicyAddKernelFailure(t *testing.T) {
	e := newEnv(t, false)
	r := dialRaw(t, e.path)
	r.login()
	e.srv.mu.Lock()
	e.kern.Fail["AddPolicy"] = true
	e.srv.mu.Unlock()
	r.expect("POLICY ADD tr_out 60 transport 192.0.2.1/32 192.0.2.3/32\r\n", "550 Operation Failed, internal error\r\n")
	r.expect("POLICY DUMP\r\n", "251 NO Policy Exists\r\n")
}

// Expired POLICY ADD entries leave the table (the kernel removed them).
func TestServerLifetimeExpiry(t *testing.T) {
	e := newEnv(t, false)
	r := dialRaw(t, e.path)
	r.login()
	r.expect("POLICY ADD tr_out 60 transport 192.0.2.1/32 192.0.2.3/32\r\n", "250 Policy Added tr_out and tr_in\r\n")
	id := e.srv.Policies()[0][1]
	r.expect("SLID "+id+"\r\n", "250 tr_out\r\n")
	e.srv.mu.Lock()
	e.now = e.now.Add(61e9)
	e.srv.mu.Unlock()
	r.expect("SLID "+id+"\r\n", "550 Operation failed\r\n")
	r.expect("POLICY DUMP\r\n", "251 NO Policy Exists\r\n")
}

// noLifetimeKernel refuses policy lifetimes, as the XFRM backend does.
type noLifetimeKernel struct{ *iketest.Kernel }

func (k noLifetimeKernel) AddPolicy(p *ike.Policy) (uint32, error) {
	if p.Lifetime != (ike.Lifetime{}) {
		return 0, fmt.Errorf("no lifetimes: %w", syscall.EOPNOTSUPP)
	}
	return k.Kernel.AddPolicy(p)
}

// When the backend takes no policy lifetime, spmd removes the policies of
// a POLICY ADD itself when the lifetime ends.
func TestServerOwnLifetimes(t *testing.T) {
	e := newEnv(t, false)
	e.srv.kern = noLifetimeKernel{e.kern}
	r := dialRaw(t, e.path)
	r.login()
	r.expect("POLICY ADD tr_out 60 transport 192.0.2.1/32 192.0.2.3/32\r\n", "250 Policy Added tr_out and tr_in\r\n")
	if n := len(e.policies(ike.DirOut)) + len(e.policies(ike.DirIn)); n != 2 {
		t.Fatalf("%d policies", n)
	}
	for _, p := range e.policies(ike.DirOut) {
		if p.Lifetime != (ike.Lifetime{}) {
			t.Fatalf("lifetime passed to a kernel that refuses it: %+v", p)
		}
	}
	e.srv.mu.Lock()
	e.now = e.now.Add(59 * time.Second)
	e.srv.mu.Unlock()
	e.srv.onTimer()
	if n := len(e.policies(ike.DirOut)); n != 1 {
		t.Fatalf("removed early: %d", n)
	}
	e.srv.mu.Lock()
	e.now = e.now.Add(time.Second)
	e.srv.mu.Unlock()
	e.srv.onTimer()
	if n := len(e.policies(ike.DirOut)) + len(e.policies(ike.DirIn)); n != 0 {
		t.Fatalf("%d policies left after their lifetime", n)
	}
	r.expect("POLICY DUMP\r\n", "251 NO Policy Exists\r\n")
}

// A peer that moved (iked's re-announcement, internal/ikev2 rwpolicy.go):
// POLICY ADD with the new tunnel endpoints replaces the kernel policies in
// place (SPDUPDATE, section 9.3.6), so a POLICY DELETE naming the old
// endpoints afterwards matches nothing and the new policies stay. This
// order leaves no moment without a policy.
func TestServerPolicyAddThenDeleteOldEndpoints(t *testing.T) {
	e := newEnv(t, true)
	r := dialRaw(t, e.path)
	r.login()
	r.expect("POLICY ADD rw_out 3600 tunnel 10.1.0.0/16 10.2.0.0/16 192.0.2.1 198.51.100.7\r\n",
		"250 Policy Added rw_out and rw_in\r\n")
	r.expect("POLICY ADD rw_out 3600 tunnel 10.1.0.0/16 10.2.0.0/16 192.0.2.1 198.51.100.8\r\n",
		"250 Policy Added rw_out and rw_in\r\n")
	r.expect("POLICY DELETE rw_out tunnel 10.1.0.0/16 10.2.0.0/16 192.0.2.1 198.51.100.7\r\n", "250 Policy Deleted\r\n")
	r.expect("POLICY DELETE rw_in tunnel 10.2.0.0/16 10.1.0.0/16 198.51.100.7 192.0.2.1\r\n", "250 Policy Deleted\r\n")
	moved := netip.MustParseAddr("198.51.100.8")
	for _, d := range []ike.Dir{ike.DirOut, ike.DirIn, ike.DirFwd} {
		ps := e.policies(d)
		if len(ps) != 1 {
			t.Fatalf("%v: %d policies, want 1", d, len(ps))
		}
		tm := ps[0].Templates[0]
		if peer := map[bool]netip.Addr{true: tm.Dst, false: tm.Src}[d == ike.DirOut]; peer != moved {
			t.Fatalf("%v policy names peer %v, want %v", d, peer, moved)
		}
	}
	r.expect("POLICY DELETE rw_out tunnel 10.1.0.0/16 10.2.0.0/16 192.0.2.1 198.51.100.8\r\n", "250 Policy Deleted\r\n")
	r.expect("POLICY DELETE rw_in tunnel 10.2.0.0/16 10.1.0.0/16 198.51.100.8 192.0.2.1\r\n", "250 Policy Deleted\r\n")
	r.expect("POLICY DUMP\r\n", "251 NO Policy Exists\r\n")
}
