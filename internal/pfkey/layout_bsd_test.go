//go:build freebsd || netbsd

package pfkey

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// On a BSD, the native layout agrees with the system's own numbers where
// x/sys/unix has them (it has no pseudo_AF_KEY).
func TestNativeLayoutMatchesSystem(t *testing.T) {
	want := map[string]layout{"freebsd": freebsdLayout, "netbsd": netbsdLayout}[runtime.GOOS]
	if native.name != want.name {
		t.Fatalf("native layout %s on %s", native.name, runtime.GOOS)
	}
	if int(native.inet6) != unix.AF_INET6 || sizeofSockaddrInet6 != unix.SizeofSockaddrInet6 ||
		sizeofSockaddrInet4 != unix.SizeofSockaddrInet4 {
		t.Errorf("AF_INET6 %d/%d, sockaddr sizes %d %d / %d %d", native.inet6, unix.AF_INET6,
			sizeofSockaddrInet4, sizeofSockaddrInet6, unix.SizeofSockaddrInet4, unix.SizeofSockaddrInet6)
	}
}
