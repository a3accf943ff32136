//go:build linux

package interop

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// env is what the whole suite needs: binaries and where results go.
type env struct {
	iked, spmd string
	results    string
	tmp        string
	libreswan  string // "" if usable, else why not
	pkis       map[string]*pki
}

// Result is one line of the results file (read by cmd/interop-matrix).
type Result struct {
	Scenario string  `json:"scenario"`
	Title    string  `json:"title"`
	Peer     string  `json:"peer"`
	Role     string  `json:"role"`
	Result   string  `json:"result"`   // pass, fail or skip
	Expected string  `json:"expected"` // pass or fail
	Reason   string  `json:"reason,omitempty"`
	Known    string  `json:"known,omitempty"` // the diagnosis of a known failure
	Seconds  float64 `json:"seconds"`
}

// Results is the results file.
type Results struct {
	Started  time.Time `json:"started"`
	Seconds  float64   `json:"seconds"`
	Kernel   string    `json:"kernel"`
	Peers    []string  `json:"peers"`
	Roles    []string  `json:"roles"`
	Order    []string  `json:"scenarios"`
	Titles   []string  `json:"titles"`
	Results  []Result  `json:"results"`
	Complete bool      `json:"complete"` // every case ran (no -run filter below TestInterop)
}

// repoRoot is two levels up from the package directory, where go test
// runs the binary.
func repoRoot() string {
	wd, _ := os.Getwd()
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

func setupEnv(t *testing.T) *env {
	if os.Getenv("IN_KERNEL") != "1" {
		t.Skip("needs the in-kernel test bed: run `make interop`")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root (the test bed runs tests as root)")
	}
	root := repoRoot()
	bin := os.Getenv("IKED_BIN_DIR")
	if bin == "" {
		bin = filepath.Join(root, "bin")
	}
	e := &env{iked: filepath.Join(bin, "iked"), spmd: filepath.Join(bin, "spmd"), pkis: map[string]*pki{}}
	for _, p := range []string{e.iked, e.spmd} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%v: build it on the host first (make build; make interop does)", err)
		}
	}
	for _, p := range []string{charonPath, "swanctl", "ip", "ping", "nft"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s is missing: .ci/run installs it", p)
		}
	}
	if _, err := os.Stat(libreswanTool("pluto")); err != nil {
		e.libreswan = "libreswan is not unpacked under " + libreswanRoot + " (test/interop/prepare-libreswan.sh does it on the host)"
	} else if _, err := exec.LookPath("certutil"); err != nil {
		e.libreswan = "certutil (libnss3-tools) is missing: test/interop/prepare-libreswan.sh installs it"
	}
	e.results = os.Getenv("INTEROP_RESULTS")
	if e.results == "" {
		e.results = filepath.Join(bin, "interop-results.json")
	}
	// Scratch files stay on a guest-private tmpfs: the host sees nothing.
	dir, err := os.MkdirTemp("/tmp", "iked-interop.")
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "mode=0700"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Unmount(dir, syscall.MNT_DETACH)
		os.Remove(dir)
	})
	e.tmp = dir
	return e
}

// TestInterop runs every scenario against every peer in every role and
// writes the results file. Only cases expected to pass can fail the test.
func TestInterop(t *testing.T) {
	e := setupEnv(t)
	start := time.Now()
	res := &Results{Started: start.UTC(), Kernel: os.Getenv("IN_KERNEL_RELEASE"), Peers: peers, Roles: roles, Complete: true}
	for _, sc := range scenarios {
		res.Order = append(res.Order, sc.name)
		res.Titles = append(res.Titles, sc.title)
	}
	ran := 0
	for _, sc := range scenarios {
		for _, peer := range peers {
			for _, role := range roles {
				t.Run(sc.name+"/"+peer+"/"+role, func(t *testing.T) {
					ran++
					r := e.runCase(t, sc, peer, role)
					res.Results = append(res.Results, r)
					if r.Result == "skip" {
						t.Skip(r.Reason)
					}
				})
			}
		}
	}
	res.Complete = ran == len(scenarios)*len(peers)*len(roles)
	res.Seconds = time.Since(start).Seconds()
	if err := writeResults(e.results, res); err != nil {
		t.Errorf("results file: %v", err)
	} else {
		t.Logf("results: %s (%d cases, %.0f s)", e.results, len(res.Results), res.Seconds)
	}
}

