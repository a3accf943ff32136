package conf

import (
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Value parsing for the generic productions of cfparse.y: numbers, units,
// booleans, strings, addresses, identities and algorithm lists. Each
// helper reports its own errors and returns ok=false after one.

// str expands a string token (racoon2 expands every string-typed value).
func (b *builder) str(t token) (string, bool) {
	if !t.isString() {
		b.rep.errorf(b.at(t), "syntax error: expected a string, found %s%s", describe(t), quoteHint(t))
		return "", false
	}
	if t.Kind == tokWord {
		return t.Text, true
	}
	s, err := expand(t.Text, b.vars, b.env)
	if err == nil && s != t.Text && hasVarSyntax(s) {
		// No quoting can keep this from being expanded again: Dump
		// writes the text as it was.
		if b.cfg.rawText == nil {
			b.cfg.rawText = map[string]string{}
		}
		b.cfg.rawText[s] = t.Text
	}
	if err != nil {
		if u, ok := err.(*undefinedError); ok && !u.env && b.deferring {
			b.missed = true // a later setval may define it
			return "", false
		}
		if _, ok := err.(*undefinedError); ok {
			b.rep.errorf(b.at(t), "the string was not defined: %v", err)
		} else {
			b.rep.errorf(b.at(t), "%v", err)
		}
		return "", false
	}
	return s, true
}

func quoteHint(t token) string {
	if t.Kind == tokKeyword {
		return " (a reserved word; quote it to use it as a name)"
	}
	return ""
}

// number parses racoon2's number rule: 0x hex or decimal, sign allowed.
func parseNumber(t token) (int64, bool) {
	if t.Kind != tokWord {
		return 0, false
	}
	s := t.Text
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	var v uint64
	var err error
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		v, err = strconv.ParseUint(s[2:], 16, 63)
	} else {
		v, err = strconv.ParseUint(s, 10, 63)
	}
	if err != nil {
		return 0, false
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
}

func (b *builder) number(t token) (int64, bool) {
	v, ok := parseNumber(t)
	if !ok {
		b.rep.errorf(b.at(t), "illegal a number string [%s]", t.String())
	}
	return v, ok
}

// cursor walks the value tokens of one statement.
type cursor struct {
	toks []token
	i    int
	end  Pos // where a missing token would be
}

func (c *cursor) more() bool { return c.i < len(c.toks) }

func (c *cursor) peek() token {
	if c.i < len(c.toks) {
		return c.toks[c.i]
	}
	return token{Kind: tokSemi, Text: ";", Line: c.end.Line, Col: c.end.Col}
}

func (c *cursor) next() token {
	t := c.peek()
	if c.i < len(c.toks) {
		c.i++
	}
	return t
}

func (c *cursor) isKeyword(s string) bool {
	t := c.peek()
	return t.Kind == tokKeyword && t.Text == s
}

// done reports an error when tokens are left.
func (b *builder) done(c *cursor) bool {
	if c.more() {
		b.rep.errorf(b.at(c.peek()), "syntax error: unexpected %s", describe(c.peek()))
		return false
	}
	return true
}

func valueCursor(n *node) cursor {
	end := n.Pos
	if len(n.Args) > 0 {
		last := n.Args[len(n.Args)-1]
		end = tokPos(n.Pos.File, last)
		end.Col += int32(len(last.Text))
	}
	return cursor{toks: n.Args[1:], end: end}
}

// elements returns the value token lists of a list_spec: the braced
// elements, or the single bare value.
func (b *builder) elements(n *node) ([]cursor, bool) {
	if n.HasBlock {
		if len(n.Args) != 1 {
			b.rep.errorf(b.at(n.Args[1]), "syntax error: unexpected %s before '{'", describe(n.Args[1]))
			return nil, false
		}
		if len(n.Block) == 0 {
			b.rep.errorf(n.Pos, "syntax error: empty list for %s", n.Args[0].Text)
			return nil, false
		}
		// One scratch slice serves every list: no caller parses a list
		// while iterating over another.
		out := b.curs[:0]
		for _, e := range n.Block {
			if e.HasBlock {
				b.rep.errorf(e.Pos, "syntax error: unexpected '{' in a list")
				return nil, false
			}
			out = append(out, cursor{toks: e.Args, end: e.Pos})
		}
		b.curs = out
		return out, true
	}
	if len(n.Args) < 2 {
		b.rep.errorf(n.Pos, "syntax error: %s needs a value", n.Args[0].Text)
		return nil, false
	}
	b.curs = append(b.curs[:0], valueCursor(n))
	return b.curs, true
}

func boolWord(s string) Bool {
	switch s {
	case "on", "enable", "yes":
		return On
	case "off", "disable", "no":
		return Off
	}
	return Unset
}

func (b *builder) boolVal(n *node) (Bool, bool) {
	cv := valueCursor(n)
	c := &cv
	t := c.next()
	v := boolWord(t.Text)
	if t.Kind != tokKeyword || v == Unset {
		b.rep.errorf(b.at(t), "syntax error: %s wants on or off, found %s", n.Args[0].Text, describe(t))
		return Unset, false
	}
	return v, b.done(c)
}

// keywordVal parses a directive whose value is one keyword from table.
func keywordVal[T any](b *builder, n *node, table map[string]T) (T, bool) {
	var zero T
	cv := valueCursor(n)
	c := &cv
	t := c.next()
	v, ok := table[t.Text]
	if t.Kind != tokKeyword || !ok {
		words := make([]string, 0, len(table))
		for k := range table {
			words = append(words, k)
		}
		slices.Sort(words)
		b.rep.errorf(b.at(t), "syntax error: %s wants one of %s, found %s", n.Args[0].Text, strings.Join(words, ", "), describe(t))
		return zero, false
	}
	return v, b.done(c)
}

func (b *builder) numberVal(n *node) (int64, bool) {
	cv := valueCursor(n)
	c := &cv
	v, ok := b.number(c.next())
	return v, ok && b.done(c)
}

func (b *builder) stringVal(n *node) (string, bool) {
	cv := valueCursor(n)
	c := &cv
	s, ok := b.str(c.next())
	return s, ok && b.done(c)
}

var timeUnits = map[string]int64{
	"sec": 1, "secs": 1, "second": 1, "seconds": 1,
	"min": 60, "mins": 60, "minute": 60, "minutes": 60,
	"hour": 3600, "hours": 3600, "day": 86400, "days": 86400,
}

var byteUnits = map[string]int64{"B": 1, "byte": 1, "bytes": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}

// unitVal parses `number [unit] | infinite`; infinite is 0.
func (b *builder) unitVal(c *cursor, units map[string]int64, what string) (int64, bool) {
	t := c.next()
	if t.Kind == tokKeyword && t.Text == "infinite" {
		return 0, true
	}
	v, ok := b.number(t)
	if !ok {
		return 0, false
	}
	if c.peek().Kind == tokKeyword {
		u := c.next()
		m, ok := units[u.Text]
		if !ok {
			b.rep.errorf(b.at(u), "syntax error: %s is not a %s unit", u.Text, what)
			return 0, false
		}
		if v != 0 && (v*m/m != v) {
			b.rep.errorf(b.at(t), "value %d %s overflows", v, u.Text)
			return 0, false
		}
		v *= m
	}
	if v < 0 {
		b.rep.errorf(b.at(t), "a %s cannot be negative", what)
		return 0, false
	}
	return v, true
}

func (b *builder) timeVal(n *node) (time.Duration, bool) {
	cv := valueCursor(n)
	c := &cv
	v, ok := b.unitVal(c, timeUnits, "time")
	if !ok || !b.done(c) {
		return 0, false
	}
	if v > int64(1<<63-1)/int64(time.Second) {
		b.rep.errorf(n.Pos, "time value too large")
		return 0, false
	}
	return time.Duration(v) * time.Second, true
}

func (b *builder) byteVal(n *node) (int64, bool) {
	cv := valueCursor(n)
	c := &cv
	v, ok := b.unitVal(c, byteUnits, "byte")
	return v, ok && b.done(c)
}

// stringList parses string_list_spec.
func (b *builder) stringList(n *node) ([]string, bool) {
	els, ok := b.elements(n)
	if !ok {
		return nil, false
	}
	out := b.mem.strs.list(len(els))
	for i := range els {
		c := &els[i]
		s, ok := b.str(c.next())
		if !ok || !b.done(c) {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// Address macros (rc_net.c). MY_IP* may carry "%iface".
var addrMacros = map[string]bool{
	"MY_IP": true, "MY_IPV4": true, "MY_IPV6": true, "MY_IPV6_GLOBAL": true,
	"MY_IPV6_LINKLOCAL": true, "IP_ANY": true, "IP_RW": true,
}

// maybeMacro is a cheap test before the map: every macro starts with
// "MY_IP" or "IP_".
func maybeMacro(s string) bool {
	return len(s) >= 5 && (s[0] == 'M' && s[1] == 'Y' || s[0] == 'I' && s[1] == 'P')
}

// addrSpec parses `string [port p] | unix string`.
func (b *builder) addrSpec(c *cursor) (Address, bool) {
	if c.isKeyword("unix") {
		c.next()
		t := c.peek()
		s, ok := b.str(c.next())
		if !ok {
			return Address{}, false
		}
		return Address{Kind: AddrUnix, Name: s, Pos: b.at(t)}, b.done(c)
	}
	t := c.next()
	s, ok := b.str(t)
	if !ok {
		return Address{}, false
	}
	a, ok := b.parseAddr(s, b.at(t))
	if !ok {
		return Address{}, false
	}
	if c.isKeyword("port") {
		c.next()
		pt := c.next()
		p, ok := b.port(pt)
		if !ok {
			return Address{}, false
		}
		a.Port = p
	}
	return a, b.done(c)
}

// parseAddr classifies an expanded address string.
func (b *builder) parseAddr(s string, pos Pos) (Address, bool) {
	a := Address{Pos: pos}
	name, iface, _ := strings.Cut(s, "%")
	if maybeMacro(name) && addrMacros[name] {
		if iface != "" && !strings.HasPrefix(name, "MY_IP") {
			b.rep.errorf(pos, "%s cannot take an interface (%%%s)", name, iface)
			return a, false
		}
		a.Kind, a.Name, a.Iface = AddrMacro, name, iface
		return a, true
	}
	if p, zone, ok := parseIPPrefix(s); ok {
		a.Kind, a.Prefix, a.Iface = AddrIP, p, zone
		return a, true
	}
	if isHostname(s) {
		a.Kind, a.Name = AddrFQDN, s
		return a, true
	}
	b.rep.errorf(pos, "invalid address %q", s)
	return a, false
}

// parseIPPrefix parses "addr[%zone][/plen]".
func parseIPPrefix(s string) (netip.Prefix, string, bool) {
	if p, ok := parseIPv4Prefix(s); ok {
		return p, "", true
	}
	return parseIPPrefixSlow(s)
}

func parseIPPrefixSlow(s string) (netip.Prefix, string, bool) {
	as, plen, hasLen := strings.Cut(s, "/")
	ad, err := netip.ParseAddr(as)
	if err != nil {
		return netip.Prefix{}, "", false
	}
	zone := ad.Zone()
	ad = ad.WithZone("")
	bits := ad.BitLen()
	if hasLen {
		n, err := strconv.Atoi(plen)
		if err != nil || n < 0 || n > ad.BitLen() || plen == "" || plen[0] == '+' {
			return netip.Prefix{}, "", false
		}
		bits = n
	}
	return netip.PrefixFrom(ad, bits), zone, true
}

// parseIPv4Prefix is parseIPPrefix's fast path for the common
// "a.b.c.d[/n]" with plain decimal fields; anything else (leading zeros,
// signs, IPv6, zones) is left to the general path, which decides.
func parseIPv4Prefix(s string) (netip.Prefix, bool) {
	var ip [4]byte
	i := 0
	for f := 0; f < 4; f++ {
		if f > 0 {
			if i >= len(s) || s[i] != '.' {
				return netip.Prefix{}, false
			}
			i++
		}
		start, v := i, 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' && i-start < 3 {
			v = v*10 + int(s[i]-'0')
			i++
		}
		if i == start || v > 255 || i-start > 1 && s[start] == '0' {
			return netip.Prefix{}, false
		}
		ip[f] = byte(v)
	}
	bits := 32
	if i < len(s) {
		if s[i] != '/' || len(s)-i < 2 || len(s)-i > 3 {
			return netip.Prefix{}, false
		}
		bits = 0
		for _, c := range []byte(s[i+1:]) {
			if c < '0' || c > '9' {
				return netip.Prefix{}, false
			}
			bits = bits*10 + int(c-'0')
		}
		if bits > 32 {
			return netip.Prefix{}, false
		}
	}
	return netip.PrefixFrom(netip.AddrFrom4(ip), bits), true
}

func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return s[0] != '-' && s[0] != '.'
}

// services is a fixed table so results do not depend on /etc/services;
// other names go through the system's service database.
var services = map[string]uint16{
	"isakmp": 500, "ipsec-nat-t": 4500, "l2tp": 1701, "domain": 53, "http": 80,
	"https": 443, "ssh": 22, "telnet": 23, "smtp": 25, "ftp": 21, "ntp": 123,
	"kerberos": 88, "bootps": 67, "bootpc": 68, "snmp": 161, "echo": 7,
	"discard": 9, "mip6": 5436, "kink": 910,
}

func (b *builder) port(t token) (uint16, bool) {
	if !t.isString() {
		b.rep.errorf(b.at(t), "syntax error: port wants a number, a service name or any, found %s", describe(t))
		return 0, false
	}
	s, ok := b.str(t)
	if !ok {
		return 0, false
	}
	if s == "any" {
		return 0, true
	}
	if v, ok := parseNumber(token{Kind: tokWord, Text: s}); ok {
		if v < 0 || v > 65535 {
			b.rep.errorf(b.at(t), "port %d out of range", v)
			return 0, false
		}
		return uint16(v), true
	}
	if p, ok := services[s]; ok {
		return p, true
	}
	if p, err := net.LookupPort("udp", s); err == nil {
		return uint16(p), true
	}
	b.rep.errorf(b.at(t), "unknown service %q", s)
	return 0, false
}

// addrList parses addr_list_spec.
func (b *builder) addrList(n *node) ([]Address, bool) {
	els, ok := b.elements(n)
	if !ok {
		return nil, false
	}
	out := b.mem.addrs.list(len(els))
	for i := range els {
		c := &els[i]
		a, ok := b.addrSpec(c)
		if !ok {
			return nil, false
		}
		out = append(out, a)
	}
	return out, true
}

var idTypes = map[string]IDType{"ipaddr": IDIPAddr, "email": IDEmail, "fqdn": IDFQDN, "keyid": IDKeyID, "x509_subject": IDX509Subject}

// idList parses id_list_spec: `type [file|tag] string`.
func (b *builder) idList(n *node) ([]ID, bool) {
	els, ok := b.elements(n)
	if !ok {
		return nil, false
	}
	out := b.mem.ids.list(len(els))
	for i := range els {
		c := &els[i]
		t := c.next()
		typ, ok := idTypes[t.Text]
		if t.Kind != tokKeyword || !ok {
			b.rep.errorf(b.at(t), "syntax error: identifier type (ipaddr, email, fqdn, keyid, x509_subject) expected, found %s", describe(t))
			return nil, false
		}
		id := ID{Type: typ, Pos: b.at(t)}
		if c.isKeyword("file") || c.isKeyword("tag") {
			q := c.next()
			id.Qual = QualFile
			if q.Text == "tag" {
				id.Qual = QualTag
			}
			if typ != IDKeyID {
				b.rep.warnf(b.at(q), "%s qualifier has no meaning for %s identifiers; ignored", q.Text, typ)
				id.Qual = QualNone
			}
		}
		v, ok := b.str(c.next())
		if !ok || !b.done(c) {
			return nil, false
		}
		if typ == IDIPAddr {
			if _, err := netip.ParseAddr(v); err != nil {
				b.rep.errorf(b.at(t), "ipaddr identifier %q is not an IP address", v)
				return nil, false
			}
		}
		id.Value = v
		out = append(out, id)
	}
	return out, true
}

// algList parses algorithm_list_spec; groups also accept DH group numbers
// (kmp_dh_group).
func (b *builder) algList(n *node, groups bool) ([]Algorithm, bool) {
	els, ok := b.elements(n)
	if !ok {
		return nil, false
	}
	out := b.mem.algs.list(len(els))
	for i := range els {
		c := &els[i]
		a, ok := b.algSpec(c, groups)
		if !ok {
			return nil, false
		}
		out = append(out, a)
	}
	return out, true
}

func (b *builder) algSpec(c *cursor, groups bool) (Algorithm, bool) {
	t := c.next()
	var a Algorithm
	switch {
	case t.Kind == tokKeyword && algInfo(t.Text) != nil:
		a.Name = t.Text
	case groups && t.Kind == tokWord:
		v, ok := b.number(t)
		if !ok {
			return a, false
		}
		name, ok := groupByNumber[v]
		if !ok {
			b.rep.errorf(b.at(t), "illegal dh group number %d", v)
			return a, false
		}
		a.Name = name
	default:
		b.rep.errorf(b.at(t), "syntax error: algorithm name expected, found %s", describe(t))
		return a, false
	}
	if c.peek().Kind != tokComma {
		return a, b.done(c)
	}
	c.next()
	if c.peek().Kind == tokComma {
		a.KeyLen = KeyLenNone
	} else {
		v, ok := b.unitVal(c, byteUnits, "key length")
		if !ok {
			return a, false
		}
		if v > 1<<20 {
			b.rep.errorf(b.at(t), "key length %d too large", v)
			return a, false
		}
		a.KeyLen = int(v)
	}
	if c.peek().Kind == tokComma {
		c.next()
		k, ok := b.str(c.next())
		if !ok {
			return a, false
		}
		a.Key, a.HasKey = k, true
		if a.KeyLen == 0 {
			a.KeyLen = KeyLenNone // "alg,0,key" means the same as "alg,,key"
		}
	}
	return a, b.done(c)
}
