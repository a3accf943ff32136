package ikev2

// SA is the Security Association payload (RFC 7296 3.3).
type SA struct {
	Proposals []Proposal
}

// Proposal is a proposal substructure (RFC 7296 3.3.1).
type Proposal struct {
	Num        uint8
	Protocol   ProtocolID
	SPI        []byte // empty, 4 (AH/ESP) or 8 (IKE rekey) bytes
	Transforms []Transform
}

// Transform is a transform substructure (RFC 7296 3.3.2).
type Transform struct {
	Type  TransformType
	ID    uint16
	Attrs []Attribute
}

// Attribute is a transform attribute (RFC 7296 3.3.5). Short attributes (AF
// bit set, TV format) carry Value; long ones (TLV format) carry Data.
type Attribute struct {
	Type  uint16 // without the AF bit
	Short bool
	Value uint16
	Data  []byte
}

// KeyLength returns the Key Length attribute in bits, if present.
func (t *Transform) KeyLength() (int, bool) {
	for _, a := range t.Attrs {
		if a.Type == AttrKeyLength && a.Short {
			return int(a.Value), true
		}
	}
	return 0, false
}

// KeyLengthAttr is the Key Length attribute for bits, for building transforms.
func KeyLengthAttr(bits int) []Attribute {
	return []Attribute{{Type: AttrKeyLength, Short: true, Value: uint16(bits)}}
}

func (*SA) Type() PayloadType { return PayloadSA }

const (
	proposalHeaderLen  = 8
	transformHeaderLen = 8
	lastMoreProposals  = 2
	lastMoreTransforms = 3
	attrFormatShort    = 0x8000
)

// ParseSA decodes the body of an SA payload (without the generic header).
func ParseSA(body []byte) (*SA, error) { return decodeSA(&arena{}, body) }

func decodeSA(a *arena, body []byte) (*SA, error) {
	// First pass checks the structure and counts, so the second can fill
	// three flat slices, whatever the number of proposals.
	np, nt, na, err := walkSA(body, nil)
	if err != nil {
		return nil, err
	}
	sa := take(&a.sa)
	sa.Proposals = takeN(&a.prop, np)[:0]
	f := &saFill{sa: sa, ts: takeN(&a.tr, nt)[:0], as: takeN(&a.attr, na)[:0]}
	if _, _, _, err := walkSA(body, f); err != nil {
		return nil, err // unreachable: the first pass accepted body
	}
	return sa, nil
}

type saFill struct {
	sa *SA
	ts []Transform
	as []Attribute
}

// walkSA validates an SA body, counting proposals, transforms and
// attributes; with f set it also stores them.
func walkSA(body []byte, f *saFill) (np, nt, na int, err error) {
	r := reader(body)
	if r.empty() {
		return 0, 0, 0, reason("no proposals")
	}
	for !r.empty() {
		var last, res, spiSize, ntrans, num, proto uint8
		var length uint16
		if !r.u8(&last) || !r.u8(&res) || !r.u16(&length) {
			return 0, 0, 0, reason("truncated proposal header")
		}
		var pbody []byte
		if int(length) < proposalHeaderLen || !r.bytes(int(length)-4, &pbody) {
			return 0, 0, 0, reason("proposal " + itoa(np+1) + ": bad length " + itoa(int(length)))
		}
		if last != 0 && last != lastMoreProposals {
			return 0, 0, 0, reason("proposal " + itoa(np+1) + ": bad Last Substruc " + itoa(int(last)))
		}
		if (last == 0) != r.empty() {
			return 0, 0, 0, reason("proposal " + itoa(np+1) + ": Last Substruc disagrees with length")
		}
		pr := reader(pbody)
		var spi []byte
		pr.u8(&num)
		pr.u8(&proto)
		pr.u8(&spiSize)
		pr.u8(&ntrans)
		if !pr.bytes(int(spiSize), &spi) {
			return 0, 0, 0, reason("proposal " + itoa(np+1) + ": truncated SPI")
		}
		if f != nil {
			f.sa.Proposals = append(f.sa.Proposals, Proposal{Num: num, Protocol: ProtocolID(proto), SPI: spi})
		}
		tstart := len(f.transforms())
		got := 0
		for !pr.empty() {
			n, err := walkTransform(&pr, f)
			if err != nil {
				return 0, 0, 0, reason("proposal " + itoa(np+1) + " transform " + itoa(got+1) + ": " + err.Error())
			}
			got++
			na += n
		}
		if got != int(ntrans) {
			return 0, 0, 0, reason("proposal " + itoa(np+1) + ": " + itoa(int(ntrans)) + " transforms announced, structure disagrees")
		}
		if f != nil {
			f.sa.Proposals[np].Transforms = f.ts[tstart:len(f.ts):len(f.ts)]
		}
		nt += got
		np++
	}
	return np, nt, na, nil
}

