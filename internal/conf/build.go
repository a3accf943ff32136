package conf

import "slices"

// builder turns the generic tree into the typed Config (racoon2's
// cfsetup.c "fix" step), reporting what it cannot read.
type builder struct {
	rep  *Report
	vars map[string]string
	env  func(string) (string, bool)
	cfg  *Config
	// once remembers the sections allowed once (setval, interface,
	// resolver, default).
	once map[string]Pos
	free []seenList

	deferring bool    // a missing ${VAR} may still be defined later
	missed    bool    // the section being built used such a variable
	main      *Report // the Load's report; rep points to scratch while building
	scratch   Report  // diagnostics of the section being built
	pending   []pendingSection
	junk      KMPConf  // target of directives a duplicate rule drops
	file      string   // file of the section being built, for token positions
	curs      []cursor // scratch for elements
	mem       slabs
	secrets   *secretStats // nil: key files are not checked
	zeroLives []zeroLifetime
}

// zeroLifetime is an ipsec section's lifetime written as 0 or infinite,
// which the default section's value replaces ("0 means unset").
type zeroLifetime struct {
	p     *IPsec
	bytes bool // ipsec_sa_lifetime_byte, else _time
	pos   Pos
	text  string // "0", "infinite", ... as written
}

// Sections are built as soon as the parser has read them, so the tree of
// each one can be dropped and its memory reused. racoon2 builds its setval
// table after the whole file is read, so a section may use a variable
// defined further down: such a section is kept and built again at the end
// (its diagnostics from the first attempt are discarded).

// pendingSection is a section whose build waits for later setval entries.
type pendingSection struct {
	n   *node
	obj any // the object already placed in the Config, to be rebuilt
}

// at is the position of a token of the section being built.
func (b *builder) at(t token) Pos { return tokPos(b.file, t) }

func (b *builder) start() {
	b.cfg.Vars = map[string]string{}
	b.vars = b.cfg.Vars
	b.deferring = true
	b.main = b.rep
}

// top builds one top-level statement. It returns true when it keeps the
// node for later (the parser must then not reuse its memory).
func (b *builder) top(n *node) bool {
	b.file = n.Pos.File
	kw := n.Keyword()
	if kw == "setval" {
		if b.onlyOnce(n, kw) {
			b.setval(n)
		}
		return false
	}
	switch kw {
	case "interface", "resolver", "default":
		if !b.onlyOnce(n, kw) || !b.plainBlock(n) {
			return false
		}
	case "remote", "selector", "policy", "ipsec", "sa", "addresspool":
	default:
		if len(n.Args) == 0 {
			b.rep.errorf(n.Pos, "syntax error: block without a directive")
		} else {
			b.rep.errorf(n.Pos, "syntax error: unexpected %s at top level", describe(n.Args[0]))
		}
		return false
	}
	// Build into a scratch report, so a deferred attempt leaves no trace.
	b.scratch.Diags, b.scratch.errors, b.scratch.dropped = b.scratch.Diags[:0], 0, 0
	b.rep, b.missed = &b.scratch, false
	zl := len(b.zeroLives)
	obj := b.buildSection(kw, n, nil)
	b.rep = b.main
	if b.missed {
		b.zeroLives = b.zeroLives[:zl] // noted again when built at the end
		b.pending = append(b.pending, pendingSection{n: n, obj: obj})
		return true
	}
	for _, d := range b.scratch.Diags {
		b.rep.addDiag(d)
	}
	b.rep.dropped += b.scratch.dropped
	return false
}

// finish builds the sections that waited for variables.
func (b *builder) finish() {
	b.deferring, b.missed = false, false
	for _, p := range b.pending {
		b.file = p.n.Pos.File
		b.buildSection(p.n.Keyword(), p.n, p.obj)
	}
	b.pending = nil
}

