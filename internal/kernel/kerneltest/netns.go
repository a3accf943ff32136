//go:build linux

// Package kerneltest has helpers for the real-kernel tests of the PF_KEY
// and XFRM backends: network namespaces joined by veth pairs, commands run
// inside them, and code run with a thread switched into one.
package kerneltest

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Cmd runs a command, in netns ns unless ns is empty, and fails t on error.
func Cmd(t testing.TB, ns string, args ...string) string {
	t.Helper()
	out, err := Try(ns, args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// Try runs a command like Cmd and returns its error.
func Try(ns string, args ...string) (string, error) {
	if ns != "" {
		args = append([]string{"ip", "netns", "exec", ns}, args...)
	}
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	return string(out), err
}

// Netns creates a network namespace with lo up, deleted when t ends.
func Netns(t testing.TB, name string) {
	t.Helper()
	Cmd(t, "", "ip", "netns", "add", name)
	t.Cleanup(func() { Try("", "ip", "netns", "del", name) })
	Cmd(t, name, "ip", "link", "set", "lo", "up")
}

// Veth joins namespaces a and b with a veth pair and gives the ends the
// addresses aAddr and bAddr (CIDR notation).
func Veth(t testing.TB, a, aAddr, b, bAddr string) {
	t.Helper()
	ia, ib := "v-"+a, "v-"+b
	Cmd(t, "", "ip", "link", "add", ia, "netns", a, "type", "veth", "peer", "name", ib, "netns", b)
	Cmd(t, a, "ip", "addr", "add", aAddr, "dev", ia)
	Cmd(t, b, "ip", "addr", "add", bAddr, "dev", ib)
	Cmd(t, a, "ip", "link", "set", ia, "up")
	Cmd(t, b, "ip", "link", "set", ib, "up")
}

// Two makes namespaces "left" (10.99.0.1) and "right" (10.99.0.2) joined
// by a veth pair.
func Two(t testing.TB) (left, right string) {
	t.Helper()
	Netns(t, "left")
	Netns(t, "right")
	Veth(t, "left", "10.99.0.1/24", "right", "10.99.0.2/24")
	return "left", "right"
}

// In runs f on a thread switched into namespace ns. Sockets f opens belong
// to ns for their whole life, whatever thread uses them later.
func In(t testing.TB, ns string, f func()) {
	t.Helper()
	if err := in(ns, f); err != nil {
		t.Fatal(err)
	}
}

func in(ns string, f func()) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, err := os.Open(fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid()))
	if err != nil {
		return err
	}
	defer self.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("setns %s: %w", ns, err)
	}
	defer func() {
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			panic("kerneltest: cannot return to the original netns: " + err.Error())
		}
	}()
	f()
	return nil
}

// Ping sends count pings from ns to dst and reports whether all came back.
func Ping(ns, dst string, count int) (string, bool) {
	out, err := Try(ns, "ping", "-c", fmt.Sprint(count), "-i", "0.2", "-W", "1", dst)
	return out, err == nil
}
