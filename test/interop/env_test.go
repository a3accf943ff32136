//go:build linux

package interop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// errCaseFailed is what fail panics with; run recovers it.
var errCaseFailed = errors.New("case failed")

// caseRun is one scenario x peer x role. Its helpers stop the case with
// fail instead of testing.T, so that a failure of a case expected to fail
// is recorded without failing the test binary.
type caseRun struct {
	sc       *scenario
	peer     string
	role     string
	dir      string // private scratch directory
	reason   string // first failure
	cleanups []func()
	logs     []logSource // printed when the case fails
	notes    []string    // progress, printed with the logs
	start    time.Time
}

// logSource names a daemon's log for the failure report.
type logSource struct {
	name string
	read func() string
}

func (c *caseRun) fail(format string, args ...any) {
	if c.reason == "" {
		c.reason = fmt.Sprintf(format, args...)
	}
	panic(errCaseFailed)
}

func (c *caseRun) note(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf("[%5.1fs] ", time.Since(c.start).Seconds())+fmt.Sprintf(format, args...))
}

func (c *caseRun) cleanup(f func()) { c.cleanups = append(c.cleanups, f) }

func (c *caseRun) addLog(name string, read func() string) {
	c.logs = append(c.logs, logSource{name, read})
}

func (c *caseRun) addLogFile(name, path string) {
	c.addLog(name, func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			return "(" + err.Error() + ")"
		}
		return string(b)
	})
}

// execute runs body, then the cleanups in reverse order, and returns the
// failure reason ("" for a pass) and the report to print on failure.
func (c *caseRun) execute(body func(*caseRun)) (reason, report string) {
	c.start = time.Now()
	func() {
		defer func() {
			if r := recover(); r != nil {
				if r != errCaseFailed {
					buf := make([]byte, 8<<10)
					buf = buf[:runtime.Stack(buf, false)]
					c.reason = fmt.Sprintf("panic: %v\n%s", r, buf)
				}
			}
		}()
		body(c)
	}()
	if c.reason != "" {
		report = c.report()
	}
	for i := len(c.cleanups) - 1; i >= 0; i-- {
		c.cleanups[i]()
	}
	return c.reason, report
}

