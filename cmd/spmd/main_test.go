package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/version"
)

func runArgs(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// Reference section 9.1: the command line.
func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		code       int
		out, errIn string
	}{
		{args: []string{"-V"}, errIn: "Version: " + version.Version},
		{args: []string{"--version", "--bogus"}, errIn: "Version: "},
		{args: []string{"-dV"}, errIn: "Version: "},
		{args: []string{"-h"}, out: "usage: spmd"},
		{args: []string{"--help"}, out: "usage: spmd"},
		{args: []string{"-p", "x"}, out: "usage: spmd"}, // racoon2: -p prints the usage
		{args: []string{"-x"}, code: 1, errIn: "usage: spmd"},
		{args: []string{"-D", "5"}, code: 1, errIn: "out of range"},
		{args: []string{"-dddd"}, code: 1, errIn: "out of range"},
		{args: []string{"-D", "-7"}, code: 1, errIn: "out of range"},
		{args: []string{"--kernel", "bsd"}, code: 1, errIn: "want one of auto, pfkey, xfrm"},
		{args: []string{"-f", "/nonexistent/racoon2.conf", "-ddd"}, code: 1, errIn: "/nonexistent/racoon2.conf"},
		{args: []string{"-F", "-f", "/nonexistent/racoon2.conf", "-D", "-6"}, code: 1, errIn: "/nonexistent/racoon2.conf"},
	} {
		code, out, errs := runArgs(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.errIn) {
			t.Errorf("%q: exit %d stdout %q stderr %q", tc.args, code, out, errs)
		}
	}
}

func TestVersionFirst(t *testing.T) {
	for args, want := range map[string]bool{
		"-V": true, "-dFV": true, "-f -V": false, "-f x -V": true, "-fV": false,
		"-D 1 -V": true, "-- -V": false, "--config-file -V": false, "x -V": true,
	} {
		if got := versionFirst(strings.Fields(args)); got != want {
			t.Errorf("%q: %v", args, got)
		}
	}
}

func TestLevels(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		level int
	}{
		{nil, 7}, {[]string{"-d"}, 8}, {[]string{"-ddd"}, 10}, {[]string{"-D", "3"}, 10},
		{[]string{"-D", "2x"}, 9}, {[]string{"-D", "junk"}, 7}, {[]string{"-D", "-6"}, 1}, {[]string{"--DEBUG", "1", "--debug"}, 9},
	} {
		var out, errb bytes.Buffer
		o, _, exit := parseFlags(tc.args, &out, &errb)
		if exit || o.level != tc.level {
			t.Errorf("%q: level %v (exit %v, %s)", tc.args, o, exit, errb.String())
		}
	}
}

// -k sends SIGTERM to the pid in the pid file.
func TestKill(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	pf := filepath.Join(t.TempDir(), "spmd.pid")
	os.WriteFile(pf, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
	if code, _, errs := runArgs("-k", "--pidfile", pf); code != 0 {
		t.Fatalf("-k: %d %s", code, errs)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGTERM {
			t.Fatalf("child ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no SIGTERM")
	}
	if code, _, _ := runArgs("-k", "--pidfile", filepath.Join(t.TempDir(), "none")); code != 1 {
		t.Fatal("-k without a pid file succeeded")
	}
}

// Configuration problems stop spmd before it touches the kernel.
func TestConfigErrors(t *testing.T) {
	d := t.TempDir()
	cf := filepath.Join(d, "racoon2.conf")
	os.WriteFile(cf, []byte("interface { ike { 127.0.0.1; }; };\n"), 0o600)
	if code, _, errs := runArgs("-F", "-f", cf); code != 1 || !strings.Contains(errs, "No spmd interface definition") {
		t.Fatalf("no spmd interface: %d %q", code, errs)
	}
	os.WriteFile(cf, []byte("interface { spmd { unix \"/x\"; } };\n"), 0o600)
	if code, _, errs := runArgs("-F", "-f", cf); code != 1 || !strings.Contains(errs, "configuration errors") {
		t.Fatalf("syntax error: %d %q", code, errs)
	}
}