// buildSection builds a section into obj (a fresh object when nil) and
// returns the object.
func (b *builder) buildSection(kw string, n *node, obj any) any {
	switch kw {
	case "interface":
		b.cfg.Interface = Interface{}
		b.iface(n)
		return nil
	case "resolver":
		b.cfg.Resolver = Resolver{}
		b.resolver(n)
		return nil
	case "default":
		b.cfg.Default = Defaults{}
		b.defaults(n)
		return nil
	}
	name, ok := b.index(n)
	if !ok && !b.missed {
		// The name is reported; on a retry, take the placeholder out.
		b.drop(obj)
		return nil
	}
	switch kw {
	case "remote":
		r := reuse(obj, &b.mem.remotes, &b.cfg.Remotes)
		r.Name, r.Pos = name, n.Pos
		b.remoteBody(n.Block, r)
		return r
	case "selector":
		s := reuse(obj, &b.mem.selectors, &b.cfg.Selectors)
		s.Name, s.Pos, s.ULP, s.ULPArgs = name, n.Pos, ProtoAny, [2]int{-1, -1}
		b.selectorBody(n.Block, s)
		return s
	case "policy":
		p := reuse(obj, &b.mem.policies, &b.cfg.Policies)
		p.Name, p.Pos = name, n.Pos
		b.policyBody(n.Block, p)
		return p
	case "ipsec":
		p := reuse(obj, &b.mem.ipsecs, &b.cfg.IPsecs)
		p.Name, p.Pos = name, n.Pos
		b.ipsecBody(n.Block, p)
		return p
	case "sa":
		s := reuse(obj, &b.mem.sas, &b.cfg.SAs)
		s.Name, s.Pos = name, n.Pos
		b.saBody(n.Block, s)
		return s
	default:
		p, _ := obj.(*AddressPool)
		if p == nil {
			p = &AddressPool{}
			b.cfg.AddressPools = append(b.cfg.AddressPools, p)
		}
		*p = AddressPool{Name: name, Pos: n.Pos}
		b.poolBody(n.Block, p)
		return p
	}
}

// reuse returns obj as a *T when it is one (a section built again on a
// retry), cleared, else a new T from s appended to list. Either way the
// T is zero: the slab's memory is fresh, and clearing it again would cost
// a 10k-section load a noticeable share of its time.
func reuse[T any](obj any, s *slab[T], list *[]*T) *T {
	if p, ok := obj.(*T); ok && p != nil {
		var zero T
		*p = zero
		return p
	}
	p := s.one()
	*list = append(*list, p)
	return p
}

// onlyOnce reports a second setval, interface, resolver or default.
func (b *builder) onlyOnce(n *node, kw string) bool {
	if prev, ok := b.once[kw]; ok {
		b.rep.errorf(n.Pos, "duplicate %s section (the first is at line %d of %s)", kw, prev.Line, prev.File)
		return false
	}
	b.once[kw] = n.Pos
	return true
}

// plainBlock checks `keyword { ... }` with nothing between.
func (b *builder) plainBlock(n *node) bool {
	if len(n.Args) != 1 || !n.HasBlock {
		b.rep.errorf(n.Pos, "syntax error: %s wants a block: %s { ... };", n.Args[0].Text, n.Args[0].Text)
		return false
	}
	return true
}

// index reads `keyword name { ... }` and expands the name.
func (b *builder) index(n *node) (string, bool) {
	kw := n.Args[0].Text
	if len(n.Args) != 2 || !n.HasBlock {
		if len(n.Args) >= 2 && !n.Args[1].isString() {
			b.rep.errorf(b.at(n.Args[1]), "syntax error: %s name expected, found %s%s", kw, describe(n.Args[1]), quoteHint(n.Args[1]))
			return "", false
		}
		b.rep.errorf(n.Pos, "syntax error: %s wants a name and a block: %s NAME { ... };", kw, kw)
		return "", false
	}
	return b.str(n.Args[1])
}

// setval: `setval NAME value;` or `setval { NAME value; ... };`. The
// first definition of a name wins, as in racoon2.
func (b *builder) setval(n *node) {
	var pairs []*node
	switch {
	case n.HasBlock && len(n.Args) == 1:
		pairs = n.Block
	case !n.HasBlock && len(n.Args) == 3:
		pairs = []*node{{Args: n.Args[1:], Pos: b.at(n.Args[1])}}
	default:
		b.rep.errorf(n.Pos, "syntax error: setval wants NAME \"value\" pairs")
		return
	}
	for _, p := range pairs {
		if len(p.Args) != 2 || p.HasBlock || !p.Args[0].isString() || !p.Args[1].isString() {
			b.rep.errorf(p.Pos, "syntax error: setval entry must be NAME \"value\";%s", firstHint(p.Args))
			continue
		}
		name, val := p.Args[0].Text, p.Args[1].Text
		if prev, ok := b.vars[name]; ok {
			b.rep.warnf(p.Pos, "setval %s defined again; the first definition (%q) is used, as racoon2 does", name, prev)
			continue
		}
		b.vars[name] = val
		b.cfg.VarOrder = append(b.cfg.VarOrder, name)
	}
}

func firstHint(ts []token) string {
	for _, t := range ts {
		if t.Kind == tokKeyword {
			return quoteHint(t)
		}
	}
	return ""
}

// dupTracker applies racoon2's rule for a repeated directive in a block:
// the later one wins, except in ikev2{} where the first one does.
type dupTracker struct {
	b         *builder
	seen      seenList
	firstWins bool
	// The block's label is built only when a warning needs it.
	what, name, suffix string
}

func (d *dupTracker) label() string { return d.what + d.name + d.suffix }

// seenList is a tiny map: blocks hold a handful of directives, and a
// slice costs far less than a map per block. Only the line is kept: it is
// all the messages use, and an entry without pointers is cheaper to write.
type seenList []seenEntry

