package ikev2

// CP is the Configuration payload (RFC 7296 3.15).
type CP struct {
	CfgType CfgType
	Attrs   []CfgAttr
}

// CfgAttr is a configuration attribute (RFC 7296 3.15.1). An empty Value in
// a CFG_REQUEST asks for any value.
type CfgAttr struct {
	Type  CfgAttrType // 15 bits
	Value []byte
}

func (*CP) Type() PayloadType { return PayloadCP }

func decodeCP(a *arena, body []byte) (*CP, error) {
	r := reader(body)
	var t uint8
	if !r.u8(&t) || !r.skip(3) {
		return nil, errTruncated
	}
	cp := take(&a.cp)
	cp.CfgType = CfgType(t)
	// Count first so the attributes take one allocation.
	n := 0
	for c := r; !c.empty(); n++ {
		var at, al uint16
		if !c.u16(&at) || !c.u16(&al) || !c.skip(int(al)) {
			return nil, reason("attribute " + itoa(n+1) + ": truncated")
		}
	}
	cp.Attrs = takeN(&a.cfg, n)
	for i := range cp.Attrs {
		var at, al uint16
		r.u16(&at)
		r.u16(&al)
		cp.Attrs[i].Type = CfgAttrType(at & 0x7fff)
		r.bytes(int(al), &cp.Attrs[i].Value)
	}
	return cp, nil
}

func (c *CP) appendBody(b []byte) []byte {
	b = append(b, byte(c.CfgType), 0, 0, 0)
	for _, a := range c.Attrs {
		b = appendU16(b, uint16(a.Type)&0x7fff)
		b = appendU16(b, uint16(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b
}