func (f *saFill) transforms() []Transform {
	if f == nil {
		return nil
	}
	return f.ts
}

// walkTransform reads one transform from r and returns its attribute count.
func walkTransform(r *reader, f *saFill) (int, error) {
	var last, res, typ, res2 uint8
	var length, id uint16
	if !r.u8(&last) || !r.u8(&res) || !r.u16(&length) {
		return 0, errTruncated
	}
	var tbody []byte
	if int(length) < transformHeaderLen || !r.bytes(int(length)-4, &tbody) {
		return 0, reason("bad length " + itoa(int(length)))
	}
	if last != 0 && last != lastMoreTransforms {
		return 0, reason("bad Last Substruc " + itoa(int(last)))
	}
	if (last == 0) != r.empty() {
		return 0, reason("Last Substruc disagrees with length")
	}
	tr := reader(tbody)
	tr.u8(&typ)
	tr.u8(&res2)
	tr.u16(&id)
	astart := 0
	if f != nil {
		astart = len(f.as)
	}
	n := 0
	for !tr.empty() {
		var at, al uint16
		if !tr.u16(&at) || !tr.u16(&al) {
			return 0, reason("truncated attribute")
		}
		a := Attribute{Type: at &^ attrFormatShort}
		if at&attrFormatShort != 0 {
			a.Short, a.Value = true, al
		} else if !tr.bytes(int(al), &a.Data) {
			return 0, reason("truncated attribute value")
		}
		if f != nil {
			f.as = append(f.as, a)
		}
		n++
	}
	if f != nil {
		t := Transform{Type: TransformType(typ), ID: id}
		if n > 0 {
			t.Attrs = f.as[astart:len(f.as):len(f.as)]
		}
		f.ts = append(f.ts, t)
	}
	return n, nil
}

func (s *SA) appendBody(b []byte) []byte {
	for i := range s.Proposals {
		p := &s.Proposals[i]
		start := len(b)
		last := byte(lastMoreProposals)
		if i == len(s.Proposals)-1 {
			last = 0
		}
		b = append(b, last, 0, 0, 0, p.Num, byte(p.Protocol), byte(len(p.SPI)), byte(len(p.Transforms)))
		b = append(b, p.SPI...)
		for j := range p.Transforms {
			b = p.Transforms[j].append(b, j == len(p.Transforms)-1)
		}
		putU16(b[start+2:], uint16(len(b)-start))
	}
	return b
}

func (t *Transform) append(b []byte, isLast bool) []byte {
	start := len(b)
	last := byte(lastMoreTransforms)
	if isLast {
		last = 0
	}
	b = append(b, last, 0, 0, 0, byte(t.Type), 0)
	b = appendU16(b, t.ID)
	for _, a := range t.Attrs {
		if a.Short {
			b = appendU16(b, a.Type|attrFormatShort)
			b = appendU16(b, a.Value)
		} else {
			b = appendU16(b, a.Type&^attrFormatShort)
			b = appendU16(b, uint16(len(a.Data)))
			b = append(b, a.Data...)
		}
	}
	putU16(b[start+2:], uint16(len(b)-start))
	return b
}