type seenEntry struct {
	key  string
	line int32
}

// get returns the position (only its line is set) where key was seen.
func (l seenList) get(key string) (Pos, bool) {
	for _, e := range l {
		if e.key == key {
			return Pos{Line: e.line}, true
		}
	}
	return Pos{}, false
}

func (l *seenList) set(key string, p Pos) {
	for i := range *l {
		if (*l)[i].key == key {
			(*l)[i].line = p.Line
			return
		}
	}
	*l = append(*l, seenEntry{key, p.Line})
}

// newDup starts tracking a block; the seen list comes from a free list so
// that blocks cost no allocation once the first few exist.
func (b *builder) newDup(what, name, suffix string, firstWins bool) dupTracker {
	var s seenList
	if n := len(b.free); n > 0 {
		s, b.free = b.free[n-1][:0], b.free[:n-1]
	}
	return dupTracker{b: b, seen: s, firstWins: firstWins, what: what, name: name, suffix: suffix}
}

// sectionDup starts the duplicate tracking of a remote, policy, ipsec or
// sa body: named, or (with no name) the one in default {}. Both labels
// are constants so that the 10k-section load stays free of concatenation.
func (b *builder) sectionDup(named, dflt, name string) dupTracker {
	if name == "" {
		return b.newDup(dflt, "", "", false)
	}
	return b.newDup(named, name, "", false)
}

func (b *builder) release(d *dupTracker) { b.free = append(b.free, d.seen) }

// ok tells whether the directive should be applied.
func (d *dupTracker) ok(key string, n *node) bool {
	prev, dup := d.seen.get(key)
	if !dup {
		d.seen = append(d.seen, seenEntry{key, n.Pos.Line})
		return true
	}
	if d.firstWins {
		d.b.rep.warnf(n.Pos, "%s repeated in %s: the first one (line %d) is used, as racoon2 does; this one is ignored", key, d.label(), prev.Line)
		return false
	}
	d.b.rep.warnf(n.Pos, "%s repeated in %s: this one replaces the one at line %d", key, d.label(), prev.Line)
	d.seen.set(key, n.Pos)
	return true
}

// list reports a repeated algorithm list, an error in racoon2.
func (d *dupTracker) list(key string, n *node) bool {
	if prev, dup := d.seen.get(key); dup {
		d.b.rep.errorf(n.Pos, "algorithm list already defined (%s at line %d)", key, prev.Line)
		return false
	}
	d.seen.set(key, n.Pos)
	return true
}

func (b *builder) unknown(n *node, where string) {
	if len(n.Args) == 0 {
		return
	}
	b.rep.errorf(n.Pos, "syntax error: %s is not a directive of %s", describe(n.Args[0]), where)
}

// ---- interface and resolver ----

func (b *builder) iface(n *node) {
	f := &b.cfg.Interface
	d := b.newDup("interface", "", "", false)
	defer b.release(&d)
	for _, c := range n.Block {
		kw := c.Keyword()
		switch kw {
		case "ike", "kink", "spmd":
			if prev, dup := d.seen.get(kw); dup {
				b.rep.errorf(c.Pos, "duplicate %s in interface (the first is at line %d)", kw, prev.Line)
				continue
			}
			d.seen.set(kw, c.Pos)
			l, ok := b.addrList(c)
			if !ok {
				continue
			}
			switch kw {
			case "ike":
				f.IKEAddrs = l
			case "kink":
				f.KINK = l
			default:
				f.SpmdAddrs = l
			}
		case "spmd_password":
			if _, dup := d.seen.get(kw); dup {
				b.rep.errorf(c.Pos, "duplicate spmd_password in interface")
				continue
			}
			d.seen.set(kw, c.Pos)
			if s, ok := b.stringVal(c); ok {
				f.SpmdPassword, f.SpmdPasswordPos = s, c.Pos
			}
		case "application_bypass":
			if v, ok := b.boolVal(c); ok && d.ok(kw, c) {
				f.ApplicationBypass = v
			}
		default:
			b.unknown(c, "interface")
		}
	}
}

func (b *builder) resolver(n *node) {
	r := &b.cfg.Resolver
	r.Present = true
	d := b.newDup("resolver", "", "", false)
	defer b.release(&d)
	for _, c := range n.Block {
		switch kw := c.Keyword(); kw {
		case "resolver":
			if v, ok := b.boolVal(c); ok && d.ok(kw, c) {
				r.Enable = v
			}
		case "nameserver":
			if l, ok := b.addrList(c); ok && d.ok(kw, c) {
				r.Nameserver = l
			}
		case "dns_query":
			if l, ok := b.addrList(c); ok && d.ok(kw, c) {
				r.DNSQuery = l
			}
		default:
			b.unknown(c, "resolver")
		}
	}
}

