package ikev2

import (
	"crypto/rand"
	"errors"
	"io"
)

// SKCipher protects the Encrypted payload of one direction. It works in place.
type SKCipher interface {
	IVSize() int    // IV bytes in the SK payload
	BlockSize() int // padded plaintext (including the Pad Length byte) must be a multiple of this
	ICVSize() int   // Integrity Checksum Data bytes after the ciphertext
	// msg = AAD (aadLen bytes: IKE header + SK generic payload header) || IV || padded plaintext || ICV space.
	// For non-AEAD the ICV covers msg[:len(msg)-ICVSize()]; for AEAD the AAD is msg[:aadLen].
	Seal(msg []byte, aadLen int) error
	Open(msg []byte, aadLen int) ([]byte, error) // returns the padded plaintext, in place
}

// BlockSize is the cipher block size for CBC and 1 for AEADs, which have no
// alignment requirement (RFC 5282 3).
//
// The encoders fill the IV with bytes from the caller's random source before
// calling Seal; an implementation may use them or overwrite them (for
// example with a counter for an AEAD). For SKF the AAD also covers the
// Fragment Number and Total Fragments fields (RFC 7383 2.5).

// MaxFragments bounds how many fragments a Reassembly accepts (RFC 7383
// 2.6.1 leaves the limit to the implementation; 64 KiB of IKE message at
// the smallest sensible fragment size fits easily).
const MaxFragments = 128

// OpenSK checks and decrypts, in place, the SK or SKF payload of m, which
// must have been parsed from pkt, and returns the inner payload bytes with
// the padding removed. The plaintext aliases pkt.
func (m *Message) OpenSK(pkt []byte, c SKCipher) ([]byte, error) {
	e := m.Encrypted()
	if e == nil {
		return nil, ErrNotEncrypted
	}
	if int64(len(pkt)) != int64(m.Length) {
		return nil, &DecodeError{Payload: e.Type(), Offset: e.Offset, Reason: "buffer is not the parsed message"}
	}
	return openSK(pkt, e, c)
}

func openSK(pkt []byte, e *Encrypted, c SKCipher) ([]byte, error) {
	aadLen := e.Offset + e.headerLen()
	end := aadLen + len(e.Data)
	iv, icv, bs := c.IVSize(), c.ICVSize(), c.BlockSize()
	n := len(e.Data) - iv - icv // padded plaintext length
	if end != len(pkt) || n <= 0 || bs <= 0 || n%bs != 0 {
		return nil, &DecodeError{Payload: e.Type(), Offset: e.Offset,
			Reason: "encrypted data of " + itoa(len(e.Data)) + " bytes does not fit the cipher"}
	}
	plain, err := c.Open(pkt[:end], aadLen)
	if err != nil {
		return nil, errors.Join(ErrIntegrity, err)
	}
	if len(plain) != n {
		return nil, errors.Join(ErrIntegrity, errors.New("cipher returned "+itoa(len(plain))+" bytes, want "+itoa(n)))
	}
	pad := int(plain[n-1])
	if pad+1 > n {
		return nil, ErrBadPadding
	}
	return plain[: n-1-pad : n-1-pad], nil
}

// Open opens the SK payload of m (parsed from pkt) in place and replaces it
// in m.Payloads by the inner payloads. Fragments (SKF) need a Reassembly.
// Offsets in decode errors are offsets in pkt.
func (m *Message) Open(pkt []byte, c SKCipher) error {
	_, err := m.openInner(pkt, c)
	return err
}

// openInner is Open that also returns the inner payload chain, without
// padding (for the capture).
func (m *Message) openInner(pkt []byte, c SKCipher) ([]byte, error) {
	e := m.Encrypted()
	if e == nil {
		return nil, ErrNotEncrypted
	}
	if e.Fragment {
		return nil, errors.New("ikev2: Open: message is a fragment; use a Reassembly")
	}
	plain, err := m.OpenSK(pkt, c)
	if err != nil {
		return nil, err
	}
	return plain, m.decodeInner(e.Inner, plain, e.Offset+e.headerLen()+c.IVSize())
}

