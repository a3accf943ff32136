package conf

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
}

func (b *builder) build(nodes []*Node) {
	b.cfg.Vars = map[string]string{}
	b.vars = b.cfg.Vars
	for _, n := range nodes {
		if n.Keyword() == "setval" && b.onlyOnce(n, "setval") {
			b.setval(n)
		}
	}
	for _, n := range nodes {
		switch kw := n.Keyword(); kw {
		case "setval":
		case "interface":
			if b.onlyOnce(n, kw) && b.plainBlock(n) {
				b.iface(n)
			}
		case "resolver":
			if b.onlyOnce(n, kw) && b.plainBlock(n) {
				b.resolver(n)
			}
		case "default":
			if b.onlyOnce(n, kw) && b.plainBlock(n) {
				b.defaults(n)
			}
		case "remote", "selector", "policy", "ipsec", "sa", "addresspool":
			name, ok := b.index(n)
			if !ok {
				continue
			}
			b.section(kw, name, n)
		default:
			b.rep.errorf(n.Pos, "syntax error: unexpected %s at top level", describe(n.Args[0]))
		}
	}
}

func (b *builder) section(kw, name string, n *Node) {
	switch kw {
	case "remote":
		r := &Remote{Name: name, Pos: n.Pos}
		b.remoteBody(n.Block, r)
		b.cfg.Remotes = append(b.cfg.Remotes, r)
	case "selector":
		s := &Selector{Name: name, Pos: n.Pos, ULP: ProtoAny, ULPArgs: [2]int{-1, -1}}
		b.selectorBody(n.Block, s)
		b.cfg.Selectors = append(b.cfg.Selectors, s)
	case "policy":
		p := &Policy{Name: name, Pos: n.Pos}
		b.policyBody(n.Block, p)
		b.cfg.Policies = append(b.cfg.Policies, p)
	case "ipsec":
		p := &IPsec{Name: name, Pos: n.Pos}
		b.ipsecBody(n.Block, p)
		b.cfg.IPsecs = append(b.cfg.IPsecs, p)
	case "sa":
		s := &SA{Name: name, Pos: n.Pos}
		b.saBody(n.Block, s)
		b.cfg.SAs = append(b.cfg.SAs, s)
	case "addresspool":
		p := &AddressPool{Name: name, Pos: n.Pos}
		b.poolBody(n.Block, p)
		b.cfg.AddressPools = append(b.cfg.AddressPools, p)
	}
}

// onlyOnce reports a second setval, interface, resolver or default.
func (b *builder) onlyOnce(n *Node, kw string) bool {
	if prev, ok := b.once[kw]; ok {
		b.rep.errorf(n.Pos, "duplicate %s section (the first is at line %d of %s)", kw, prev.Line, prev.File)
		return false
	}
	b.once[kw] = n.Pos
	return true
}

// plainBlock checks `keyword { ... }` with nothing between.
func (b *builder) plainBlock(n *Node) bool {
	if len(n.Args) != 1 || !n.HasBlock {
		b.rep.errorf(n.Pos, "syntax error: %s wants a block: %s { ... };", n.Args[0].Text, n.Args[0].Text)
		return false
	}
	return true
}

// index reads `keyword name { ... }` and expands the name.
func (b *builder) index(n *Node) (string, bool) {
	kw := n.Args[0].Text
	if len(n.Args) != 2 || !n.HasBlock {
		if len(n.Args) >= 2 && !n.Args[1].isString() {
			b.rep.errorf(n.Args[1].Pos, "syntax error: %s name expected, found %s%s", kw, describe(n.Args[1]), quoteHint(n.Args[1]))
			return "", false
		}
		b.rep.errorf(n.Pos, "syntax error: %s wants a name and a block: %s NAME { ... };", kw, kw)
		return "", false
	}
	return b.str(n.Args[1])
}

