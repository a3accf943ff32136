package main

// Process tests: they build the real binary once and drive it with flags,
// signals and files, as an administrator would. They need no root: -D 8
// keeps PF_KEY and spmd out, and sockets go on 127.0.0.1 high ports.

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/daemon"
)

var (
	buildOnce sync.Once
	buildDir  string
	ikedBin   string
	buildErr  error
)

// TestMain removes the binary built by the first process test; building
// lazily keeps `go test -run '^TestKernel'` (in the test bed) from
// compiling it for nothing.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func buildIked(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "iked-test"); buildErr != nil {
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = "/usr/local/go/bin/go"
		}
		ikedBin = filepath.Join(buildDir, "iked")
		out, err := exec.Command(goBin, "build", "-o", ikedBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("building iked: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return ikedBin
}

// ikedCmd runs the built binary; DetachEnv is cleared so that a test run
// inside a detached iked (never) could not confuse it.
func ikedCmd(t *testing.T, args ...string) *exec.Cmd {
	c := exec.Command(buildIked(t), args...)
	c.Env = append(os.Environ(), daemon.DetachEnv+"=")
	return c
}

func TestProcessFlags(t *testing.T) {
	for _, c := range []struct {
		args   []string
		code   int
		stdout string // regexp
		stderr string // regexp for the single line
	}{
		{[]string{"-h"}, 0, `(?s)^usage: iked \[-46dhvFV\].*--pidfile path`, ``},
		{[]string{"--help"}, 0, `^usage: iked`, ``},
		{[]string{"-V"}, 0, `^iked \S+ \(racoon2 compatible`, ``},
		{[]string{"--version"}, 0, `^iked `, ``},
		{[]string{"-x"}, 1, ``, `^iked: unknown shorthand flag: 'x' in -x$`},
		{[]string{"--bogus"}, 1, ``, `^iked: unknown flag: --bogus$`},
		{[]string{"-f"}, 1, ``, `^iked: flag needs an argument: 'f' in -f$`},
		{[]string{"-4", "-6"}, 1, ``, `^iked: -4 and -6 cannot be used together$`},
		{[]string{"--ipv4", "--ipv6"}, 1, ``, `^iked: -4 and -6 cannot be used together$`},
		{[]string{"-D", "lots"}, 1, ``, `^iked: -D: debug level "lots" is not a number$`},
		{[]string{"--debug=-1"}, 1, ``, `^iked: -D: debug level "-1" is not a number$`},
		{[]string{"-p", "70000"}, 1, ``, `^iked: -p: "70000" is not a port number`},
		{[]string{"-t", "x"}, 1, ``, `^iked: -t: "x" is not a port number`},
		{[]string{"-I", "peer.example"}, 1, ``, `^iked: -I: "peer.example" is not an IP address$`},
		{[]string{"-I", "192.0.2.1", "-S", "sel"}, 1, ``, `^iked: -I and -S cannot be used together$`},
		{[]string{"--kernel", "bsd"}, 1, ``, `^iked: --kernel: "bsd" is not one of auto, pfkey, xfrm$`},
		{[]string{"-F", "extra"}, 1, ``, `^iked: unexpected argument "extra"$`},
	} {
		var stdout, stderr bytes.Buffer
		cmd := ikedCmd(t, c.args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		name := strings.Join(c.args, " ")
		if code != c.code {
			t.Errorf("%s: exit %d, want %d (stderr %q)", name, code, c.code, stderr.String())
		}
		if !regexp.MustCompile(c.stdout).MatchString(stdout.String()) || (c.stdout == "" && stdout.Len() > 0) {
			t.Errorf("%s: stdout %q, want %s", name, stdout.String(), c.stdout)
		}
		if c.stderr == "" {
			if stderr.Len() > 0 {
				t.Errorf("%s: stderr %q", name, stderr.String())
			}
			continue
		}
		if lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n"); len(lines) != 1 ||
			!regexp.MustCompile(c.stderr).MatchString(lines[0]) {
			t.Errorf("%s: stderr %q, want one line matching %s", name, stderr.String(), c.stderr)
		}
	}
}

// testConfig writes a configuration listening on 127.0.0.1 (port from -p).
func testConfig(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "racoon2.conf")
	writeFile(t, path, `interface {
	ike { 127.0.0.1; };
	spmd { unix "`+dir+`/spmif"; };
	spmd_password "`+dir+`/spmd.pwd";
};
`)
	writeFile(t, filepath.Join(dir, "spmd.pwd"), "secret\n")
	os.Chmod(filepath.Join(dir, "spmd.pwd"), 0o600)
	return path
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// stream collects a process's output for waiting on.
type stream struct {
	mu sync.Mutex
	b  bytes.Buffer
	ch chan struct{}
}

func newStream() *stream { return &stream{ch: make(chan struct{}, 1)} }

func (s *stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
	default:
	}
	return s.b.Write(p)
}

func (s *stream) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *stream) waitFor(t *testing.T, re string) {
	t.Helper()
	r := regexp.MustCompile(re)
	deadline := time.After(15 * time.Second)
	for !r.MatchString(s.String()) {
		select {
		case <-s.ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("output never matched %s:\n%s", re, s.String())
		}
	}
}

