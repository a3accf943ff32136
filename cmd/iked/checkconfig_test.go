package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sharedDir finds ../shared next to the repository root, falling back to
// /work/shared.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			s := filepath.Join(filepath.Dir(d), "shared")
			if _, err := os.Stat(filepath.Join(s, "racoon2-samples")); err == nil {
				return s
			}
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if _, err := os.Stat("/work/shared/racoon2-samples"); err == nil {
		return "/work/shared"
	}
	t.Skip("no shared fixtures (../shared/racoon2-samples)")
	return ""
}

// installSamples lays the upstream samples out as `make install` would
// under a temporary prefix: @prefix@ substituted, the psk directory with
// test.psk and the spmd password, both mode 0600.
func installSamples(t *testing.T) (prefix, etc string) {
	t.Helper()
	samples := filepath.Join(sharedDir(t), "racoon2-samples")
	prefix = t.TempDir()
	etc = filepath.Join(prefix, "etc", "racoon2")
	if err := os.MkdirAll(filepath.Join(etc, "psk"), 0o700); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(samples)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() || !strings.Contains(e.Name(), ".conf") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(samples, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("@prefix@"), []byte(prefix))
		name := strings.TrimSuffix(e.Name(), ".in")
		if err := os.WriteFile(filepath.Join(etc, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"psk/test.psk", "spmd.pwd"} {
		if err := os.WriteFile(filepath.Join(etc, f), []byte("secret-for-tests\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return prefix, etc
}

// wrap writes a file that includes vals.conf, default.conf and the given
// fragments, as the reference run of the upstream parser did.
func wrap(t *testing.T, etc string, frags ...string) string {
	t.Helper()
	var b strings.Builder
	for _, f := range append([]string{"vals.conf", "default.conf"}, frags...) {
		b.WriteString("include \"" + filepath.Join(etc, f) + "\";\n")
	}
	p := filepath.Join(t.TempDir(), "wrapped.conf")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func check(t *testing.T, path string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runCheckConfig(path, false, &out, &errb)
	if out.Len() != 0 {
		t.Errorf("check-config wrote to stdout: %q", out.String())
	}
	// The same through the built binary, as an operator runs it.
	var bout, berr bytes.Buffer
	cmd := ikedCmd(t, "--check-config", "-f", path)
	cmd.Stdout, cmd.Stderr = &bout, &berr
	bcode := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("iked --check-config: %v", err)
		}
		bcode = ee.ExitCode()
	}
	if bcode != code || berr.String() != errb.String() || bout.Len() != 0 {
		t.Errorf("iked --check-config -f %s: exit %d, stderr %q, stdout %q; in-process: exit %d, stderr %q",
			path, bcode, berr.String(), bout.String(), code, errb.String())
	}
	return code, errb.String()
}

// TestCheckConfigSamples: every upstream sample gives the outcome
// racoon2-samples/README.txt records for the upstream parser.
func TestCheckConfigSamples(t *testing.T) {
	_, etc := installSamples(t)
	cases := []struct {
		name string
		path string
		code int
		want string // substring of stderr
	}{
		{"racoon2.conf.in", filepath.Join(etc, "racoon2.conf"), 0, ""},
		{"vals.conf.in alone", filepath.Join(etc, "vals.conf"), 0, ""},
		{"default.conf alone", filepath.Join(etc, "default.conf"), 1, "not defined"},
		{"default.conf", wrap(t, etc), 0, ""},
		{"transport_ike.conf alone", filepath.Join(etc, "transport_ike.conf"), 1, "not defined"},
		{"transport_ike.conf", wrap(t, etc, "transport_ike.conf"), 0, ""},
		{"transport_ike_natt.conf", wrap(t, etc, "transport_ike_natt.conf", "transport_ike.conf"), 0, ""},
		{"tunnel_ike.conf", wrap(t, etc, "tunnel_ike.conf"), 0, ""},
		{"tunnel_ike_natt.conf", wrap(t, etc, "tunnel_ike_natt.conf"), 0, ""},
		{"transport_kink.conf", wrap(t, etc, "transport_kink.conf"), 0, ""},
		{"tunnel_kink.conf", wrap(t, etc, "tunnel_kink.conf"), 1, "tunnel_kink.conf:16:1: error: syntax error"},
		{"local-test.conf", wrap(t, etc, "local-test.conf"), 1, "unknown protocol icmp6"},
		{"test_addrlist.conf", wrap(t, etc, "test_addrlist.conf"), 0, ""},
		{"test_addrlist.conf alone", filepath.Join(etc, "test_addrlist.conf"), 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := check(t, tc.path)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
			}
		})
	}
}

var expectedLine = regexp.MustCompile(`^(q\d\d-[\w-]+\.conf)\s+(OK|FAIL)`)

// TestCheckConfigQuirks: every crafted quirk gives the outcome recorded in
// quirks/EXPECTED.txt for the upstream parser.
func TestCheckConfigQuirks(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "racoon2-samples", "quirks")
	f, err := os.Open(filepath.Join(dir, "EXPECTED.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := expectedLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n++
		name, want := m[1], 0
		if m[2] == "FAIL" {
			want = 1
		}
		t.Run(name, func(t *testing.T) {
			code, stderr := check(t, filepath.Join(dir, name))
			if code != want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, want, stderr)
			}
			if want == 1 && !strings.Contains(stderr, name+":") {
				t.Errorf("no file:line diagnostic:\n%s", stderr)
			}
		})
	}
	if n != 17 {
		t.Errorf("found %d quirks in EXPECTED.txt, want 17", n)
	}
}

