package kernel

import "fmt"

// Limits says what a backend's kernel does about SA lifetimes by itself
// (reference section 4.4).
type Limits struct {
	// HardExpire: the kernel removes an SA at its hard lifetime and tells
	// the key manager (SADB_EXPIRE or XFRM_MSG_EXPIRE with hard set), so
	// the engine learns of it. Where false, the engine keeps its own
	// expiry timer per IPsec SA, as racoon2 does on every platform.
	HardExpire bool
	// ByteLifetimes: byte limits are counted and reported by the kernel.
	// Where false, iked ignores them with a warning (racoon2's iked(8)
	// BUGS: "byte lifetimes only work on Linux").
	ByteLifetimes bool
}

// LimitsOf returns the limits of the backend kind (after Resolve) on goos.
// Linux's af_key and XFRM report hard expiry and count bytes; for the
// KAME-derived PF_KEY of FreeBSD and NetBSD, racoon2 documents neither,
// and iked does not rely on them there.
func LimitsOf(kind, goos string) Limits {
	if goos == "linux" && (kind == "pfkey" || kind == "xfrm") {
		return Limits{HardExpire: true, ByteLifetimes: true}
	}
	return Limits{}
}

// ByteLifetimeWarning is the configuration-check warning for a byte
// lifetime of n bytes set at where (for example `ipsec "ipsec_esp"`) on
// the backend kind on goos, or "" when the backend honours it.
func ByteLifetimeWarning(kind, goos, where string, n uint64) string {
	if n == 0 || LimitsOf(kind, goos).ByteLifetimes {
		return ""
	}
	return fmt.Sprintf("%s: ipsec_sa_lifetime_byte %d is ignored: the %s kernel interface on %s does not report byte lifetimes; only the time lifetime applies",
		where, n, kind, goos)
}
