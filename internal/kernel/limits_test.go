package kernel

import (
	"strings"
	"testing"
)

// Reference section 4.4: BSD kernels do not report hard expiry, and byte
// lifetimes only work on Linux.
func TestLimitsOf(t *testing.T) {
	for _, c := range []struct {
		kind, goos string
		want       Limits
	}{
		{"xfrm", "linux", Limits{HardExpire: true, ByteLifetimes: true}},
		{"pfkey", "linux", Limits{HardExpire: true, ByteLifetimes: true}},
		{"pfkey", "freebsd", Limits{}},
		{"pfkey", "netbsd", Limits{}},
	} {
		if got := LimitsOf(c.kind, c.goos); got != c.want {
			t.Errorf("LimitsOf(%s, %s) = %+v, want %+v", c.kind, c.goos, got, c.want)
		}
	}
	if w := ByteLifetimeWarning("pfkey", "linux", `ipsec "esp"`, 1<<20); w != "" {
		t.Errorf("Linux warns: %s", w)
	}
	if w := ByteLifetimeWarning("pfkey", "netbsd", `ipsec "esp"`, 0); w != "" {
		t.Errorf("no byte lifetime warns: %s", w)
	}
	w := ByteLifetimeWarning("pfkey", "freebsd", `ipsec "esp"`, 1<<20)
	if !strings.Contains(w, `ipsec "esp"`) || !strings.Contains(w, "1048576") || !strings.Contains(w, "ignored") {
		t.Errorf("FreeBSD warning %q", w)
	}
}