// ---- default ----

func (b *builder) defaults(n *node) {
	df := &b.cfg.Default
	seen := map[string]Pos{}
	for _, c := range n.Block {
		kw := c.Keyword()
		switch kw {
		case "remote", "policy", "ipsec", "sa":
		default:
			b.unknown(c, "default")
			continue
		}
		if len(c.Args) != 1 || !c.HasBlock {
			b.rep.errorf(c.Pos, "syntax error: default %s wants a block without a name", kw)
			continue
		}
		if prev, dup := seen[kw]; dup {
			b.rep.errorf(c.Pos, "duplicate %s in default (the first is at line %d)", kw, prev.Line)
			continue
		}
		seen[kw] = c.Pos
		switch kw {
		case "remote":
			df.Remote = &Remote{Pos: c.Pos}
			b.remoteBody(c.Block, df.Remote)
		case "policy":
			df.Policy = &Policy{Pos: c.Pos}
			b.policyBody(c.Block, df.Policy)
		case "ipsec":
			df.IPsec = &IPsec{Pos: c.Pos}
			b.ipsecBody(c.Block, df.IPsec)
		case "sa":
			df.SA = &SA{Pos: c.Pos}
			b.saBody(c.Block, df.SA)
		}
	}
}

// ---- remote ----

var kmpWords = map[string]KMP{"ikev1": KMPIKEv1, "ikev2": KMPIKEv2, "kink": KMPKINK}

func (b *builder) remoteBody(block []*node, r *Remote) {
	d := b.sectionDup("remote ", "default remote", r.Name)
	defer b.release(&d)
	for _, c := range block {
		kw := c.Keyword()
		switch kw {
		case "acceptable_kmp":
			l, ok := b.kmpList(c)
			if ok && d.ok(kw, c) {
				r.AcceptableKMP = l
			}
		case "selector_index":
			if s, ok := b.stringVal(c); ok && d.ok(kw, c) {
				r.SelectorIndex = s
				b.rep.warnf(c.Pos, "selector_index is not implemented by iked (as in racoon2); ignored")
			}
		case "ikev1", "ikev2", "kink":
			if len(c.Args) != 1 || !c.HasBlock {
				b.rep.errorf(c.Pos, "syntax error: %s wants a block", kw)
				continue
			}
			if prev, dup := d.seen.get(kw); dup {
				b.rep.warnf(c.Pos, "second %s block in %s replaces the one at line %d", kw, d.label(), prev.Line)
			}
			d.seen.set(kw, c.Pos)
			if kw == "ikev1" {
				b.rep.warnf(c.Pos, "iked has no IKEv1 engine yet: this ikev1{} block is checked but never used")
			}
			k := b.mem.kmps.one() // zero
			k.Proto, k.Pos = kmpWords[kw], c.Pos
			b.kmpBody(c.Block, k, d.what, r.Name)
			switch kw {
			case "ikev1":
				r.IKEv1 = k
			case "ikev2":
				r.IKEv2 = k
			default:
				r.KINK = k
			}
		default:
			b.unknown(c, d.label())
		}
	}
}

func (b *builder) kmpList(n *node) ([]KMP, bool) {
	els, ok := b.elements(n)
	if !ok {
		return nil, false
	}
	var out []KMP
	for i := range els {
		c := &els[i]
		t := c.next()
		k, ok := kmpWords[t.Text]
		if t.Kind != tokKeyword || !ok {
			b.rep.errorf(b.at(t), "syntax error: acceptable_kmp wants ikev1, ikev2 or kink, found %s", describe(t))
			return nil, false
		}
		if !b.done(c) {
			return nil, false
		}
		dup := false
		for _, o := range out {
			dup = dup || o == k
		}
		if dup {
			b.rep.warnf(b.at(t), "%s listed twice in acceptable_kmp", k)
			continue
		}
		out = append(out, k)
	}
	return out, true
}

// drop removes a placeholder section whose name could not be expanded.
func (b *builder) drop(obj any) {
	c := b.cfg
	switch o := obj.(type) {
	case *Remote:
		c.Remotes = slices.DeleteFunc(c.Remotes, func(x *Remote) bool { return x == o })
	case *Selector:
		c.Selectors = slices.DeleteFunc(c.Selectors, func(x *Selector) bool { return x == o })
	case *Policy:
		c.Policies = slices.DeleteFunc(c.Policies, func(x *Policy) bool { return x == o })
	case *IPsec:
		c.IPsecs = slices.DeleteFunc(c.IPsecs, func(x *IPsec) bool { return x == o })
	case *SA:
		c.SAs = slices.DeleteFunc(c.SAs, func(x *SA) bool { return x == o })
	case *AddressPool:
		c.AddressPools = slices.DeleteFunc(c.AddressPools, func(x *AddressPool) bool { return x == o })
	}
}
