package conf

// slab hands out zeroed elements and short slices from large chunks, so
// that a configuration with many sections costs few allocations. Slices are
// capped, so an append by a user of the model reallocates instead of
// writing into a neighbour.
type slab[T any] struct {
	buf []T
}

const slabChunk = 256

func (s *slab[T]) take(n int) []T {
	if cap(s.buf)-len(s.buf) < n {
		s.buf = make([]T, 0, max(slabChunk, n))
	}
	start := len(s.buf)
	s.buf = s.buf[:start+n]
	return s.buf[start : start+n : start+n]
}

// list returns an empty slice with room for n elements.
func (s *slab[T]) list(n int) []T { return s.take(n)[:0] }

func (s *slab[T]) one() *T { return &s.take(1)[0] }

// slabs are the builder's allocators, one per type the model holds many of.
type slabs struct {
	remotes   slab[Remote]
	selectors slab[Selector]
	policies  slab[Policy]
	ipsecs    slab[IPsec]
	sas       slab[SA]
	kmps      slab[KMPConf]
	addrs     slab[Address]
	algs      slab[Algorithm]
	ids       slab[ID]
	strs      slab[string]
}
