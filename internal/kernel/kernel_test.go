package kernel

import (
	"runtime"
	"strings"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

func TestResolve(t *testing.T) {
	for _, c := range []struct{ kind, goos, want string }{
		{"auto", "linux", "xfrm"}, {"", "linux", "xfrm"}, {"auto", "freebsd", "pfkey"},
		{"auto", "netbsd", "pfkey"}, {"pfkey", "linux", "pfkey"}, {"xfrm", "linux", "xfrm"},
		{"xfrm", "freebsd", ""}, {"xfrm", "netbsd", ""}, {"netlink", "linux", ""},
	} {
		got, err := Resolve(c.kind, c.goos)
		if got != c.want || (err != nil) != (c.want == "") {
			t.Errorf("Resolve(%q, %q) = %q, %v; want %q", c.kind, c.goos, got, err, c.want)
		}
	}
	if _, err := Resolve("xfrm", "freebsd"); err == nil || !strings.Contains(err.Error(), "--kernel pfkey") {
		t.Errorf("xfrm on FreeBSD: %v", err)
	}
}

// linuxPFKey is what pfkey.Open reports on Linux (TestKernelPFKeyCheck
// shows the real one agrees).
func linuxPFKey() *ike.Algorithms {
	return &ike.Algorithms{
		Encr:       map[uint16]bool{12: true, 3: true, 20: false},
		Integ:      map[uint16]bool{2: true, 12: false, 14: true},
		Comp:       map[uint16]bool{2: true},
		EncrNotes:  map[uint16]string{20: "Linux PF_KEY cannot install AEAD transforms"},
		IntegNotes: map[uint16]string{12: "Linux PF_KEY installs HMAC-SHA2-256 with a 96-bit ICV"},
	}
}

func TestCheck(t *testing.T) {
	wants := []Want{{Encr, 12}, {Integ, 2}, {Encr, 20}, {Integ, 12}, {Comp, 2}, {Encr, 99}, {Encr, 20}}
	p := Check("pfkey", linuxPFKey(), wants)
	if len(p) != 3 {
		t.Fatalf("problems %v, want GCM, SHA-256 and transform 99", p)
	}
	for _, x := range p {
		t.Log(x)
	}
	msgs := map[uint16]string{}
	for _, x := range p {
		msgs[x.ID] = x.Msg
	}
	onLinux := runtime.GOOS == "linux"
	if m := msgs[20]; !strings.Contains(m, "ENCR_AES_GCM_16") || strings.Contains(m, "--kernel xfrm") != onLinux {
		t.Errorf("GCM: %q", m)
	}
	if m := msgs[12]; !strings.Contains(m, "AUTH_HMAC_SHA2_256_128") || !strings.Contains(m, "96-bit") ||
		strings.Contains(m, "--kernel xfrm") != onLinux {
		t.Errorf("SHA-256: %q", m)
	}
	if m := msgs[99]; strings.Contains(m, "--kernel xfrm") {
		t.Errorf("unknown transform offered xfrm: %q", m)
	}
	if p := Check("xfrm", nil, wants); p != nil {
		t.Errorf("nil algorithms refused %v", p)
	}
}

// TestKernelPFKeyCheck runs the check against the real Linux PF_KEY: the
// list of refused transforms is what the kernel established.
func TestKernelPFKeyCheck(t *testing.T) {
	iketest.RequireKernel(t)
	k, err := Open("pfkey", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	wants := []Want{{Encr, 12}, {Encr, 13}, {Encr, 3}, {Integ, 2}, {Integ, 13}, {Integ, 14}, {Comp, 2},
		{Encr, 14}, {Encr, 18}, {Encr, 20}, {Encr, 21}, {Encr, 28}, {Integ, 12}}
	p := Check("pfkey", k.Supported(), wants)
	var refused []string
	for _, x := range p {
		refused = append(refused, Name(x.Want))
		if !strings.Contains(x.Msg, "--kernel xfrm carries it") {
			t.Errorf("%q does not point to --kernel xfrm", x.Msg)
		}
	}
	want := "ENCR_AES_CCM_8 ENCR_AES_GCM_8 ENCR_AES_GCM_16 ENCR_NULL_AUTH_AES_GMAC ENCR_CHACHA20_POLY1305 AUTH_HMAC_SHA2_256_128"
	if got := strings.Join(refused, " "); got != want {
		t.Errorf("refused %q, want %q", got, want)
	}
}

// TestKernelAutoIsXFRM: auto opens XFRM on Linux, and it refuses nothing
// of the same list.
func TestKernelAutoIsXFRM(t *testing.T) {
	iketest.RequireKernel(t)
	k, err := Open("auto", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	wants := []Want{{Encr, 12}, {Encr, 20}, {Encr, 28}, {Integ, 12}, {Comp, 2}}
	if p := Check("xfrm", k.Supported(), wants); len(p) != 0 {
		t.Errorf("XFRM refused %v", p)
	}
}
