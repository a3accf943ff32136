package ikev2

import (
	"github.com/racoon2go/iked/internal/ike"
)

// Transform types (RFC 7296 section 3.3.2), as the engine's negotiation
// functions use them. They equal the codec's wire values.
const (
	ttEncr  uint8 = 1
	ttPRF   uint8 = 2
	ttInteg uint8 = 3
	ttDH    uint8 = 4
	ttESN   uint8 = 5
)

// Security protocol IDs (RFC 7296 section 3.3.1).
const (
	protoIKE uint8 = 1
	protoAH  uint8 = 2
	protoESP uint8 = 3
)

// xform is one transform of a proposal: its type, ID and key length in
// bits (0: no Key Length attribute).
type xform struct {
	typ    uint8
	id     uint16
	keyLen uint16
}

// prop is one proposal: protocol, SPI (8 bytes for IKE rekeys, 4 for
// ESP/AH, none in IKE_SA_INIT) and transforms.
type prop struct {
	num    uint8
	proto  uint8
	spi    []byte
	xforms []xform
}

// suite is what was chosen: one transform of each type.
type suite struct {
	encr  ike.EncrAlg
	prf   uint16
	integ uint16
	dh    uint16
	esn   bool
}

// isAEAD reports whether an ENCR transform is a combined-mode cipher, which
// RFC 7296 section 3.3 requires to be offered in proposals of their own,
// without an integrity transform.
func isAEAD(id uint16) bool {
	switch id {
	case 14, 15, 16, // AES-CCM with 8, 12, 16 octet ICV (RFC 4309)
		18, 19, 20, // AES-GCM with 8, 12, 16 octet ICV (RFC 4106)
		21, // NULL_AUTH_AES_GMAC (RFC 4543)
		28: // ChaCha20-Poly1305 (RFC 7634)
		return true
	}
	return false
}

// splitEncr separates AEAD and classic ciphers, each in configured order,
// and reports whether the first configured cipher is AEAD (so that its
// proposal goes first, keeping racoon2's preference order).
func splitEncr(encr []ike.EncrAlg) (aead, plain []ike.EncrAlg, aeadFirst bool) {
	for i, e := range encr {
		if isAEAD(e.ID) {
			aead = append(aead, e)
			if i == 0 {
				aeadFirst = true
			}
		} else {
			plain = append(plain, e)
		}
	}
	return aead, plain, aeadFirst
}

func encrXforms(dst []xform, encr []ike.EncrAlg) []xform {
	for _, e := range encr {
		dst = append(dst, xform{typ: ttEncr, id: e.ID, keyLen: e.KeyBits})
	}
	return dst
}

func idXforms(dst []xform, typ uint8, ids []uint16) []xform {
	for _, id := range ids {
		dst = append(dst, xform{typ: typ, id: id})
	}
	return dst
}

// ikeProposals builds the IKE_SA_INIT SA payload from the configuration:
// racoon2 sends one proposal with every transform in configured order; we
// do the same, but put AEAD ciphers in a proposal of their own (RFC 7296
// 3.3: combined-mode ciphers cannot share a proposal with INTEG).
func ikeProposals(p *ike.IKEProposal) []prop {
	aead, plain, aeadFirst := splitEncr(p.Encr)
	var out []prop
	add := func(encr []ike.EncrAlg, withInteg bool) {
		if len(encr) == 0 {
			return
		}
		var x []xform
		x = encrXforms(x, encr)
		x = idXforms(x, ttPRF, p.PRF)
		if withInteg {
			x = idXforms(x, ttInteg, p.Integ)
		}
		x = idXforms(x, ttDH, p.DH)
		out = append(out, prop{num: uint8(len(out) + 1), proto: protoIKE, xforms: x})
	}
	if aeadFirst {
		add(aead, false)
		add(plain, true)
	} else {
		add(plain, true)
		add(aead, false)
	}
	return out
}

// childProposals builds the SA payload of a CHILD_SA: one proposal per
// ipsec_index (racoon2's order), AEAD ciphers split out, ESN=NO as racoon2
// always offers, and a DH transform only when pfs is non-zero (never in
// IKE_AUTH, RFC 7296 1.2).
func childProposals(ps []ike.ChildProposal, spi uint32, pfs uint16) []prop {
	var out []prop
	var spiB [4]byte
	spiB[0], spiB[1], spiB[2], spiB[3] = byte(spi>>24), byte(spi>>16), byte(spi>>8), byte(spi)
	add := func(proto uint8, encr []ike.EncrAlg, integ []uint16) {
		var x []xform
		x = encrXforms(x, encr)
		x = idXforms(x, ttInteg, integ)
		if pfs != 0 {
			x = append(x, xform{typ: ttDH, id: pfs})
		}
		x = append(x, xform{typ: ttESN, id: 0})
		out = append(out, prop{num: uint8(len(out) + 1), proto: proto, spi: spiB[:], xforms: x})
	}
	for _, cp := range ps {
		switch cp.Proto {
		case ike.ProtoAH:
			add(protoAH, nil, cp.Integ)
		case ike.ProtoESP:
			aead, plain, aeadFirst := splitEncr(cp.Encr)
			if aeadFirst {
				add(protoESP, aead, nil)
			}
			if len(plain) > 0 {
				add(protoESP, plain, cp.Integ)
			}
			if !aeadFirst && len(aead) > 0 {
				add(protoESP, aead, nil)
			}
		}
	}
	return out
}

