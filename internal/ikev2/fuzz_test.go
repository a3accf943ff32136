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
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		cs := fuzzCiphers()
		c := cs[int(which)%len(cs)]
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
				_, _ = r.Payloads(nil)
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
