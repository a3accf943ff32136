package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMainArgsRefusesBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"-target", "nowhere", "-psk", "x"},
		{"-psk", "x", "-group", "modp768"},
		{"-target", "127.0.0.1:500"}, // no PSK
		{"-psk", "x", "-local", "not-an-address"},
		{"-psk", "x", "extra"},
		{"-print-conf", "racoon", "-psk", "x"},
		{"-print-conf", "iked", "-psk", "x"}, // iked needs the key file
		{"-table"},
	} {
		var out, errb bytes.Buffer
		if code := mainArgs(args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, errb.String())
		}
	}
}

func TestMainArgsBadEncr(t *testing.T) {
	var out, errb bytes.Buffer
	if code := mainArgs([]string{"-psk", "x", "-encr", "des", "-n", "1"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "des") {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}

func TestPrintConf(t *testing.T) {
	dir := t.TempDir()
	psk := filepath.Join(dir, "psk")
	os.WriteFile(psk, []byte("s3cret"), 0o600)
	var out, errb bytes.Buffer
	if code := mainArgs([]string{"-print-conf", "iked", "-psk-file", psk, "-conf-dir", dir, "-target", "127.0.0.1:500"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{`pre_shared_key "` + psk + `"`, "peers_ipaddr IP_ANY", "curve25519", "aes256_gcm_16", "src 127.0.0.0/8"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("racoon2.conf lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := mainArgs([]string{"-print-conf", "swanctl", "-psk-file", psk}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `secret = "s3cret"`) || !strings.Contains(out.String(), "aes256gcm16-prfsha256-curve25519") {
		t.Errorf("swanctl.conf:\n%s", out.String())
	}
	if got := swanctlString([]byte("a\nb")); got != "0x610a62" {
		t.Errorf("binary secret as %q", got)
	}
}
