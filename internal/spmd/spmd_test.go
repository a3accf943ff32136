package spmd

import (
	"bufio"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/spmdclient"
)

func num(s string) Addr {
	if strings.Contains(s, "/") {
		return Addr{Prefix: netip.MustParsePrefix(s), Bits: -1}
	}
	a := netip.MustParseAddr(s)
	return Addr{Prefix: netip.PrefixFrom(a, a.BitLen()), Bits: -1}
}

func macro(m string) Addr { return Addr{Macro: m, Bits: -1} }

// testSelectors is a configuration in the shape of racoon2's samples: a
// site-to-site tunnel (tunnel_ike.conf), a transport pair with AH+ESP
// (transport_ike.conf plus AH), a road-warrior tunnel iked adds with
// POLICY ADD, and the odd cases of reference section 9.3.2.
func testSelectors() []*Selector {
	tun := &Policy{Index: "tun_pol", Action: ActionAutoIPsec, Mode: ike.ModeTunnel, Level: ike.LevelRequire,
		Protos: []ike.Proto{ike.ProtoESP}, MySA: num("192.0.2.1"), PeersSA: num("192.0.2.2"), RemoteIndex: "tun_remote", Install: true}
	tr := &Policy{Index: "tr_pol", Action: ActionAutoIPsec, Mode: ike.ModeTransport, Level: ike.LevelRequire,
		Protos: []ike.Proto{ike.ProtoAH, ike.ProtoESP}, RemoteIndex: "tr_remote", Install: true}
	rw := &Policy{Index: "rw_pol", Action: ActionAutoIPsec, Mode: ike.ModeTunnel, Level: ike.LevelUnique,
		Protos: []ike.Proto{ike.ProtoESP}, MySA: num("192.0.2.1"), PeersSA: macro("IP_RW"), RemoteIndex: "rw_remote", Install: true}
	disc := &Policy{Index: "d_pol", Action: ActionDiscard, RemoteIndex: "x", Install: true}
	byp := &Policy{Index: "b_pol", Action: ActionNone, Install: true}
	off := &Policy{Index: "off_pol", Action: ActionAutoIPsec, Mode: ike.ModeTransport, Level: ike.LevelRequire,
		Protos: []ike.Proto{ike.ProtoESP}, Install: false}
	same := &Policy{Index: "same_pol", Action: ActionAutoIPsec, Mode: ike.ModeTransport, Level: ike.LevelRequire,
		Protos: []ike.Proto{ike.ProtoESP}, RemoteIndex: "same_remote", Install: false}
	return []*Selector{
		{Index: "tun_out", Dir: ike.DirOut, Src: num("10.1.0.0/16"), Dst: num("10.2.0.0/16"), Policy: tun},
		{Index: "tun_in", Dir: ike.DirIn, Src: num("10.2.0.0/16"), Dst: num("10.1.0.0/16"), Policy: tun},
		{Index: "tr_out", Dir: ike.DirOut, Src: num("192.0.2.1"), Dst: num("192.0.2.3"), Proto: 6, DstPort: 80, Policy: tr},
		{Index: "tr_in", Dir: ike.DirIn, Src: num("192.0.2.3"), Dst: num("192.0.2.1"), Proto: 6, SrcPort: 80, Policy: tr},
		{Index: "rw_out", Dir: ike.DirOut, Src: num("10.1.0.0/16"), Dst: num("0.0.0.0/0"), Policy: rw},
		{Index: "rw_in", Dir: ike.DirIn, Src: num("0.0.0.0/0"), Dst: num("10.1.0.0/16"), Policy: rw},
		{Index: "drop", Dir: ike.DirOut, Src: macro("IP_ANY"), Dst: num("2001:db8:bad::/48"), Policy: disc},
		{Index: "pass", Dir: ike.DirIn, Src: num("192.0.2.9"), Dst: macro("IP_ANY"), Policy: byp},
		{Index: "nopol", Dir: ike.DirOut, Src: num("192.0.2.1"), Dst: num("192.0.2.10")},
		{Index: "named", Dir: ike.DirOut, Src: num("192.0.2.1"), Dst: Addr{FQDN: "peer.example", Bits: -1}, Policy: tr},
		{Index: "off", Dir: ike.DirOut, Src: num("192.0.2.1"), Dst: num("192.0.2.11"), Policy: off},
		{Index: "same1", Dir: ike.DirOut, Src: num("192.0.2.20"), Dst: num("192.0.2.21"), Policy: same},
		{Index: "same2", Dir: ike.DirOut, Src: num("192.0.2.21"), Dst: num("192.0.2.20"), Policy: same},
		{Index: "tagged", Dir: ike.DirOut, Src: num("192.0.2.1"), Dst: num("192.0.2.40"), Tagged: "pftag", Policy: tr},
		{Index: "lonely", Dir: ike.DirOut, Src: num("192.0.2.30"), Dst: num("192.0.2.31"), Policy: same},
	}
}