type fgDaemon struct {
	cmd    *exec.Cmd
	stdout *stream
	stderr *stream
	port   uint16
	done   chan error
}

// startForeground runs iked -F -D 8 on a free port.
func startForeground(t *testing.T, conf string, extra ...string) *fgDaemon {
	t.Helper()
	d := &fgDaemon{stdout: newStream(), stderr: newStream(), port: freeUDPPort(t), done: make(chan error, 1)}
	args := append([]string{"-F", "-D", "8", "-f", conf, "-p", strconv.Itoa(int(d.port))}, extra...)
	d.cmd = ikedCmd(t, args...)
	d.cmd.Stdout, d.cmd.Stderr = d.stdout, d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.done
	})
	d.stderr.waitFor(t, `\[INFO\]: (\S+ )?iked started`)
	return d
}

func (d *fgDaemon) signal(t *testing.T, s syscall.Signal) {
	t.Helper()
	if err := d.cmd.Process.Signal(s); err != nil {
		t.Fatal(err)
	}
}

// status sends SIGUSR1 until the dump matches re: datagrams reach the
// loop asynchronously, so one dump may come before them.
func (d *fgDaemon) status(t *testing.T, re string) {
	t.Helper()
	r := regexp.MustCompile(re)
	deadline := time.Now().Add(10 * time.Second)
	for !r.MatchString(d.stderr.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("status never matched %s:\n%s", re, d.stderr.String())
		}
		d.signal(t, syscall.SIGUSR1)
		time.Sleep(100 * time.Millisecond)
	}
}

func (d *fgDaemon) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-d.done:
		d.done <- err // for the cleanup
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(10 * time.Second):
		t.Fatal("iked did not exit")
	}
	return -1
}

var stampRE = `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d `

func TestProcessForegroundSignals(t *testing.T) {
	dir := t.TempDir()
	conf := testConfig(t, dir)
	pidfile := filepath.Join(dir, "iked.pid")
	d := startForeground(t, conf, "--pidfile", pidfile)
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Errorf("-F wrote a pid file (%v)", err)
	}
	d.stderr.waitFor(t, stampRE+`\[INFO\]: listening addr=127\.0\.0\.1:`+strconv.Itoa(int(d.port)))

	// A datagram reaches the loop (no engine yet: counted as such).
	c, err := net.Dial("udp4", "127.0.0.1:"+strconv.Itoa(int(d.port)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(ikev2Header(1))
	d.status(t, `\[INFO\]: status: engines: 0; datagrams without engine: 1;`)
	d.status(t, `\[INFO\]: status: datagrams: received 1,`)

	// SIGHUP with a broken file: every error logged, still running.
	writeFile(t, conf, "interface { ike { 127.0.0.1 port }; };\nremote {\n")
	d.signal(t, syscall.SIGHUP)
	d.stderr.waitFor(t, `\[NOTICE\]: received SIGHUP`)
	d.stderr.waitFor(t, `\[ERROR\]: new configuration rejected; keeping the old one`)
	d.stderr.waitFor(t, `configuration reloaded`)
	c.Write(ikev2Header(2))
	d.status(t, `status: datagrams: received 2,`)

	// SIGHUP with a good file again.
	testConfig(t, dir)
	d.signal(t, syscall.SIGHUP)
	d.stderr.waitFor(t, `(?s)keeping the old one.*configuration reloaded.*configuration reloaded`)

	d.signal(t, syscall.SIGTERM)
	if code := d.wait(t); code != 0 {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, d.stderr.String())
	}
	d.stderr.waitFor(t, `\[NOTICE\]: received SIGTERM; exiting`)
	d.stderr.waitFor(t, `\[INFO\]: iked exiting`)
}

