package ikev2

import (
	"bytes"
	"testing"
)

func addGoldenSeeds(f *testing.F) {
	for _, g := range loadGolden(f) {
		f.Add(g.data)
	}
	f.Add(mustAppend(f, sampleSAInit()))
	f.Add(mustAppend(f, &Message{Header: authHeader(), Payloads: sampleAuthInner()}))
}

// reencode checks decode -> encode -> decode -> encode gives the same bytes
// twice: the first encoding may normalise (reserved bits, critical bits of
// known payloads), after that nothing may change.
func reencode(t *testing.T, m *Message) {
	b1, err := m.Append(nil)
	if err != nil {
		t.Fatalf("encode of a decoded message: %v", err)
	}
	m2, err := ParseMessage(b1)
	if err != nil {
		t.Fatalf("decode of own encoding: %v\n% x", err, b1)
	}
	b2, err := m2.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("unstable encoding:\n% x\n% x", b1, b2)
	}
}

func FuzzParseMessage(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMessage(data)
		if err != nil {
			return
		}
		_ = m.Check()
		_ = CheckProtection(m)
		reencode(t, m)
	})
}

func FuzzParseSA(f *testing.F) {
	for _, g := range loadGolden(f) {
		if m, err := ParseMessage(g.data); err == nil {
			if sa, ok := m.Get(PayloadSA).(*SA); ok {
				f.Add(sa.appendBody(nil))
			}
		}
	}
	f.Add(sampleSAInit().Payloads[0].(*SA).appendBody(nil))
	f.Fuzz(func(t *testing.T, body []byte) {
		sa, err := ParseSA(body)
		if err != nil {
			return
		}
		for i := range sa.Proposals {
			for j := range sa.Proposals[i].Transforms {
				sa.Proposals[i].Transforms[j].KeyLength()
			}
		}
		b1 := sa.appendBody(nil)
		sa2, err := ParseSA(b1)
		if err != nil {
			t.Fatalf("own encoding rejected: %v", err)
		}
		if b2 := sa2.appendBody(nil); !bytes.Equal(b1, b2) {
			t.Fatalf("unstable SA encoding")
		}
	})
}

// fuzzCiphers are fixed-key test ciphers for FuzzOpenSK.
func fuzzCiphers() []SKCipher {
	return []SKCipher{newTestGCM(fill(20, 0x42)), newTestCBC(fill(16, 0x24), fill(32, 0x99))}
}

func FuzzOpenSK(f *testing.F) {
	for i, c := range fuzzCiphers() {
		h := authHeader()
		b, err := AppendEncrypted(nil, &h, sampleAuthInner(), c, seededRand(uint64(i)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(i))
		frags, err := SealFragments(authHeader(), sampleAuthInner(), 400, c, seededRand(9))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(frags[0], uint8(i))
	}
	f.Add([]byte{byte(PayloadN), 0, 0, 0, 8, 0, 0, 0x40, 1, 3}, uint8(0x80))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		cs := fuzzCiphers()
		c := cs[int(which&0x7f)%len(cs)]
		if which&0x80 != 0 {
			// Treat data as a first payload type and a padded plaintext,
			// and seal it properly, so that fuzzing reaches the padding
			// check and the inner decoder.
			data = sealRaw(c, data)
		}
		m, err := ParseMessage(data)
		if err != nil || m.Encrypted() == nil {
			return
		}
		e := m.Encrypted()
		if e.Fragment {
			plain, err := m.OpenSK(data, c)
			if err != nil {
				return
			}
			var r Reassembly
			if done, err := r.Add(e, plain); err == nil && done {
				if first, inner, err := r.Inner(); err == nil {
					_ = m.DecodeInner(first, inner)
				}
			}
			return
		}
		if err := m.Open(data, c); err != nil {
			return
		}
		_ = m.Check()
		reencode(t, m)
	})
}

// sealRaw builds an IKE_AUTH message whose SK payload holds plain[1:] (zero
// extended to the block size) as its padded plaintext, first inner payload
// plain[0], sealed with c.
func sealRaw(c SKCipher, plain []byte) []byte {
	first := PayloadNone
	if len(plain) > 0 {
		first, plain = PayloadType(plain[0]), plain[1:]
	}
	for len(plain) == 0 || len(plain)%c.BlockSize() != 0 {
		plain = append(plain, 0)
	}
	h := authHeader()
	h.NextPayload = PayloadSK
	b := appendHeader(nil, &h)
	b = append(b, byte(first), 0, 0, 0)
	b = append(b, make([]byte, c.IVSize())...)
	b = append(b, plain...)
	b = append(b, make([]byte, c.ICVSize())...)
	if len(b)-HeaderLen > maxPayloadLen {
		return nil
	}
	putU16(b[HeaderLen+2:], uint16(len(b)-HeaderLen))
	putU32(b[24:], uint32(len(b)))
	if err := c.Seal(b, HeaderLen+genericHeaderLen); err != nil {
		panic(err)
	}
	return b
}