func testDir(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp("", "spmd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

var testPassword = []byte("\x01\xfesecret\n")

type testEnv struct {
	srv    *Server
	kern   *iketest.Kernel
	path   string
	pwfile string
	now    time.Time
}

func newEnv(t *testing.T, fwd bool) *testEnv {
	t.Helper()
	return newEnvConfig(t, NewStaticConfig(testSelectors()), fwd)
}

func newEnvB(b *testing.B) *testEnv { return newEnvConfig(b, NewStaticConfig(testSelectors()), true) }

func newEnvConfig(t testing.TB, cfg Config, fwd bool) *testEnv {
	t.Helper()
	d := testDir(t)
	e := &testEnv{kern: iketest.NewKernel(0), path: filepath.Join(d, "spmif"), pwfile: filepath.Join(d, "spmd.pwd"),
		now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := os.WriteFile(e.pwfile, testPassword, 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, e.kern, Options{PasswordFile: e.pwfile, Fwd: fwd, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	if err := srv.Listen(e.path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return e
}

// raw is a byte-level spmif session.
type raw struct {
	t         *testing.T
	c         net.Conn
	rd        *bufio.Reader
	challenge string
}

var greetingRE = regexp.MustCompile(`^220 ([0-9A-F]{40})\r\n$`)

func dialRaw(t *testing.T, path string) *raw {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := &raw{t: t, c: c, rd: bufio.NewReader(c)}
	g, err := r.rd.ReadString('\n')
	m := greetingRE.FindStringSubmatch(g)
	if err != nil || m == nil {
		t.Fatalf("greeting %q %v", g, err)
	}
	r.challenge = m[1]
	return r
}

// do writes in with one write and returns the reply's bytes.
func (r *raw) do(in string) string {
	r.t.Helper()
	if _, err := r.c.Write([]byte(in)); err != nil {
		r.t.Fatal(err)
	}
	var out strings.Builder
	for {
		l, err := r.rd.ReadString('\n')
		out.WriteString(l)
		if err != nil {
			r.t.Fatalf("after %q: read %q: %v", in, out.String(), err)
		}
		if len(l) < 4 || l[3] != '-' {
			return out.String()
		}
	}
}

func (r *raw) expect(in, want string) {
	r.t.Helper()
	if got := r.do(in); got != want {
		r.t.Errorf("%q: got %q, want %q", in, got, want)
	}
}

func (r *raw) login() {
	r.t.Helper()
	r.expect("LOGIN "+spmdclient.LoginHash(r.challenge, testPassword)+"\r\n", "250 OK\r\n")
}

// policies lists the fake kernel's policies of one direction. Holding the
// server's lock orders this read after the server's kernel calls.
func (e *testEnv) policies(dir ike.Dir) []*ike.Policy {
	e.srv.mu.Lock()
	defer e.srv.mu.Unlock()
	var out []*ike.Policy
	for _, p := range e.kern.Policies {
		if p.Dir == dir {
			out = append(out, p)
		}
	}
	return out
}

func loginHash(challenge string) string { return spmdclient.LoginHash(challenge, testPassword) }