func TestProcessSIGINTAndVerbose(t *testing.T) {
	conf := testConfig(t, t.TempDir())
	d := startForeground(t, conf, "-v")
	// -v: the same lines on stdout, with timestamps.
	d.stdout.waitFor(t, `(?m)^`+stampRE+`\[INFO\]: iked started`)
	d.signal(t, syscall.SIGINT)
	if code := d.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	d.stderr.waitFor(t, `received SIGINT; exiting`)
}

func TestProcessDebugLevel(t *testing.T) {
	conf := testConfig(t, t.TempDir())
	// -d sets 0x1, so debug lines appear; 0x2 (-dd) adds source locations.
	d := startForeground(t, conf, "-dd")
	d.stderr.waitFor(t, `\[INFO\]: daemon\.go:\d+:start\(\): iked starting .*debug=11`)
	d.signal(t, syscall.SIGTERM)
	d.wait(t)
}

// daemonRun starts iked in the background and returns the child's pid.
func daemonRun(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := ikedCmd(t, args...)
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		return -1, stderr.String()
	}
	return 0, stderr.String()
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid file holds %q", b)
	}
	return pid
}

// alive reports whether pid runs. A zombie does not count: the detached
// child's parent is init, which may reap it late.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] != 'Z'
	}
	return true
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func killOnCleanup(t *testing.T, pid int) {
	t.Cleanup(func() {
		if alive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

func TestProcessDaemonPidfileAndLogFile(t *testing.T) {
	dir := t.TempDir()
	conf := testConfig(t, dir)
	pidfile := filepath.Join(dir, "iked.pid")
	logfile := filepath.Join(dir, "iked.log")
	port := strconv.Itoa(int(freeUDPPort(t)))
	// A stale file from a dead daemon is taken over.
	writeFile(t, pidfile, "999999\n")
	args := []string{"-D", "8", "-f", conf, "-p", port, "-l", logfile, "--pidfile", pidfile}
	if code, stderr := daemonRun(t, nil, args...); code != 0 {
		t.Fatalf("start failed: %s", stderr)
	}
	pid := readPid(t, pidfile)
	killOnCleanup(t, pid)
	if pid == os.Getpid() || !alive(pid) {
		t.Fatalf("pid file names %d", pid)
	}
	// The child runs in its own session, detached from our terminal.
	if sid, err := getsid(pid); err != nil || sid != pid {
		t.Errorf("child session %d (%v), want %d", sid, err, pid)
	}
	// A second instance is refused, with one clear line.
	args2 := []string{"-D", "8", "-f", conf, "-p", strconv.Itoa(int(freeUDPPort(t))), "-l", logfile + "2", "--pidfile", pidfile}
	code, stderr := daemonRun(t, nil, args2...)
	if code == 0 || !regexp.MustCompile(`^iked: another instance is running \(pid `+strconv.Itoa(pid)+` holds .*\)\n$`).MatchString(stderr) {
		t.Fatalf("second instance: code %d, stderr %q", code, stderr)
	}
	// -l: timestamped lines in the file, nothing to syslog.
	log, _ := os.ReadFile(logfile)
	if !regexp.MustCompile(`(?m)^` + stampRE + `\[INFO\]: iked started pid=` + strconv.Itoa(pid)).Match(log) {
		t.Fatalf("log file:\n%s", log)
	}
	// Log rotation: after SIGHUP the daemon writes to a new file.
	if err := os.Rename(logfile, logfile+".0"); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(pid, syscall.SIGHUP)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(readFileOr(logfile), "configuration reloaded") {
		if time.Now().After(deadline) {
			t.Fatalf("no new log file after SIGHUP; old one:\n%s", readFileOr(logfile+".0"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGTERM)
	waitGone(t, pid)
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Fatalf("pid file left behind: %v", err)
	}
	log, _ = os.ReadFile(logfile)
	if !strings.Contains(string(log), "[NOTICE]: received SIGTERM; exiting") {
		t.Fatalf("log file:\n%s", log)
	}
}

func TestProcessPidfileReplacedIsKept(t *testing.T) {
	dir := t.TempDir()
	conf := testConfig(t, dir)
	pidfile := filepath.Join(dir, "run", "iked.pid")
	os.Mkdir(filepath.Dir(pidfile), 0o755)
	args := []string{"-D", "8", "-f", conf, "-p", strconv.Itoa(int(freeUDPPort(t))), "-l", filepath.Join(dir, "log"), "--pidfile", pidfile}
	if code, stderr := daemonRun(t, nil, args...); code != 0 {
		t.Fatalf("start failed: %s", stderr)
	}
	pid := readPid(t, pidfile)
	killOnCleanup(t, pid)
	other := pidfile + ".new"
	writeFile(t, other, "12345\n")
	if err := os.Rename(other, pidfile); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(pid, syscall.SIGTERM)
	waitGone(t, pid)
	if b, err := os.ReadFile(pidfile); err != nil || string(b) != "12345\n" {
		t.Fatalf("replaced pid file: %q, %v", b, err)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "log"))
	if !strings.Contains(string(log), "[WARNING]: pid file not removed") {
		t.Fatalf("log:\n%s", log)
	}
}

// A start-up failure in the background child reaches the terminal.
func TestProcessDaemonStartFailure(t *testing.T) {
	dir := t.TempDir()
	code, stderr := daemonRun(t, nil, "-D", "8", "-f", filepath.Join(dir, "missing.conf"),
		"-l", filepath.Join(dir, "log"), "--pidfile", filepath.Join(dir, "pid"))
	if code == 0 || !strings.HasPrefix(stderr, "iked: failed reading configuration") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "pid")); !os.IsNotExist(err) {
		t.Fatal("pid file written by a daemon that failed")
	}
}

// Without -l the daemon logs to syslog, facility LOG_DAEMON, ident iked.
func TestProcessSyslog(t *testing.T) {
	dir := t.TempDir()
	conf := testConfig(t, dir)
	sock := filepath.Join(dir, "log")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	pidfile := filepath.Join(dir, "iked.pid")
	code, stderr := daemonRun(t, []string{daemon.SyslogSocketEnv + "=" + sock},
		"-D", "8", "-f", conf, "-p", strconv.Itoa(int(freeUDPPort(t))), "--pidfile", pidfile)
	if code != 0 {
		t.Fatalf("start failed: %s", stderr)
	}
	pid := readPid(t, pidfile)
	killOnCleanup(t, pid)
	want := regexp.MustCompile(`^<30>.* iked\[` + strconv.Itoa(pid) + `\]: \[INFO\]: iked started`)
	l.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	var got []string
	for {
		n, err := l.Read(buf)
		if err != nil {
			t.Fatalf("syslog got %q, then %v", got, err)
		}
		got = append(got, string(buf[:n]))
		if want.Match(buf[:n]) {
			break
		}
	}
	syscall.Kill(pid, syscall.SIGTERM)
	waitGone(t, pid)
}

// MY_IP means every address; -4 keeps the IPv4 wildcard only, -6 the IPv6
// one. -I with no engine that takes it is logged, and iked keeps running.
func TestProcessFamiliesAndInitiate(t *testing.T) {
	dir := t.TempDir()
	conf := testConfig(t, dir)
	writeFile(t, conf, strings.Replace(readFile(t, conf), "ike { 127.0.0.1; };", "ike { MY_IP; };", 1))
	for _, c := range []struct {
		flag, want, not string
	}{
		{"-4", `listening addr=0\.0\.0\.0:`, `listening addr=\[::\]`},
		{"-6", `listening addr=\[::\]:`, `listening addr=0\.0\.0\.0`},
	} {
		d := startForeground(t, conf, c.flag, "-I", "192.0.2.7")
		d.stderr.waitFor(t, c.want+strconv.Itoa(int(d.port)))
		d.stderr.waitFor(t, `\[ERROR\]: immediate initiation failed peer=192\.0\.2\.7 .*no IKE engine`)
		if regexp.MustCompile(c.not).MatchString(d.stderr.String()) {
			t.Errorf("%s bound the other family:\n%s", c.flag, d.stderr.String())
		}
		d.signal(t, syscall.SIGTERM)
		if code := d.wait(t); code != 0 {
			t.Fatalf("exit %d", code)
		}
	}
}

func TestProcessCheckConfig(t *testing.T) {
	dir := t.TempDir()
	conf := testConfig(t, dir)
	if out, err := ikedCmd(t, "--check-config", "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("valid configuration: %v\n%s", err, out)
	}
	bad := filepath.Join(dir, "bad.conf")
	writeFile(t, bad, "interface { ike { 127.0.0.1 port }; };\n")
	out, err := ikedCmd(t, "--check-config", "-f", bad).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "bad.conf:1:") {
		t.Fatalf("invalid configuration: %v\n%s", err, out)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readFileOr(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