// DecodeInner replaces the SK or SKF payload at the end of m.Payloads (if
// any) by the payload chain in b, whose first payload has type first: the
// plaintext from OpenSK, or from a Reassembly. The payloads alias b and use
// m's storage. Offsets in decode errors are relative to b.
func (m *Message) DecodeInner(first PayloadType, b []byte) error {
	return m.decodeInner(first, b, 0)
}

func (m *Message) decodeInner(first PayloadType, b []byte, base int) error {
	if m.Encrypted() != nil {
		m.Payloads = m.Payloads[:len(m.Payloads)-1]
	}
	ps, enc, err := decodeChain(&m.arena, m.Payloads, first, b, base, false)
	m.Payloads = ps
	if err == nil && enc != nil {
		err = &DecodeError{Payload: enc.Type(), Offset: enc.Offset, Reason: "encrypted payload inside encrypted payload"}
	}
	return err
}

// AppendEncrypted appends the message with header h whose only payload is an
// SK payload protecting inner (RFC 7296 3.14), sealed with c. IVs come from
// rnd (crypto/rand if nil). h's Next Payload and Length are set.
func AppendEncrypted(b []byte, h *Header, inner []Payload, c SKCipher, rnd io.Reader) ([]byte, error) {
	start := len(b)
	h.NextPayload = PayloadSK
	if h.Version == 0 {
		h.Version = Version
	}
	b = appendHeader(b, h)
	skStart := len(b)
	b = append(b, 0, 0, 0, 0) // generic header, completed below
	aadLen := len(b) - start
	b, err := appendIV(b, c.IVSize(), rnd)
	if err != nil {
		return b[:start], err
	}
	plainStart := len(b)
	b, first, err := AppendPayloads(b, inner)
	if err != nil {
		return b[:start], err
	}
	b = appendPadICV(b, len(b)-plainStart, c)
	if len(b)-skStart > maxPayloadLen {
		return b[:start], errors.New("ikev2: encode: SK payload of " + itoa(len(b)-skStart) + " bytes is too long; fragment it")
	}
	b[skStart] = byte(first)
	putU16(b[skStart+2:], uint16(len(b)-skStart))
	h.Length = uint32(len(b) - start)
	putU32(b[start+24:], h.Length)
	if err := c.Seal(b[start:], aadLen); err != nil {
		return b[:start], err
	}
	return b, nil
}

func appendIV(b []byte, n int, rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	l := len(b)
	b = append(b, make([]byte, n)...)
	if _, err := io.ReadFull(rnd, b[l:]); err != nil {
		return b, err
	}
	return b, nil
}

// appendPadICV appends the minimal padding, the Pad Length byte (RFC 7296
// 3.14: padding content is arbitrary, zeros here) and room for the ICV.
func appendPadICV(b []byte, plainLen int, c SKCipher) []byte {
	bs := c.BlockSize()
	if bs < 1 {
		bs = 1
	}
	pad := (bs - (plainLen+1)%bs) % bs
	for range pad {
		b = append(b, 0)
	}
	b = append(b, byte(pad))
	for range c.ICVSize() {
		b = append(b, 0)
	}
	return b
}

