package pfkey

import (
	"testing"

	"golang.org/x/sys/unix"
)

// On Linux, the native layout agrees with the system's numbers.
func TestNativeLayoutMatchesSystem(t *testing.T) {
	if native.name != "Linux" || int(native.inet6) != unix.AF_INET6 || native.afKey != unix.AF_KEY ||
		sizeofSockaddrInet6 != unix.SizeofSockaddrInet6 || sizeofSockaddrInet4 != unix.SizeofSockaddrInet4 {
		t.Errorf("native %+v", native)
	}
}