func TestCheckConfigMissingFile(t *testing.T) {
	code, stderr := check(t, filepath.Join(t.TempDir(), "nope.conf"))
	if code != 1 || !strings.Contains(stderr, "nope.conf") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestDumpConfigRoundTrip: --dump-config output is itself a valid
// configuration that dumps to the same text.
func TestDumpConfigRoundTrip(t *testing.T) {
	_, etc := installSamples(t)
	for _, frag := range []string{"transport_ike.conf", "tunnel_ike.conf", "tunnel_ike_natt.conf", "test_addrlist.conf"} {
		t.Run(frag, func(t *testing.T) {
			var out1, out2, errb bytes.Buffer
			if code := runCheckConfig(wrap(t, etc, frag), true, &out1, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			p := filepath.Join(t.TempDir(), "dumped.conf")
			if err := os.WriteFile(p, out1.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			errb.Reset()
			if code := runCheckConfig(p, true, &out2, &errb); code != 0 {
				t.Fatalf("dumped config invalid (exit %d): %s\n%s", code, errb.String(), out1.String())
			}
			if out1.String() != out2.String() {
				t.Errorf("dump is not a fixed point:\n--- first\n%s\n--- second\n%s", out1.String(), out2.String())
			}
		})
	}
}

// An invalid configuration prints nothing on stdout, even with --dump-config.
func TestDumpConfigInvalid(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.conf")
	os.WriteFile(p, []byte("remote r { ikev2 { passive maybe; }; };\n"), 0o644)
	var out, errb bytes.Buffer
	if code := runCheckConfig(p, true, &out, &errb); code != 1 || out.Len() != 0 || !strings.Contains(errb.String(), "bad.conf:1:28: error:") {
		t.Errorf("exit %d stdout %q stderr %q", code, out.String(), errb.String())
	}
}

// The quick-start examples check clean once the key is installed privately.
func TestCheckConfigExamples(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "test.psk")
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "examples", "test.psk"))
	if err != nil {
		t.Skip(err)
	}
	os.WriteFile(key, b, 0o600)
	for _, f := range []string{"racoon2.conf", "peer.conf"} {
		src, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "examples", f))
		p := filepath.Join(dir, f)
		os.WriteFile(p, bytes.Replace(src, []byte("/etc/racoon2/psk/test.psk"), []byte(key), -1), 0o644)
		if code, stderr := check(t, p); code != 0 || stderr != "" {
			t.Errorf("%s: exit %d\n%s", f, code, stderr)
		}
	}
	os.Chmod(key, 0o644)
	if code, stderr := check(t, filepath.Join(dir, "racoon2.conf")); code != 1 || !strings.Contains(stderr, key) {
		t.Errorf("world-readable key accepted: %d %s", code, stderr)
	}
}
