package ike

import "net/netip"

// AddrRange is one addresspool range, first to last inclusive.
type AddrRange struct{ First, Last netip.Addr }

// Pool is an addresspool{} that hands out addresses for configuration
// payloads (racoon2 3.5): at most MaxLeases per family are out at once
// (racoon2's limit). It is not safe for concurrent use; the event loop
// owns it.
type Pool struct {
	Name   string
	Ranges []AddrRange
	leased map[netip.Addr]bool
	n4, n6 int
	next   netip.Addr // where the search for a free address resumes
}

// MaxLeases is racoon2's limit of leases per family and pool.
const MaxLeases = 100

// NewPool makes a pool of the given ranges.
func NewPool(name string, ranges ...AddrRange) *Pool {
	return &Pool{Name: name, Ranges: ranges, leased: map[netip.Addr]bool{}}
}

// Lease returns a free address of the family of v4 (true: IPv4), or false
// when the pool has none left.
func (p *Pool) Lease(v4 bool) (netip.Addr, bool) {
	if n := p.n6; v4 {
		n = p.n4
		if n >= MaxLeases {
			return netip.Addr{}, false
		}
	} else if n >= MaxLeases {
		return netip.Addr{}, false
	}
	// Two passes: from the resume point to the end, then from the start.
	for pass := 0; pass < 2; pass++ {
		for _, r := range p.Ranges {
			if r.First.Is4() != v4 {
				continue
			}
			a := r.First
			if pass == 0 && p.next.IsValid() && p.next.Is4() == v4 && !p.next.Less(r.First) {
				if r.Last.Less(p.next) {
					continue
				}
				a = p.next
			}
			for steps := 0; steps <= 2*MaxLeases+1 && a.IsValid() && !r.Last.Less(a); steps++ {
				if !p.leased[a] {
					p.leased[a] = true
					p.next = a.Next()
					if v4 {
						p.n4++
					} else {
						p.n6++
					}
					return a, true
				}
				a = a.Next()
			}
		}
	}
	return netip.Addr{}, false
}

// Release returns a leased address to the pool.
func (p *Pool) Release(a netip.Addr) {
	if !p.leased[a] {
		return
	}
	delete(p.leased, a)
	if a.Is4() {
		p.n4--
	} else {
		p.n6--
	}
}

// Leased reports how many addresses of each family are out.
func (p *Pool) Leased() (v4, v6 int) { return p.n4, p.n6 }
