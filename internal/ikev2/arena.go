package ikev2

// arena holds the decoded payload structures of one Message. Parsing into a
// reused Message takes them from here, so a long-lived Message (one per
// event loop) parses the usual messages without allocating; the price is
// that payloads from an earlier Parse are overwritten, which the Message
// documentation states. Payload data already aliases the datagram, so the
// rule for keeping anything is the same: copy it.
type arena struct {
	notify []Notify
	nonce  []Nonce
	ke     []KE
	id     []ID
	auth   []Auth
	vendor []VendorID
	ts     []TS
	sel    []TrafficSelector
	sa     []SA
	prop   []Proposal
	tr     []Transform
	attr   []Attribute
	enc    []Encrypted
	cert   []Cert
	creq   []CertReq
	del    []Delete
	cp     []CP
	cfg    []CfgAttr
}

func (a *arena) reset() {
	a.notify, a.nonce, a.ke, a.id = a.notify[:0], a.nonce[:0], a.ke[:0], a.id[:0]
	a.auth, a.vendor, a.ts, a.sel = a.auth[:0], a.vendor[:0], a.ts[:0], a.sel[:0]
	a.sa, a.prop, a.tr, a.attr, a.enc = a.sa[:0], a.prop[:0], a.tr[:0], a.attr[:0], a.enc[:0]
	a.cert, a.creq, a.del, a.cp, a.cfg = a.cert[:0], a.creq[:0], a.del[:0], a.cp[:0], a.cfg[:0]
}

// take returns a zeroed element of *s. When *s is full it starts a new,
// larger backing array rather than growing the old one: elements handed
// out earlier stay where they are.
func take[T any](s *[]T) *T {
	if len(*s) == cap(*s) {
		*s = make([]T, 0, max(2*cap(*s), 4))
	}
	*s = (*s)[:len(*s)+1]
	p := &(*s)[len(*s)-1]
	var zero T
	*p = zero
	return p
}

// takeN returns n contiguous zeroed elements of *s (nil for n == 0).
func takeN[T any](s *[]T, n int) []T {
	if n == 0 {
		return nil
	}
	if cap(*s)-len(*s) < n {
		*s = make([]T, 0, max(2*cap(*s), n, 8))
	}
	l := len(*s)
	*s = (*s)[:l+n]
	r := (*s)[l : l+n : l+n]
	clear(r)
	return r
}
