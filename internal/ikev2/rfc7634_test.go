package ikev2

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// RFC 7634 Appendix B: an INFORMATIONAL request carrying N(SET_WINDOW_SIZE)
// protected with ChaCha20-Poly1305. The algorithm itself is internal/crypto's
// business; here a scripted cipher stands in for it and checks that the
// codec hands it exactly the AAD, IV and plaintext of the RFC, and builds and
// splits the message around it byte for byte.
func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

var (
	rfc7634AAD       = unhex("c0c1c2c3c4c5c6c7 d0d1d2d3d4d5d6d7 2e202500 00000009 00000045 29000029")
	rfc7634IV        = unhex("1011121314151617")
	rfc7634Plain     = unhex("0000000c 00004001 0000000a 00")
	rfc7634CipherTag = unhex("610394701f8d017f7c12924889 6b71bfe25236efd7cdc67066906315b2")
	rfc7634Message   = unhex(`c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d7 2e202500000000090000004529000029
		101112131415161761039470 1f8d017f7c12924889 6b71bfe25236efd7cdc6706690 6315b2`)
)

// scriptedAEAD plays the RFC 7634 vector: 8-byte IV, 16-byte tag, no
// alignment.
type scriptedAEAD struct{ t *testing.T }

func (scriptedAEAD) IVSize() int    { return 8 }
func (scriptedAEAD) BlockSize() int { return 1 }
func (scriptedAEAD) ICVSize() int   { return 16 }

func (s scriptedAEAD) Seal(msg []byte, aadLen int) error {
	if !bytes.Equal(msg[:aadLen], rfc7634AAD) {
		s.t.Errorf("AAD\n got % x\nwant % x", msg[:aadLen], rfc7634AAD)
	}
	if iv := msg[aadLen : aadLen+8]; !bytes.Equal(iv, rfc7634IV) {
		s.t.Errorf("IV % x", iv)
	}
	if p := msg[aadLen+8 : len(msg)-16]; !bytes.Equal(p, rfc7634Plain) {
		s.t.Errorf("plaintext\n got % x\nwant % x", p, rfc7634Plain)
	}
	copy(msg[aadLen+8:], rfc7634CipherTag)
	return nil
}

func (s scriptedAEAD) Open(msg []byte, aadLen int) ([]byte, error) {
	if !bytes.Equal(msg[:aadLen], rfc7634AAD) || !bytes.Equal(msg[aadLen+8:], rfc7634CipherTag) {
		return nil, errors.New("not the RFC 7634 message")
	}
	p := msg[aadLen+8 : len(msg)-16]
	copy(p, rfc7634Plain)
	return p, nil
}

func TestRFC7634AppendixB(t *testing.T) {
	c := scriptedAEAD{t}
	h := Header{SPIi: 0xc0c1c2c3c4c5c6c7, SPIr: 0xd0d1d2d3d4d5d6d7, Exchange: ExchangeInformational, MessageID: 9}
	inner := []Payload{&Notify{NotifyType: NotifySetWindowSize, Data: []byte{0, 0, 0, 10}}}
	got, err := AppendEncrypted(nil, &h, inner, c, bytes.NewReader(rfc7634IV))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, rfc7634Message) {
		t.Fatalf("sealed message\n got % x\nwant % x", got, rfc7634Message)
	}

	pkt := append([]byte(nil), rfc7634Message...)
	m, err := ParseMessage(pkt)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckProtection(m); err != nil {
		t.Fatal(err)
	}
	if err := m.Open(pkt, c); err != nil {
		t.Fatal(err)
	}
	n, ok := m.Get(PayloadN).(*Notify)
	if !ok || len(m.Payloads) != 1 || n.NotifyType != NotifySetWindowSize || !bytes.Equal(n.Data, []byte{0, 0, 0, 10}) {
		t.Fatalf("opened: %v %+v", m, m.Payloads)
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
}