func writeResults(path string, r *Results) error {
	b, err := json.MarshalIndent(r, "", "\t")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// runCase runs one case and reports it through t according to the
// expectation table; the caller skips t for a case that does not apply.
func (e *env) runCase(t *testing.T, sc *scenario, peer, role string) Result {
	r := Result{Scenario: sc.name, Title: sc.title, Peer: peer, Role: role, Expected: "pass"}
	if ok, why := expected(sc.name, peer, role); !ok {
		r.Expected, r.Known = "fail", why
	}
	skip := ""
	if sc.skip != nil {
		skip = sc.skip(peer, role)
	}
	if skip == "" && peer == peerLibreswan {
		skip = e.libreswan
	}
	if skip != "" {
		r.Result, r.Reason = "skip", skip
		return r
	}
	dir := filepath.Join(e.tmp, sc.name+"-"+peer+"-"+role)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	c := &caseRun{sc: sc, peer: peer, role: role, dir: dir}
	reason, report := c.execute(func(c *caseRun) { e.body(c) })
	r.Seconds = time.Since(c.start).Round(100 * time.Millisecond).Seconds()
	switch {
	case reason == "":
		r.Result = "pass"
		t.Logf("PASS in %.1fs\n%s", r.Seconds, strings.Join(c.notes, "\n"))
		if r.Expected == "fail" {
			t.Logf("note: listed in expectFail but passed: remove it from the table")
		}
	case r.Expected == "fail":
		r.Result, r.Reason = "fail", firstLine(reason)
		t.Logf("FAIL (expected, does not fail the suite) in %.1fs: %s\n%s", r.Seconds, firstLine(reason), report)
	default:
		r.Result, r.Reason = "fail", firstLine(reason)
		t.Errorf("FAIL in %.1fs: %s", r.Seconds, report)
	}
	os.RemoveAll(dir)
	return r
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// body is one case: network, peer, iked and spmd, negotiation, traffic,
// counters, then the scenario's own checks.
func (e *env) body(c *caseRun) {
	sc := c.sc
	tp := c.setupTopo(sc.v6, sc.nat)
	c.note("network: iked %s in %s, peer %s in %s, nat=%v", tp.iked.addr, tp.iked.ns, tp.peer.addr, tp.peer.ns, tp.nat)
	var capture *ikeCapture
	if sc.fragSize > 0 {
		capture = c.startCapture(tp) // frag_test.go
	}
	var certs *pki
	if sc.auth != "psk" {
		certs = e.pki(c, sc.auth)
	}
	var p peerSide
	if c.peer == peerStrongSwan {
		p = c.startStrongSwan(tp, certs)
	} else {
		p = c.startLibreswan(tp, certs)
	}
	ik := c.startIked(e, tp, certs)

	switch c.role {
	case roleAcquire:
		// The first packet hits spmd's policy with no SA: the kernel
		// sends an ACQUIRE to iked.
		c.ping(tp.iked.ns, tp.iked.inner, 1, "1", "")
	case roleRespond:
		if sc.rw {
			c.checkNoRWPolicy(tp)
		}
		p.initiate()
	}
	c.waitLog(ik.iked, `CHILD_SA installed`, 15*time.Second)
	if !waitFor(5*time.Second, p.established) {
		c.fail("the peer has no established IKE SA")
	}
	c.note("IKE SA and CHILD_SA established")

	from, to, src := tp.iked.ns, tp.iked.inner, ""
	if sc.cp {
		vip := p.virtualIP()
		if vip == "" {
			c.fail("the road warrior got no virtual IP")
		}
		c.note("road warrior's virtual IP: %s", vip)
		from, to, src = tp.peer.ns, tp.peer.target, vip
	}
	if n := c.ping(from, to, 5, "0.2", src); n < 4 {
		c.fail("ping through the tunnel: %d of 5 replies", n)
	}
	for _, s := range []side{tp.iked, tp.peer} {
		for _, sa := range c.checkESP(s.ns, s.addr, 4, tp.nat) {
			if got := sa.enc + sa.aead; got != sc.wantEnc {
				c.fail("%s: ESP SA spi %s uses %q, want %q", s.ns, sa.spi, got, sc.wantEnc)
			}
		}
	}
	if sc.auth != "psk" {
		p.checkCerts()
	}
	if sc.fragSize > 0 {
		c.checkFrag(tp, ik, p, capture) // frag_test.go
	}
	if sc.rw {
		c.rwAnnounced(tp, ik)
		c.checkRWPolicies(tp, ik, tp.iked.target, "after IKE_AUTH")
	}
	if sc.rebind {
		c.checkRWRebind(tp, ik, p)
	}
	switch {
	case sc.rekey != "":
		line := c.checkRekey(tp, p, sc.rekey)
		if sc.noPFS && c.peer != peerStrongSwan && !strings.Contains(line, "MODP2048") {
			// libreswan (pfs=yes) names the rekey's DH group: without
			// need_pfs, iked must have added it after the refusal.
			c.fail("libreswan's rekey shows no PFS group: %s", strings.TrimSpace(line))
		}
	case sc.sigterm:
		c.checkSigterm(tp, ik, p)
	}
	if sc.rw && sc.rekey == "child" {
		// The policies' lifetime is the child's (10 s): they are still
		// there because the rekeyed child announced them again.
		c.checkRWPolicies(tp, ik, tp.iked.target, "after the child rekey")
		c.checkRWReannounced(ik)
	}
	if sc.rw {
		c.checkRWWithdrawn(tp, ik, p)
	}
}

// pki returns the suite's certificates of one kind, made once.
func (e *env) pki(c *caseRun, kind string) *pki {
	if p := e.pkis[kind]; p != nil {
		return p
	}
	cc := *c
	cc.dir = filepath.Join(e.tmp, "pki-"+kind)
	p := cc.newPKI(kind)
	e.pkis[kind] = p
	return p
}

// checkRekey pings for 15 s (the lifetimes are 10 s) and requires the
// rekeyed SAs to carry the traffic with at most 2 echo requests lost. It
// returns the peer's log line of the rekey.
func (c *caseRun) checkRekey(tp *topo, p peerSide, what string) string {
	beforeESP := c.spis(tp.iked.ns)
	beforeIKE := p.ikeSAs()
	n := c.ping(tp.iked.ns, tp.iked.inner, 75, "0.2", "")
	if n < 73 {
		c.fail("traffic across the %s rekey: %d of 75 replies", what, n)
	}
	switch what {
	case "child":
		after := c.spis(tp.iked.ns)
		fresh := 0
		for _, s := range after {
			if !slices.Contains(beforeESP, s) {
				fresh++
			}
		}
		c.note("ESP SPIs before %v, after %v", beforeESP, after)
		if fresh < 2 {
			c.fail("no CHILD_SA rekey within 15 s: ESP SPIs before %v, after %v", beforeESP, after)
		}
	case "ike":
		after := p.ikeSAs()
		c.note("peer's IKE SAs before %v, after %v", beforeIKE, after)
		if len(after) == 0 || slices.Equal(after, beforeIKE) {
			c.fail("no IKE SA rekey within 15 s: the peer's IKE SAs before %v, after %v", beforeIKE, after)
		}
	}
	line := p.rekeyed(what)
	if line == "" {
		c.fail("the peer's log shows no %s rekey exchange (CREATE_CHILD_SA): the SAs were renegotiated otherwise", what)
	}
	c.note("the peer logged the %s rekey: %s", what, strings.TrimSpace(line))
	// The SAs in use now must count traffic on both sides. The lifetimes
	// are short, so a rekey may just have replaced them: try 3 times.
	for try := 1; ; try++ {
		c.ping(tp.iked.ns, tp.iked.inner, 5, "0.2", "")
		ok := true
		for _, s := range []side{tp.iked, tp.peer} {
			in, out := c.espCounts(s.ns, s.addr, c.xfrmStates(s.ns), tp.nat)
			c.note("%s ESP counters after the rekey: out %d, in %d packets", s.ns, out, in)
			ok = ok && in >= 4 && out >= 4
		}
		if ok {
			return line
		}
		if try == 3 {
			c.fail("the rekeyed SAs do not carry the traffic (3 tries of 5 pings)")
		}
	}
}

// checkSigterm stops iked with SIGTERM: it must exit and the peer must
// drop its IKE SA and ESP SAs (it received the Delete).
func (c *caseRun) checkSigterm(tp *topo, ik *ikedSide, p peerSide) {
	ik.iked.cmd.Process.Signal(syscall.SIGTERM)
	if !waitFor(5*time.Second, ik.iked.exited) {
		c.fail("iked did not exit within 5 s of SIGTERM")
	}
	c.note("iked exited after SIGTERM: %v", ik.iked.err)
	if !waitFor(5*time.Second, func() bool { return !p.established() }) {
		c.fail("the peer kept its IKE SA after iked's SIGTERM")
	}
	if !waitFor(5*time.Second, func() bool { return len(c.xfrmStates(tp.peer.ns)) == 0 }) {
		c.fail("the peer kept ESP SAs after iked's SIGTERM:\n%s", c.sh("ip", "-n", tp.peer.ns, "xfrm", "state"))
	}
	if !p.sawDelete() {
		c.fail("the peer removed its SAs but logged no Delete from iked")
	}
	c.note("the peer removed its IKE SA and ESP SAs")
}