// setval: `setval NAME value;` or `setval { NAME value; ... };`. The
// first definition of a name wins, as in racoon2.
func (b *builder) setval(n *Node) {
	var pairs []*Node
	switch {
	case n.HasBlock && len(n.Args) == 1:
		pairs = n.Block
	case !n.HasBlock && len(n.Args) == 3:
		pairs = []*Node{{Args: n.Args[1:], Pos: n.Args[1].Pos}}
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

func firstHint(ts []Token) string {
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
	b          *builder
	seen       map[string]Pos
	firstWins  bool
	blockLabel string
}

func newDup(b *builder, label string, firstWins bool) *dupTracker {
	return &dupTracker{b: b, seen: map[string]Pos{}, firstWins: firstWins, blockLabel: label}
}

// ok tells whether the directive should be applied.
func (d *dupTracker) ok(key string, n *Node) bool {
	prev, dup := d.seen[key]
	if !dup {
		d.seen[key] = n.Pos
		return true
	}
	if d.firstWins {
		d.b.rep.warnf(n.Pos, "%s repeated in %s: the first one (line %d) is used, as racoon2 does; this one is ignored", key, d.blockLabel, prev.Line)
		return false
	}
	d.b.rep.warnf(n.Pos, "%s repeated in %s: this one replaces the one at line %d", key, d.blockLabel, prev.Line)
	d.seen[key] = n.Pos
	return true
}

// list reports a repeated algorithm list, an error in racoon2.
func (d *dupTracker) list(key string, n *Node) bool {
	if prev, dup := d.seen[key]; dup {
		d.b.rep.errorf(n.Pos, "algorithm list already defined (%s at line %d)", key, prev.Line)
		return false
	}
	d.seen[key] = n.Pos
	return true
}

func (b *builder) unknown(n *Node, where string) {
	if len(n.Args) == 0 {
		return
	}
	b.rep.errorf(n.Pos, "syntax error: %s is not a directive of %s", describe(n.Args[0]), where)
}

// ---- interface and resolver ----

func (b *builder) iface(n *Node) {
	f := &b.cfg.Interface
	d := newDup(b, "interface", false)
	for _, c := range n.Block {
		kw := c.Keyword()
		switch kw {
		case "ike", "kink", "spmd":
			if _, dup := d.seen[kw]; dup {
				b.rep.errorf(c.Pos, "duplicate %s in interface (the first is at line %d)", kw, d.seen[kw].Line)
				continue
			}
			d.seen[kw] = c.Pos
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
			if _, dup := d.seen[kw]; dup {
				b.rep.errorf(c.Pos, "duplicate spmd_password in interface")
				continue
			}
			d.seen[kw] = c.Pos
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

func (b *builder) resolver(n *Node) {
	r := &b.cfg.Resolver
	r.Present = true
	d := newDup(b, "resolver", false)
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

func (b *builder) defaults(n *Node) {
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

func (b *builder) remoteBody(block []*Node, r *Remote) {
	label := "remote " + r.Name
	if r.Name == "" {
		label = "default remote"
	}
	d := newDup(b, label, false)
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
			}
		case "ikev1", "ikev2", "kink":
			if len(c.Args) != 1 || !c.HasBlock {
				b.rep.errorf(c.Pos, "syntax error: %s wants a block", kw)
				continue
			}
			if prev, dup := d.seen[kw]; dup {
				b.rep.warnf(c.Pos, "second %s block in %s replaces the one at line %d", kw, label, prev.Line)
			}
			d.seen[kw] = c.Pos
			k := &KMPConf{Proto: kmpWords[kw], Pos: c.Pos}
			b.kmpBody(c.Block, k, label)
			switch kw {
			case "ikev1":
				r.IKEv1 = k
			case "ikev2":
				r.IKEv2 = k
			default:
				r.KINK = k
			}
		default:
			b.unknown(c, label)
		}
	}
}

func (b *builder) kmpList(n *Node) ([]KMP, bool) {
	els, ok := b.elements(n)
	if !ok {
		return nil, false
	}
	var out []KMP
	for _, c := range els {
		t := c.next()
		k, ok := kmpWords[t.Text]
		if t.Kind != tokKeyword || !ok {
			b.rep.errorf(t.Pos, "syntax error: acceptable_kmp wants ikev1, ikev2 or kink, found %s", describe(t))
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
			b.rep.warnf(t.Pos, "%s listed twice in acceptable_kmp", k)
			continue
		}
		out = append(out, k)
	}
	return out, true
}
