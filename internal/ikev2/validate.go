package ikev2

import "errors"

// Encoders append without failing; AppendPayloads first calls validate on
// the payloads that have fields an encoding could not represent (counts
// and lengths held in one or two bytes), so that a bad payload built by the
// engine is an error rather than a corrupt message.

func encodeError(p Payload, why string) error {
	return errors.New("ikev2: encode " + p.Type().String() + ": " + why)
}

func (s *SA) validate() error {
	if len(s.Proposals) == 0 {
		return encodeError(s, "no proposals")
	}
	for i := range s.Proposals {
		p := &s.Proposals[i]
		if len(p.SPI) > 255 || len(p.Transforms) > 255 {
			return encodeError(s, "proposal "+itoa(i+1)+": SPI or transform list too long")
		}
		for j := range p.Transforms {
			for _, a := range p.Transforms[j].Attrs {
				if !a.Short && len(a.Data) > 0xffff {
					return encodeError(s, "attribute too long")
				}
			}
		}
	}
	return nil
}

func (n *Notify) validate() error {
	if len(n.SPI) > 255 {
		return encodeError(n, "SPI too long")
	}
	return nil
}

func (d *Delete) validate() error {
	if len(d.SPIs) != int(d.SPISize)*int(d.NumSPIs) {
		return encodeError(d, itoa(len(d.SPIs))+" bytes of SPIs for "+itoa(int(d.NumSPIs))+" of "+itoa(int(d.SPISize)))
	}
	return nil
}

func (c *CP) validate() error {
	for _, a := range c.Attrs {
		if len(a.Value) > 0xffff || a.Type > 0x7fff {
			return encodeError(c, "attribute "+a.Type.String()+" cannot be encoded")
		}
	}
	return nil
}
