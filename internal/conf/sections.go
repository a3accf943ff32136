package conf

import (
	"net/netip"
)

var (
	directions = map[string]Direction{"outbound": DirOutbound, "inbound": DirInbound}
	actions    = map[string]Action{"auto_ipsec": ActionAutoIPsec, "static_ipsec": ActionStaticIPsec,
		"discard": ActionDiscard, "none": ActionNone, "bypass": ActionNone}
	modes    = map[string]Mode{"transport": ModeTransport, "tunnel": ModeTunnel}
	levels   = map[string]Level{"unique": LevelUnique, "require": LevelRequire, "use": LevelUse}
	saProtos = map[string]SAProto{"esp": SAProtoESP, "ah": SAProtoAH, "ipcomp": SAProtoIPComp}
)

func (b *builder) selectorBody(block []*node, s *Selector) {
	d := b.newDup("selector ", s.Name, "", false)
	defer b.release(&d)
	var ulp *node
	for _, n := range block {
		kw := n.Keyword()
		switch kw {
		case "order":
			if v, ok := b.numberVal(n); ok && d.ok(kw, n) {
				s.Order = v
			}
		case "direction":
			if v, ok := keywordVal(b, n, directions); ok && d.ok(kw, n) {
				s.Direction = v
			}
		case "src", "dst":
			if v, ok := b.addrList(n); ok && d.ok(kw, n) {
				if kw == "src" {
					s.Src = v
				} else {
					s.Dst = v
				}
			}
		case "upper_layer_protocol":
			if d.ok(kw, n) {
				ulp = n // applied after src/dst, whatever the order (cfsetup.c)
			}
		case "next_header_including":
			if v, ok := b.stringList(n); ok && d.ok(kw, n) {
				s.NextHeaderIncluding = v
			}
		case "tagged":
			if v, ok := b.stringVal(n); ok && d.ok(kw, n) {
				s.Tagged = v
			}
		case "policy_index":
			if v, ok := b.stringVal(n); ok && d.ok(kw, n) {
				s.PolicyIndex, s.PolicyIndexPos = v, n.Pos
			}
		case "reqid":
			if v, ok := b.numberVal(n); ok && d.ok(kw, n) {
				if v < 0 || v > 1<<32-1 {
					b.rep.errorf(n.Pos, "reqid %d out of range", v)
					continue
				}
				s.Reqid = uint32(v)
			}
		default:
			b.unknown(n, d.label())
		}
	}
	if ulp != nil {
		b.upperLayer(ulp, s)
	}
}

// upperLayer parses `upper_layer_protocol name [n [n]]`.
func (b *builder) upperLayer(n *node, s *Selector) {
	cv := valueCursor(n)
	c := &cv
	t := c.next()
	name, ok := b.str(t)
	if !ok {
		return
	}
	var proto uint8
	if v, isNum := parseNumber(token{Kind: tokWord, Text: name}); isNum {
		if v < 0 || v > 255 {
			b.rep.errorf(b.at(t), "protocol number %d out of range", v)
			return
		}
		proto = uint8(v)
	} else if p, known := protoKnown(name); known {
		proto = p
	} else {
		hint := ""
		if name == "icmp6" {
			hint = " (racoon2 on BSD knows this alias; use \"ipv6-icmp\" or 58)"
		}
		b.rep.errorf(b.at(t), "unknown protocol %s%s", name, hint)
		return
	}
	args := [2]int{-1, -1}
	for i := 0; i < 2 && c.more(); i++ {
		v, ok := b.number(c.next())
		if !ok {
			return
		}
		if v < 0 || v > 255 {
			b.rep.errorf(b.at(t), "upper_layer_protocol argument %d out of range", v)
			return
		}
		args[i] = int(v)
	}
	if !b.done(c) {
		return
	}
	if args[0] >= 0 {
		switch proto {
		case 1, 58:
		case 135:
			if args[1] >= 0 {
				b.rep.errorf(n.Pos, "the mobility header takes one number (the MH type)")
				return
			}
		default:
			b.rep.errorf(n.Pos, "only icmp, ipv6-icmp and mobility-header take numbers after the protocol")
			return
		}
		if hasPort(s.Src) || hasPort(s.Dst) {
			b.rep.warnf(n.Pos, "racoon2 stores the %s numbers in the port fields, so the ports given in src/dst are replaced", name)
		}
	}
	s.ULP, s.ULPName, s.ULPArgs = proto, name, args
}

func hasPort(l []Address) bool {
	for _, a := range l {
		if a.Port != 0 {
			return true
		}
	}
	return false
}

