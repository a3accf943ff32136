package spmd

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/spmdclient"
)

// Section 9.3.2: which selectors get a boot-time policy; 9.3.3: how it
// looks; 9.3.4: fwd twins of inbound tunnels on Linux.
func TestInstallBoot(t *testing.T) {
	e := newEnv(t, true)
	if err := e.srv.InstallBoot(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range e.srv.Policies() {
		got = append(got, p[0])
	}
	want := "tun_out tun_in tun_in tr_out tr_in drop pass"
	if strings.Join(got, " ") != want {
		t.Fatalf("installed %q, want %q", strings.Join(got, " "), want)
	}
	byID := e.kern.Policies
	sel := func(i int) *ike.Policy {
		id := e.srv.Policies()[i][1]
		for _, p := range byID {
			if p.ID != 0 && strconv.FormatUint(uint64(p.ID), 10) == id {
				return p
			}
		}
		t.Fatalf("policy %s not in kernel", id)
		return nil
	}
	tunOut, tunIn, tunFwd := sel(0), sel(1), sel(2)
	if tunOut.Dir != ike.DirOut || tunOut.Action != ike.ActionIPsec || len(tunOut.Templates) != 1 ||
		tunOut.Templates[0] != (ike.Template{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelRequire,
			Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2")}) {
		t.Errorf("tun_out %+v", tunOut)
	}
	if tunIn.Dir != ike.DirIn || tunIn.Templates[0].Src != netip.MustParseAddr("192.0.2.2") || tunFwd.Dir != ike.DirFwd {
		t.Errorf("tun_in %+v fwd %+v", tunIn, tunFwd)
	}
	if tunOut.Lifetime != (ike.Lifetime{}) || tunOut.Priority != 0 {
		t.Errorf("boot policy has lifetime or priority: %+v", tunOut)
	}
	trOut := sel(3)
	// racoon2's request order for AH+ESP transport: ESP, then AH.
	if len(trOut.Templates) != 2 || trOut.Templates[0].Proto != ike.ProtoESP || trOut.Templates[1].Proto != ike.ProtoAH ||
		trOut.Selector.Proto != 6 || trOut.Selector.DstPort != 80 || trOut.Selector.SrcPort != 0 {
		t.Errorf("tr_out %+v", trOut)
	}
	drop := sel(5)
	if drop.Action != ike.ActionDiscard || drop.Selector.Src != netip.MustParsePrefix("::/0") || len(drop.Templates) != 0 {
		t.Errorf("drop %+v", drop)
	}
	pass := sel(6)
	if pass.Action != ike.ActionBypass || pass.Selector.Dst != netip.MustParsePrefix("0.0.0.0/0") {
		t.Errorf("pass %+v", pass)
	}
	// SIGTERM's flush removes everything.
	if n := e.srv.Flush(); n != 0 || len(e.kern.Policies) != 0 {
		t.Fatalf("flush: %d failed, %d left", n, len(e.kern.Policies))
	}
}

// Section 9.3.2: a kernel refusal skips the selector; fatal configuration
// errors remove what was installed and fail.
func TestInstallBootErrors(t *testing.T) {
	k := iketest.NewKernel(0)
	d := testDir(t)
	pw := filepath.Join(d, "pw")
	os.WriteFile(pw, testPassword, 0o600)
	sels := testSelectors()
	srv, err := New(NewStaticConfig(sels), k, Options{PasswordFile: pw})
	if err != nil {
		t.Fatal(err)
	}
	k.Fail["AddPolicy"] = true
	if err := srv.InstallBoot(); err != nil || len(srv.Policies()) != 0 {
		t.Fatalf("refusals: %v, %d installed", err, len(srv.Policies()))
	}
	delete(k.Fail, "AddPolicy")
	for name, mod := range map[string]func(*Selector){
		"both macros": func(s *Selector) { s.Src, s.Dst = macro("IP_ANY"), macro("IP_ANY") },
		"no level":    func(s *Selector) { p := *s.Policy; p.Level = 0; s.Policy = &p },
		"no mode":     func(s *Selector) { p := *s.Policy; p.Mode = ike.ModeAny; s.Policy = &p },
		"no dir":      func(s *Selector) { s.Dir = 0 },
	} {
		sels := testSelectors()
		mod(sels[2]) // tr_out, after tun_out and tun_in
		srv, _ := New(NewStaticConfig(sels), k, Options{PasswordFile: pw})
		if err := srv.InstallBoot(); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if len(k.Policies) != 0 || len(srv.Policies()) != 0 {
			t.Errorf("%s: %d policies left", name, len(k.Policies))
		}
	}
}

func TestNewChecksPassword(t *testing.T) {
	d := testDir(t)
	pw := filepath.Join(d, "pw")
	os.WriteFile(pw, testPassword, 0o644)
	if _, err := New(NewStaticConfig(nil), iketest.NewKernel(0), Options{PasswordFile: pw}); !errors.Is(err, spmdclient.ErrWeakPerm) {
		t.Fatalf("weak password file: %v", err)
	}
}

func TestListenPrivateDir(t *testing.T) {
	e := newEnv(t, false)
	d := testDir(t)
	os.Chmod(d, 0o755)
	if err := e.srv.Listen(filepath.Join(d, "s")); !errors.Is(err, spmdclient.ErrWeakPerm) {
		t.Fatalf("0755 directory: %v", err)
	}
	// An old socket file is replaced.
	os.Chmod(d, 0o700)
	p := filepath.Join(d, "s")
	os.WriteFile(p, nil, 0o600)
	if err := e.srv.Listen(p); err != nil {
		t.Fatal(err)
	}
	dialRaw(t, p).expect("QUIT\r\n", "250 BYE\r\n")
}

// The iked-side client against our server over a real unix socket: every
// command, refused replies, a bad password, and spmd restarting.
func TestClientAgainstServer(t *testing.T) {
	e := newEnv(t, true)
	if err := e.srv.InstallBoot(); err != nil {
		t.Fatal(err)
	}
	c := spmdclient.New(spmdclient.Config{Paths: []string{e.path}, PasswordFile: e.pwfile,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Timeout: 2 * time.Second})
	c.Start()
	defer c.Close()

	type res struct {
		s   string
		err error
	}
	out := make(chan res, 1)
	slid := func(id string) res {
		c.SLID(uint32(atoi(id)), func(s string, err error) { out <- res{s, err} })
		return <-out
	}
	errc := make(chan error, 1)
	for _, p := range e.srv.Policies() {
		if r := slid(p[1]); r.s != p[0] || r.err != nil {
			t.Fatalf("SLID %s: %+v", p[1], r)
		}
	}
	var re *spmdclient.ReplyError
	if r := slid("4242"); !errors.As(r.err, &re) || re.Code != 550 {
		t.Fatalf("unknown SLID: %+v", r)
	}
	req := ike.PolicyRequest{Selector: "rw_out", Lifetime: 600, Mode: ike.ModeTunnel,
		Src: netip.MustParsePrefix("10.1.0.0/16"), Dst: netip.MustParsePrefix("198.51.100.7/32"),
		SASrc: netip.MustParseAddr("192.0.2.1"), SADst: netip.MustParseAddr("198.51.100.7")}
	c.PolicyAdd(req, func(err error) { errc <- err })
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	c.Migrate("rw_out", req.SASrc, req.SADst, netip.MustParseAddr("192.0.2.5"), req.SADst, func(err error) { errc <- err })
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	bad := req
	bad.Selector = "nosuch"
	c.PolicyAdd(bad, func(err error) { errc <- err })
	if err := <-errc; !errors.As(err, &re) || re.Text != "Operation Failed, selector not found" {
		t.Fatalf("bad selector: %v", err)
	}
	req.SASrc = netip.MustParseAddr("192.0.2.5")
	c.PolicyDelete(req, func(err error) { errc <- err })
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if n := len(e.policies(ike.DirOut)); n != 3 { // tun_out, tr_out, drop
		t.Fatalf("%d outbound policies after delete", n)
	}

	// spmd restarts: the client reconnects and carries on.
	e.srv.Close()
	srv2, err := New(NewStaticConfig(testSelectors()), e.kern, Options{PasswordFile: e.pwfile})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	if err := srv2.InstallBoot(); err != nil {
		t.Fatal(err)
	}
	if err := srv2.Listen(e.path); err != nil {
		t.Fatal(err)
	}
	id := srv2.Policies()[0]
	if r := slid(id[1]); r.s != id[0] {
		t.Fatalf("after restart: %+v", r)
	}
}

func TestClientWrongPassword(t *testing.T) {
	e := newEnv(t, false)
	pw := filepath.Join(filepath.Dir(e.pwfile), "other")
	os.WriteFile(pw, []byte("wrong"), 0o600)
	c := spmdclient.New(spmdclient.Config{Paths: []string{e.path}, PasswordFile: pw,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	c.Start()
	defer c.Close()
	time.Sleep(100 * time.Millisecond)
	if c.Connected() {
		t.Fatal("logged in with the wrong password")
	}
	// The password file is read at every LOGIN on both sides: fix it and
	// the client gets in.
	os.WriteFile(pw, testPassword, 0o600)
	for i := 0; i < 200 && !c.Connected(); i++ {
		time.Sleep(5 * time.Millisecond)
	}
	if !c.Connected() {
		t.Fatal("client did not log in after the password was fixed")
	}
}