// report is both sides' logs and the case's own notes.
func (c *caseRun) report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "FAILURE: %s\n--- steps\n%s\n", c.reason, strings.Join(c.notes, "\n"))
	for _, l := range c.logs {
		s := l.read()
		const max = 64 << 10
		if len(s) > max {
			s = "[... " + strconv.Itoa(len(s)-max) + " bytes cut ...]\n" + s[len(s)-max:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", l.name, strings.TrimRight(s, "\n"))
	}
	return b.String()
}

// sh runs a command with a deadline and returns its combined output; a
// failure stops the case.
func (c *caseRun) sh(name string, args ...string) string {
	out, err := c.try(20*time.Second, name, args...)
	if err != nil {
		c.fail("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// try runs a command and returns its output and error.
func (c *caseRun) try(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = c.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// nsExec runs a command inside network namespace ns.
func (c *caseRun) nsExec(ns string, name string, args ...string) string {
	return c.sh("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// waitFor polls cond every 100 ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	end := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// daemon is a background process whose output goes to a file.
type daemon struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// startDaemon starts argv with output to logPath and stops it (SIGTERM,
// then SIGKILL) when the case ends.
func (c *caseRun) startDaemon(name, logPath string, env []string, argv ...string) *daemon {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		c.fail("%s: %v", name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		c.fail("start %s: %v", name, err)
	}
	d := &daemon{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		f.Close()
		close(d.done)
	}()
	c.cleanup(func() { d.stop(3 * time.Second) })
	return d
}

// stop sends SIGTERM to the process group, then SIGKILL after grace.
func (d *daemon) stop(grace time.Duration) {
	select {
	case <-d.done:
		return
	default:
	}
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(grace):
		syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-d.done
	}
}

func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

func (d *daemon) output() string {
	b, _ := os.ReadFile(d.log)
	return string(b)
}

// waitLog waits until the daemon's log matches re.
func (c *caseRun) waitLog(d *daemon, re string, timeout time.Duration) {
	rx := regexp.MustCompile(re)
	if !waitFor(timeout, func() bool { return rx.MatchString(d.output()) || d.exited() }) || !rx.MatchString(d.output()) {
		if d.exited() {
			c.fail("%s exited (%v) before logging %q", d.name, d.err, re)
		}
		c.fail("%s did not log %q within %v", d.name, re, timeout)
	}
}

func writeFile(c *caseRun, path, text string, mode os.FileMode) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		c.fail("%v", err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		c.fail("%v", err)
	}
}

// espSA is one line group of `ip -s xfrm state`.
type espSA struct {
	src, dst string
	spi      string
	encap    bool // ESP in UDP
	packets  int
	aead     string // "rfc4106(gcm(aes))", "rfc7539esp(chacha20,poly1305)" or ""
	enc      string
}

// xfrmStates parses `ip -s xfrm state` in namespace ns (ESP only).
func (c *caseRun) xfrmStates(ns string) []espSA {
	out := c.sh("ip", "-n", ns, "-s", "xfrm", "state")
	return parseXfrmStates(out)
}

func parseXfrmStates(out string) []espSA {
	var sas []espSA
	var cur *espSA
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		f := strings.Fields(l)
		switch {
		case strings.HasPrefix(lines[i], "src ") && len(f) >= 4:
			sas = append(sas, espSA{src: f[1], dst: f[3]})
			cur = &sas[len(sas)-1]
		case cur == nil:
		case len(f) >= 4 && f[0] == "proto":
			if f[1] != "esp" {
				sas = sas[:len(sas)-1]
				cur = nil
				continue
			}
			cur.spi = f[3]
		case len(f) > 0 && f[0] == "encap":
			cur.encap = true
		case len(f) > 1 && f[0] == "aead":
			cur.aead = f[1]
		case len(f) > 1 && f[0] == "enc":
			cur.enc = f[1]
		case l == "lifetime current:" && i+1 < len(lines):
			// "  420(bytes), 5(packets)"
			nx := strings.Fields(strings.NewReplacer("(bytes),", "", "(packets)", "").Replace(lines[i+1]))
			if len(nx) >= 2 {
				cur.packets, _ = strconv.Atoi(nx[1])
			}
		}
	}
	return sas
}

// checkESP requires, in namespace ns whose outer address is local, an
// outbound and an inbound ESP SA that each counted at least min packets.
func (c *caseRun) checkESP(ns, local string, min int, wantEncap bool) []espSA {
	sas := c.xfrmStates(ns)
	in, out := c.espCounts(ns, local, sas, wantEncap)
	c.note("%s ESP counters: out %d, in %d packets (%d SAs)", ns, out, in, len(sas))
	if in < min || out < min {
		c.fail("%s: ESP packet counters out=%d in=%d, want >= %d each\n%s", ns, out, in, min,
			c.sh("ip", "-n", ns, "-s", "xfrm", "state"))
	}
	return sas
}

// espCounts is the largest packet count of an outbound and of an inbound
// ESP SA of local's; every SA must be UDP-encapsulated exactly if
// wantEncap.
func (c *caseRun) espCounts(ns, local string, sas []espSA, wantEncap bool) (in, out int) {
	for _, s := range sas {
		if wantEncap && !s.encap {
			c.fail("%s: ESP SA %s->%s spi %s is not UDP-encapsulated", ns, s.src, s.dst, s.spi)
		}
		if !wantEncap && s.encap {
			c.fail("%s: ESP SA %s->%s spi %s is UDP-encapsulated with no NAT", ns, s.src, s.dst, s.spi)
		}
		switch {
		case s.src == local && s.packets > out:
			out = s.packets
		case s.dst == local && s.packets > in:
			in = s.packets
		}
	}
	return in, out
}

// ping sends count echo requests from ns to dst and returns the number of
// replies.
func (c *caseRun) ping(ns, dst string, count int, interval string, src string) int {
	args := []string{"netns", "exec", ns, "ping", "-n", "-q", "-c", strconv.Itoa(count), "-i", interval, "-W", "1"}
	if src != "" {
		args = append(args, "-I", src)
	}
	out, _ := c.try(time.Duration(count)*time.Second+10*time.Second, "ip", append(args, dst)...)
	m := regexp.MustCompile(`(\d+) (packets )?received`).FindStringSubmatch(out)
	if m == nil {
		c.note("ping %s -> %s: %s", ns, dst, strings.TrimSpace(out))
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	c.note("ping %s -> %s: %d/%d replies", ns, dst, n, count)
	return n
}

// spis lists the SPIs of ns's ESP SAs, sorted.
func (c *caseRun) spis(ns string) []string {
	var s []string
	for _, sa := range c.xfrmStates(ns) {
		s = append(s, sa.spi)
	}
	sort.Strings(s)
	return s
}