// SealFragments protects inner as Encrypted Fragment messages of at most
// maxLen bytes each (RFC 7383 2.5) and returns them; they share one buffer.
// h gives the IKE header; its Next Payload and Length are set per fragment.
func SealFragments(h Header, inner []Payload, maxLen int, c SKCipher, rnd io.Reader) ([][]byte, error) {
	plain, first, err := AppendPayloads(nil, inner)
	if err != nil {
		return nil, err
	}
	const aad = HeaderLen + genericHeaderLen + 4
	bs := max(c.BlockSize(), 1)
	room := maxLen - aad - c.IVSize() - c.ICVSize()
	room -= room % bs
	chunk := room - 1 // the Pad Length byte
	if chunk <= 0 {
		return nil, errors.New("ikev2: SealFragments: maxLen " + itoa(maxLen) + " leaves no room for data")
	}
	total := (len(plain) + chunk - 1) / chunk
	if total == 0 {
		total = 1
	}
	if total > MaxFragments {
		return nil, errors.New("ikev2: SealFragments: " + itoa(total) + " fragments needed")
	}
	h.NextPayload = PayloadSKF
	if h.Version == 0 {
		h.Version = Version
	}
	buf := make([]byte, 0, total*maxLen)
	ends := make([]int, total)
	for i := range total {
		part := plain[min(i*chunk, len(plain)):min((i+1)*chunk, len(plain))]
		start := len(buf)
		buf = appendHeader(buf, &h)
		next := PayloadNone
		if i == 0 {
			next = first
		}
		buf = append(buf, byte(next), 0, 0, 0)
		buf = appendU16(buf, uint16(i+1))
		buf = appendU16(buf, uint16(total))
		if buf, err = appendIV(buf, c.IVSize(), rnd); err != nil {
			return nil, err
		}
		buf = append(buf, part...)
		buf = appendPadICV(buf, len(part), c)
		putU16(buf[start+HeaderLen+2:], uint16(len(buf)-start-HeaderLen))
		putU32(buf[start+24:], uint32(len(buf)-start))
		if err := c.Seal(buf[start:], aad); err != nil {
			return nil, err
		}
		ends[i] = len(buf)
	}
	out := make([][]byte, total)
	prev := 0
	for i, e := range ends {
		out[i] = buf[prev:e:e]
		prev = e
	}
	return out, nil
}

// Reassembly collects the fragments of one message (RFC 7383 2.6). The
// engine keeps one per message ID it is receiving (fragments of other
// message IDs are not its business), adds each fragment after OpenSK
// succeeds on it and, once Add reports the message complete, passes Inner
// to (*Message).DecodeInner.
type Reassembly struct {
	Total uint16      // Total Fragments of the fragments kept
	First PayloadType // first inner payload, from fragment 1
	parts [][]byte
	have  int
}

// Add records the opened plaintext of fragment e (copied). It reports
// whether every fragment is now in. Duplicates and fragments with a smaller
// Total than the ones kept are ignored; a larger Total drops the fragments
// kept and starts over (RFC 7383 2.6.1, PMTU discovery).
func (r *Reassembly) Add(e *Encrypted, plain []byte) (bool, error) {
	if !e.Fragment || e.Number == 0 || e.Number > e.Total {
		return false, errors.New("ikev2: Reassembly: not a valid fragment")
	}
	if e.Total > MaxFragments {
		return false, errors.New("ikev2: Reassembly: " + itoa(int(e.Total)) + " fragments is too many")
	}
	switch {
	case e.Total < r.Total:
		return r.complete(), nil
	case e.Total > r.Total:
		r.Total, r.First, r.have = e.Total, PayloadNone, 0
		r.parts = make([][]byte, e.Total)
	}
	i := int(e.Number) - 1
	if r.parts[i] != nil {
		return r.complete(), nil
	}
	r.parts[i] = append(make([]byte, 0, len(plain)+1), plain...)[: len(plain) : len(plain)+1]
	r.have++
	if e.Number == 1 {
		r.First = e.Inner
	}
	return r.complete(), nil
}

func (r *Reassembly) complete() bool { return r.Total > 0 && r.have == int(r.Total) }

// Inner returns the type of the first inner payload and the reassembled
// inner payload chain (a new buffer).
func (r *Reassembly) Inner() (PayloadType, []byte, error) {
	if !r.complete() {
		return PayloadNone, nil, errors.New("ikev2: Reassembly: fragments missing")
	}
	n := 0
	for _, p := range r.parts {
		n += len(p)
	}
	all := make([]byte, 0, n)
	for _, p := range r.parts {
		all = append(all, p...)
	}
	return r.First, all, nil
}