// choose picks, from the peer's proposals, the first one we can accept
// given our own proposals (RFC 7296 2.7) and returns it with a single
// transform of each type. check says whose order wins: obey takes the
// peer's proposal order and transform order; strict and claim take ours;
// exact accepts only a proposal whose transforms are exactly one of ours.
// needDH says whether a DH transform is mandatory (IKE_SA_INIT).
func choose(peer, ours []prop, check ike.ProposalCheck, needDH bool) (prop, suite, bool) {
	if check == ike.ProposalObey {
		for _, pp := range peer {
			for _, op := range ours {
				if r, s, ok := match(pp, op, check, needDH); ok {
					return r, s, true
				}
			}
		}
		return prop{}, suite{}, false
	}
	for _, op := range ours {
		for _, pp := range peer {
			if r, s, ok := match(pp, op, check, needDH); ok {
				return r, s, true
			}
		}
	}
	return prop{}, suite{}, false
}

// match intersects one peer proposal with one of ours.
func match(pp, op prop, check ike.ProposalCheck, needDH bool) (prop, suite, bool) {
	if pp.proto != op.proto {
		return prop{}, suite{}, false
	}
	if check == ike.ProposalExact && !sameXforms(pp.xforms, op.xforms) {
		return prop{}, suite{}, false
	}
	var picked [6]*xform // by transform type
	first, second := pp.xforms, op.xforms
	if check != ike.ProposalObey {
		first, second = op.xforms, pp.xforms
	}
	for i := range first {
		f := &first[i]
		if f.typ == 0 || int(f.typ) >= len(picked) || picked[f.typ] != nil {
			continue
		}
		for j := range second {
			s := &second[j]
			if s.typ == f.typ && s.id == f.id && s.keyLen == f.keyLen {
				picked[f.typ] = f
				break
			}
		}
	}
	// Every type the peer offered must be matched: a proposal is accepted
	// whole or not at all (RFC 7296 3.3.6).
	for _, x := range pp.xforms {
		if int(x.typ) < len(picked) && picked[x.typ] == nil {
			if x.typ == ttESN || x.typ == ttInteg || x.typ == ttDH {
				// Handled below: ESN may be absent on our side, INTEG
				// NONE with AEAD, DH optional outside IKE_SA_INIT.
				if !acceptableAbsent(x, needDH) {
					return prop{}, suite{}, false
				}
				continue
			}
			return prop{}, suite{}, false
		}
	}
	var s suite
	var out []xform
	if e := picked[ttEncr]; e != nil {
		s.encr = ike.EncrAlg{ID: e.id, KeyBits: e.keyLen}
		out = append(out, *e)
	} else if pp.proto != protoAH {
		return prop{}, suite{}, false
	}
	if x := picked[ttPRF]; x != nil {
		s.prf = x.id
		out = append(out, *x)
	} else if pp.proto == protoIKE {
		return prop{}, suite{}, false
	}
	if x := picked[ttInteg]; x != nil && x.id != 0 {
		s.integ = x.id
		out = append(out, *x)
	}
	aead := picked[ttEncr] != nil && isAEAD(picked[ttEncr].id)
	if aead && s.integ != 0 {
		return prop{}, suite{}, false
	}
	if !aead && s.integ == 0 && pp.proto != protoIKE && pp.proto != protoAH && picked[ttEncr] != nil {
		// ESP without integrity: racoon2 never negotiates it.
		return prop{}, suite{}, false
	}
	if !aead && s.integ == 0 && (pp.proto == protoIKE || pp.proto == protoAH) {
		return prop{}, suite{}, false
	}
	if x := picked[ttDH]; x != nil && x.id != 0 {
		s.dh = x.id
		out = append(out, *x)
	} else if needDH {
		return prop{}, suite{}, false
	}
	if x := picked[ttESN]; x != nil {
		s.esn = x.id == 1
		out = append(out, *x)
	}
	return prop{num: pp.num, proto: pp.proto, spi: pp.spi, xforms: out}, s, true
}

// acceptableAbsent reports whether a peer transform type that we did not
// match can be left out of the answer: INTEG NONE next to an AEAD cipher,
// and DH outside IKE_SA_INIT, where RFC 7296 1.2 says it has no meaning.
func acceptableAbsent(x xform, needDH bool) bool {
	switch x.typ {
	case ttInteg:
		return x.id == 0
	case ttDH:
		return x.id == 0 || !needDH
	}
	return false
}

func sameXforms(a, b []xform) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// checkChosen verifies that the responder's answer is one transform of each
// type taken from the proposal we sent with that number (RFC 7296 2.7).
func checkChosen(ours []prop, got prop, needDH bool) (suite, bool) {
	for _, op := range ours {
		if op.num != got.num || op.proto != got.proto {
			continue
		}
		seen := [6]bool{}
		for _, x := range got.xforms {
			if int(x.typ) >= len(seen) || seen[x.typ] {
				return suite{}, false
			}
			seen[x.typ] = true
			ok := false
			for _, y := range op.xforms {
				if x == y {
					ok = true
					break
				}
			}
			if !ok && !(x.typ == ttInteg && x.id == 0) {
				return suite{}, false
			}
		}
		_, s, ok := match(got, op, ike.ProposalObey, needDH)
		return s, ok
	}
	return suite{}, false
}
