package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rekeyConfig is peerConfig with short lifetimes: IKE SAs of ike seconds
// and child SAs of child seconds.
func rekeyConfig(t *testing.T, dir, me, peer, meName, peerName, ike, child string) string {
	t.Helper()
	path := peerConfig(t, dir, me, peer, meName, peerName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "kmp_dh_group { modp2048; };", "kmp_dh_group { modp2048; };\n\t\tkmp_sa_lifetime_time "+ike+" sec;\n\t\tneed_pfs on;", 1)
	s = strings.Replace(s, "ipsec_sa_lifetime_time 3600 sec;", "ipsec_sa_lifetime_time "+child+" sec;", 1)
	writeFile(t, filepath.Join(dir, "racoon2.conf"), s)
	return path
}

// Issue 8: two iked on loopback (-D 8, so the engine's own soft lifetime
// timers drive the child rekeys) rekey their IKE SA and child SA over and
// over with lifetimes of a few seconds; at the end each side still has
// exactly one IKE SA and one child, and nothing failed.
func TestProcessIKEv2RekeyShortLifetimes(t *testing.T) {
	if testing.Short() {
		t.Skip("25 s")
	}
	port := freeUDPPort(t)
	confB := rekeyConfig(t, t.TempDir(), "127.0.0.2", "127.0.0.1", "b.example", "a.example", "9", "5")
	confA := rekeyConfig(t, t.TempDir(), "127.0.0.1", "127.0.0.2", "a.example", "b.example", "9", "5")
	b := startPeer(t, confB, port)
	a := startPeer(t, confA, port, "-I", "127.0.0.2")
	a.stderr.waitFor(t, `CHILD_SA installed selector=out`)
	time.Sleep(25 * time.Second)
	a.signal(t, syscall.SIGUSR1)
	b.signal(t, syscall.SIGUSR1)
	time.Sleep(200 * time.Millisecond)
	for _, d := range []*fgDaemon{a, b} {
		log := d.stderr.String()
		up := strings.Count(log, "IKE SA established")
		gone := strings.Count(log, "IKE SA removed")
		in := strings.Count(log, "CHILD_SA installed")
		out := strings.Count(log, "CHILD_SA removed")
		rekeyed := strings.Count(log, "IKE SA rekeyed")
		t.Logf("IKE SAs up %d removed %d (rekeyed %d); children installed %d removed %d", up, gone, rekeyed, in, out)
		if up-gone != 1 || in-out != 1 {
			t.Fatalf("SAs lost or left over:\n%s", log)
		}
		if rekeyed < 2 || in < 5 {
			t.Fatalf("too few rekeys:\n%s", log)
		}
		for _, bad := range []string{"peer not responding", "negotiation timed out", "lifetime expired", "hard lifetime reached", "level=ERROR", "level=WARN"} {
			if strings.Contains(log, bad) {
				t.Fatalf("%q in log:\n%s", bad, log)
			}
		}
	}
	a.signal(t, syscall.SIGTERM)
	if code := a.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	b.signal(t, syscall.SIGTERM)
	b.wait(t)
}

// racoon2 3.5: hook scripts run for IKE and child SA events, with the
// event name as argument and racoon2's variables plus PATH as environment.
func TestProcessIKEv2HookScripts(t *testing.T) {
	port := freeUDPPort(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "events")
	hook := filepath.Join(dir, "hook.sh")
	writeFile(t, hook, "#!/bin/sh\necho \"$1 $REMOTE_ADDR $SELECTOR_INDEX $PATH\" >> "+out+"\n")
	if err := os.Chmod(hook, 0o755); err != nil {
		t.Fatal(err)
	}
	confA := peerConfig(t, t.TempDir(), "127.0.0.1", "127.0.0.2", "a.example", "b.example")
	b, err := os.ReadFile(confA)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "kmp_dh_group { modp2048; };", `kmp_dh_group { modp2048; };
		script { phase1_up "`+hook+`"; phase2_up "`+hook+`"; phase1_down "`+hook+`"; };`, 1)
	writeFile(t, confA, s)
	confB := peerConfig(t, t.TempDir(), "127.0.0.2", "127.0.0.1", "b.example", "a.example")
	pb := startPeer(t, confB, port)
	pa := startPeer(t, confA, port, "-I", "127.0.0.2")
	pa.stderr.waitFor(t, `CHILD_SA installed selector=out`)
	pa.signal(t, syscall.SIGTERM)
	pa.wait(t)
	pb.signal(t, syscall.SIGTERM)
	pb.wait(t)
	var got []byte
	for range 100 {
		if got, _ = os.ReadFile(out); strings.Count(string(got), "\n") >= 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	want := "phase1_up 127.0.0.2  /usr/sbin:/usr/bin:/sbin:/bin\nphase2_up 127.0.0.2 out /usr/sbin:/usr/bin:/sbin:/bin\nphase1_down 127.0.0.2  /usr/sbin:/usr/bin:/sbin:/bin\n"
	if string(got) != want {
		t.Fatalf("hook runs:\n%s\nwant:\n%s", got, want)
	}
}
