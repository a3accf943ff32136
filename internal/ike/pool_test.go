package ike

import (
	"net/netip"
	"testing"
)

// racoon2 3.5: leases come from the ranges, at most 100 per family, and
// released addresses are handed out again.
func TestPoolLeases(t *testing.T) {
	p := NewPool("p",
		AddrRange{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.3")},
		AddrRange{netip.MustParseAddr("10.0.1.0"), netip.MustParseAddr("10.0.1.255")},
		AddrRange{netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")})
	a, ok := p.Lease(true)
	if !ok || a != netip.MustParseAddr("10.0.0.1") {
		t.Fatal(a, ok)
	}
	seen := map[netip.Addr]bool{a: true}
	for i := 1; i < MaxLeases; i++ {
		b, ok := p.Lease(true)
		if !ok || seen[b] {
			t.Fatalf("lease %d: %v %v", i, b, ok)
		}
		seen[b] = true
	}
	if _, ok := p.Lease(true); ok {
		t.Fatal("more than MaxLeases")
	}
	p.Release(a)
	if b, ok := p.Lease(true); !ok || !b.IsValid() {
		t.Fatal("released address not reusable")
	}
	x, _ := p.Lease(false)
	y, _ := p.Lease(false)
	if _, ok := p.Lease(false); ok || x == y || !x.Is6() {
		t.Fatal("IPv6 range exhausted wrongly")
	}
	p.Release(x)
	if z, ok := p.Lease(false); !ok || z != x {
		t.Fatal("IPv6 release")
	}
	if v4, v6 := p.Leased(); v4 != MaxLeases || v6 != 2 {
		t.Fatal(v4, v6)
	}
}