func (b *builder) policyBody(block []*node, p *Policy) {
	d := b.sectionDup("policy ", "default policy", p.Name)
	defer b.release(&d)
	for _, n := range block {
		kw := n.Keyword()
		switch kw {
		case "action":
			if v, ok := keywordVal(b, n, actions); ok && d.ok(kw, n) {
				p.Action = v
			}
		case "install":
			if v, ok := b.boolVal(n); ok && d.ok(kw, n) {
				p.Install = v
			}
		case "remote_index":
			if v, ok := b.stringVal(n); ok && d.ok(kw, n) {
				p.RemoteIndex = v
			}
		case "ipsec_index":
			if v, ok := b.stringList(n); ok && d.ok(kw, n) {
				p.IPsecIndex = v
			}
		case "ipsec_mode":
			if v, ok := keywordVal(b, n, modes); ok && d.ok(kw, n) {
				p.IPsecMode = v
			}
		case "my_sa_ipaddr", "peers_sa_ipaddr":
			v, ok := b.addrList(n)
			if !ok || !d.ok(kw, n) {
				continue
			}
			if len(v) > 1 {
				b.rep.warnf(n.Pos, "%s has %d addresses; only the first is used", kw, len(v))
			}
			if kw == "my_sa_ipaddr" {
				p.MySAIPAddr = v
			} else {
				p.PeersSAIPAddr = v
			}
		case "ipsec_level":
			if v, ok := keywordVal(b, n, levels); ok && d.ok(kw, n) {
				p.IPsecLevel = v
			}
		default:
			b.unknown(n, d.label())
		}
	}
}

func (b *builder) ipsecBody(block []*node, p *IPsec) {
	d := b.sectionDup("ipsec ", "default ipsec", p.Name)
	defer b.release(&d)
	for _, n := range block {
		kw := n.Keyword()
		switch kw {
		case "ipsec_sa_lifetime_time":
			if v, ok := b.timeVal(n); ok && d.ok(kw, n) {
				p.IPsecSALifetimeTime = v
				b.noteZeroLifetime(p, n, v == 0, false)
			}
		case "ipsec_sa_lifetime_byte":
			if v, ok := b.byteVal(n); ok && d.ok(kw, n) {
				p.IPsecSALifetimeByte = uint64(v)
				b.noteZeroLifetime(p, n, v == 0, true)
			}
		case "ext_sequence":
			if v, ok := b.boolVal(n); ok && d.ok(kw, n) {
				p.ExtSequence = v
			}
		case "sa_index":
			if v, ok := b.stringList(n); ok && d.ok(kw, n) {
				p.SAIndex = v
			}
		default:
			b.unknown(n, d.label())
		}
	}
}

func (b *builder) saBody(block []*node, s *SA) {
	d := b.sectionDup("sa ", "default sa", s.Name)
	defer b.release(&d)
	for _, n := range block {
		kw := n.Keyword()
		switch kw {
		case "sa_protocol":
			if v, ok := keywordVal(b, n, saProtos); ok && d.ok(kw, n) {
				s.Protocol = v
			}
		case "esp_enc_alg", "esp_auth_alg", "ah_auth_alg", "ipcomp_alg":
			v, ok := b.algList(n, false)
			if !ok || !d.list(kw, n) {
				continue
			}
			switch kw {
			case "esp_enc_alg":
				s.EncAlg = v
			case "esp_auth_alg":
				s.ESPAuthAlg = v
			case "ah_auth_alg":
				s.AHAuthAlg = v
			default:
				s.IPCompAlg = v
			}
		case "spi":
			if v, ok := b.numberVal(n); ok && d.ok(kw, n) {
				s.SPI = v
			}
		default:
			b.unknown(n, d.label())
		}
	}
}

// poolBody reads `a1 - a2;` ranges. Both ends must be numeric addresses
// of one family.
func (b *builder) poolBody(block []*node, p *AddressPool) {
	for _, n := range block {
		if n.HasBlock || len(n.Args) != 3 || n.Args[1].Kind != tokDash {
			b.rep.errorf(n.Pos, "syntax error: address range must be written \"first - last\" with spaces around '-'")
			continue
		}
		lo, ok1 := b.str(n.Args[0])
		hi, ok2 := b.str(n.Args[2])
		if !ok1 || !ok2 {
			continue
		}
		a, err1 := netip.ParseAddr(lo)
		z, err2 := netip.ParseAddr(hi)
		switch {
		case err1 != nil || err2 != nil:
			b.rep.errorf(n.Pos, "address range %s - %s: both ends must be numeric addresses", lo, hi)
			continue
		case a.Is4() != z.Is4():
			b.rep.errorf(n.Pos, "address range %s - %s mixes address families", lo, hi)
			continue
		case z.Less(a):
			b.rep.errorf(n.Pos, "address range %s - %s ends before it starts", lo, hi)
			continue
		}
		p.Ranges = append(p.Ranges, AddressRange{Start: a, End: z})
	}
	if len(p.Ranges) > 1 {
		b.rep.warnf(p.Pos, "addresspool %s: racoon2 hands out its ranges last to first; iked uses them in file order", p.Name)
	}
}

// noteZeroLifetime remembers a named ipsec section's lifetime written as
// 0 or infinite: a default ipsec section's value replaces it, as in
// racoon2 (reference 1.5), which the checker says once defaults are
// merged.
func (b *builder) noteZeroLifetime(p *IPsec, n *node, zero, bytes bool) {
	// A repeated directive replaces the earlier one, and its note. The
	// notes of the section being built are the last ones.
	for i := len(b.zeroLives) - 1; i >= 0 && b.zeroLives[i].p == p; i-- {
		if b.zeroLives[i].bytes == bytes {
			b.zeroLives = append(b.zeroLives[:i], b.zeroLives[i+1:]...)
			break
		}
	}
	if zero && p.Name != "" {
		b.zeroLives = append(b.zeroLives, zeroLifetime{p: p, bytes: bytes, pos: n.Pos, text: n.Args[1].Text})
	}
}
