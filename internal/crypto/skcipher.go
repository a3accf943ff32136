package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// SKCipher protects the Encrypted payload of one direction (RFC 7296 3.14;
// RFC 5282 for AES-GCM, RFC 7634 for ChaCha20-Poly1305). It works in place.
//
// The message layout is
//
//	AAD (aadLen bytes: IKE header + SK generic payload header) || IV ||
//	padded plaintext (including the Pad Length byte) || ICV.
//
// IVs: CBC modes use a fresh random IV from the injected reader (default
// crypto/rand) as RFC 7296 3.14 requires. Counter-based modes (AES-CTR,
// AES-GCM, ChaCha20-Poly1305) use a 64-bit counter that starts at a random
// value and is incremented per Seal; with a per-direction key this never
// repeats a nonce. An SKCipher is not safe for concurrent use.
type SKCipher interface {
	IVSize() int    // bytes of IV carried in the SK payload
	BlockSize() int // the padded plaintext must be a multiple of this
	ICVSize() int   // bytes of Integrity Checksum Data after the ciphertext
	// Seal fills the IV, encrypts the padded plaintext and fills the ICV.
	Seal(msg []byte, aadLen int) error
	// Open verifies (constant time) and decrypts in place, returning the
	// padded plaintext, a sub-slice of msg.
	Open(msg []byte, aadLen int) ([]byte, error)
}

// Errors returned by SKCipher.
var (
	ErrIntegrity = errors.New("crypto: SK payload integrity check failed")
	ErrSKLength  = errors.New("crypto: SK payload length invalid")
)

// NewSKCipher returns the SKCipher for the negotiated ENCR transform (with
// its Key Length attribute encrKeyBits, 0 when absent) and INTEG transform
// (IntegNone with an AEAD). encrKey includes the salt or nonce for AEAD and
// CTR modes, as taken from prf+ (SK_ei or SK_er); integKey is SK_ai or SK_ar.
// Random IVs are read from crypto/rand.
func NewSKCipher(encrID uint16, encrKeyBits int, integID uint16, encrKey, integKey []byte) (SKCipher, error) {
	return NewSKCipherRand(encrID, encrKeyBits, integID, encrKey, integKey, rand.Reader)
}

// NewSKCipherRand is NewSKCipher with the source of IVs and of the initial
// counter injected (tests).
func NewSKCipherRand(encrID uint16, encrKeyBits int, integID uint16, encrKey, integKey []byte, rnd io.Reader) (SKCipher, error) {
	t, ok := LookupTransform(TransformEncr, encrID)
	if !ok || t.ESPOnly {
		return nil, fmt.Errorf("crypto: %s not usable for the SK payload", EncrID(encrID))
	}
	n, err := t.KeyLen(encrKeyBits)
	if err != nil {
		return nil, err
	}
	if len(encrKey) != n {
		return nil, fmt.Errorf("crypto: %s: key is %d bytes, want %d", t.Name, len(encrKey), n)
	}
	key, salt := encrKey[:n-t.SaltSize], encrKey[n-t.SaltSize:]
	if t.AEAD {
		if IntegID(integID) != IntegNone || len(integKey) != 0 {
			return nil, fmt.Errorf("crypto: %s is an AEAD, integrity must be NONE", t.Name)
		}
		return newAEADSK(EncrID(encrID), t, key, salt, rnd)
	}
	integ, err := NewInteg(IntegID(integID), integKey)
	if err != nil {
		return nil, err
	}
	switch EncrID(encrID) {
	case EncrAESCBC, EncrDES3:
		return newCBCSK(EncrID(encrID), t, key, integ, rnd)
	case EncrAESCTR:
		return newCTRSK(t, key, salt, integ, rnd)
	}
	return nil, fmt.Errorf("crypto: %s not implemented", t.Name)
}

// layout checks msg against the SK layout and returns the offsets of the
// ciphertext and of the ICV.
func layout(msg []byte, aadLen, iv, icv, block int) (ct, end int, err error) {
	ct = aadLen + iv
	end = len(msg) - icv
	if aadLen < 0 || ct > end || end-ct < 1 || (end-ct)%block != 0 {
		return 0, 0, ErrSKLength
	}
	return ct, end, nil
}

type ivSetter interface{ SetIV([]byte) }

// cbcSK is CBC encryption plus a separate integrity transform (RFC 7296 3.14).
type cbcSK struct {
	b        cipher.Block
	enc, dec cipher.BlockMode
	integ    *Integ
	rnd      io.Reader
	iv       int
}

func newCBCSK(id EncrID, t Transform, key []byte, integ *Integ, rnd io.Reader) (*cbcSK, error) {
	var b cipher.Block
	var err error
	if id == EncrDES3 {
		b, err = des.NewTripleDESCipher(key)
	} else {
		b, err = aes.NewCipher(key)
	}
	if err != nil {
		return nil, err
	}
	zero := make([]byte, t.IVSize)
	return &cbcSK{
		b:     b,
		enc:   cipher.NewCBCEncrypter(b, zero),
		dec:   cipher.NewCBCDecrypter(b, zero),
		integ: integ,
		rnd:   rnd,
		iv:    t.IVSize,
	}, nil
}

func (c *cbcSK) IVSize() int    { return c.iv }
func (c *cbcSK) BlockSize() int { return c.b.BlockSize() }
func (c *cbcSK) ICVSize() int   { return c.integ.ICVSize() }

func (c *cbcSK) mode(enc bool, iv []byte) cipher.BlockMode {
	m := c.dec
	if enc {
		m = c.enc
	}
	if s, ok := m.(ivSetter); ok {
		s.SetIV(iv)
		return m
	}
	if enc {
		return cipher.NewCBCEncrypter(c.b, iv)
	}
	return cipher.NewCBCDecrypter(c.b, iv)
}

func (c *cbcSK) Seal(msg []byte, aadLen int) error {
	ct, end, err := layout(msg, aadLen, c.iv, c.ICVSize(), c.BlockSize())
	if err != nil {
		return err
	}
	iv := msg[aadLen:ct]
	if _, err := io.ReadFull(c.rnd, iv); err != nil {
		return fmt.Errorf("crypto: IV: %w", err)
	}
	c.mode(true, iv).CryptBlocks(msg[ct:end], msg[ct:end])
	c.integ.Sum(msg[end:], msg[:end])
	return nil
}

func (c *cbcSK) Open(msg []byte, aadLen int) ([]byte, error) {
	ct, end, err := layout(msg, aadLen, c.iv, c.ICVSize(), c.BlockSize())
	if err != nil {
		return nil, err
	}
	if !c.integ.Verify(msg[end:], msg[:end]) {
		return nil, ErrIntegrity
	}
	c.mode(false, msg[aadLen:ct]).CryptBlocks(msg[ct:end], msg[ct:end])
	return msg[ct:end], nil
}

// counterIV hands out 64-bit IVs from a counter with a random start.
type counterIV uint64

func newCounterIV(rnd io.Reader) (counterIV, error) {
	var b [8]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return 0, fmt.Errorf("crypto: IV counter: %w", err)
	}
	return counterIV(binary.BigEndian.Uint64(b[:])), nil
}

func (c *counterIV) next(dst []byte) {
	*c++
	binary.BigEndian.PutUint64(dst, uint64(*c))
}

// ctrStream is the state of one AES-CTR pass, kept in the cipher object so
// that the blocks handed to cipher.Block do not escape per call.
type ctrStream struct {
	ctr, ks [aes.BlockSize]byte
}

// start sets the counter block to nonce (12 bytes) || 32-bit counter c.
func (s *ctrStream) start(nonce []byte, c uint32) {
	copy(s.ctr[:12], nonce)
	binary.BigEndian.PutUint32(s.ctr[12:], c)
}

// xor XORs src with the key stream into dst, incrementing the last 32 bits
// of the counter block per block (RFC 3686 4, NIST SP 800-38D inc32).
func (s *ctrStream) xor(b cipher.Block, dst, src []byte) {
	for len(src) > 0 {
		b.Encrypt(s.ks[:], s.ctr[:])
		n := subtle.XORBytes(dst, src, s.ks[:])
		dst, src = dst[n:], src[n:]
		binary.BigEndian.PutUint32(s.ctr[12:], binary.BigEndian.Uint32(s.ctr[12:])+1)
	}
	clear(s.ks[:])
}

// ctrSK is AES-CTR (RFC 3686 counter block, RFC 5930 for IKEv2) plus a
// separate integrity transform.
type ctrSK struct {
	b     cipher.Block
	nonce [12]byte // nonce || IV
	integ *Integ
	ctr   counterIV
	st    ctrStream
}

func newCTRSK(t Transform, key, salt []byte, integ *Integ, rnd io.Reader) (*ctrSK, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	c := &ctrSK{b: b, integ: integ}
	copy(c.nonce[:4], salt)
	if c.ctr, err = newCounterIV(rnd); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *ctrSK) IVSize() int    { return 8 }
func (c *ctrSK) BlockSize() int { return 1 }
func (c *ctrSK) ICVSize() int   { return c.integ.ICVSize() }

func (c *ctrSK) xor(msg []byte, iv []byte, ct, end int) {
	copy(c.nonce[4:], iv)
	c.st.start(c.nonce[:], 1) // RFC 3686 4: the block counter starts at 1
	c.st.xor(c.b, msg[ct:end], msg[ct:end])
}

func (c *ctrSK) Seal(msg []byte, aadLen int) error {
	ct, end, err := layout(msg, aadLen, 8, c.ICVSize(), 1)
	if err != nil {
		return err
	}
	c.ctr.next(msg[aadLen:ct])
	c.xor(msg, msg[aadLen:ct], ct, end)
	c.integ.Sum(msg[end:], msg[:end])
	return nil
}

func (c *ctrSK) Open(msg []byte, aadLen int) ([]byte, error) {
	ct, end, err := layout(msg, aadLen, 8, c.ICVSize(), 1)
	if err != nil {
		return nil, err
	}
	if !c.integ.Verify(msg[end:], msg[:end]) {
		return nil, ErrIntegrity
	}
	c.xor(msg, msg[aadLen:ct], ct, end)
	return msg[ct:end], nil
}

// aeadSK is AES-GCM (RFC 5282) or ChaCha20-Poly1305 (RFC 7634 4): the
// nonce is salt || IV and the AAD is everything before the IV.
type aeadSK struct {
	aead  cipher.AEAD
	b     cipher.Block // AES, for the truncated 8-byte GCM ICV
	icv   int
	nonce [12]byte // salt || IV
	ctr   counterIV
	tmp   []byte // scratch for the truncated ICV, reused
	st    ctrStream
}

func newAEADSK(id EncrID, t Transform, key, salt []byte, rnd io.Reader) (*aeadSK, error) {
	c := &aeadSK{icv: t.ICVSize}
	var err error
	if id == EncrChaCha20Poly1305 {
		c.aead, err = chacha20poly1305.New(key)
	} else {
		if c.b, err = aes.NewCipher(key); err != nil {
			return nil, err
		}
		// Go's GCM accepts ICVs of 12 to 16 bytes; the 8-byte ICV of
		// ENCR_AES_GCM_8 is the full tag truncated (NIST SP 800-38D 5.2.1.2).
		c.aead, err = cipher.NewGCMWithTagSize(c.b, max(t.ICVSize, 12))
	}
	if err != nil {
		return nil, err
	}
	copy(c.nonce[:4], salt)
	if c.ctr, err = newCounterIV(rnd); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *aeadSK) IVSize() int    { return 8 }
func (c *aeadSK) BlockSize() int { return 1 }
func (c *aeadSK) ICVSize() int   { return c.icv }

func (c *aeadSK) Seal(msg []byte, aadLen int) error {
	ct, end, err := layout(msg, aadLen, 8, c.icv, 1)
	if err != nil {
		return err
	}
	c.ctr.next(msg[aadLen:ct])
	copy(c.nonce[4:], msg[aadLen:ct])
	if c.icv == c.aead.Overhead() {
		c.aead.Seal(msg[ct:ct], c.nonce[:], msg[ct:end], msg[:aadLen])
		return nil
	}
	out := c.aead.Seal(c.scratch(end-ct), c.nonce[:], msg[ct:end], msg[:aadLen])
	copy(msg[ct:], out[:end-ct+c.icv])
	return nil
}

func (c *aeadSK) Open(msg []byte, aadLen int) ([]byte, error) {
	ct, end, err := layout(msg, aadLen, 8, c.icv, 1)
	if err != nil {
		return nil, err
	}
	copy(c.nonce[4:], msg[aadLen:ct])
	if c.icv == c.aead.Overhead() {
		pt, err := c.aead.Open(msg[ct:ct], c.nonce[:], msg[ct:], msg[:aadLen])
		if err != nil {
			return nil, ErrIntegrity
		}
		return pt, nil
	}
	// Truncated GCM ICV: recover the plaintext in scratch, seal it again to
	// learn the full tag, compare its prefix, and only then decrypt msg.
	n := end - ct
	tmp := c.scratch(n)[:n]
	c.st.start(c.nonce[:], 2) // inc32(J0), GCM's first counter block for data
	c.st.xor(c.b, tmp, msg[ct:end])
	full := c.aead.Seal(tmp[:0], c.nonce[:], tmp, msg[:aadLen])
	ok := subtle.ConstantTimeCompare(full[n:n+c.icv], msg[end:]) == 1
	clear(full)
	if !ok {
		return nil, ErrIntegrity
	}
	c.st.start(c.nonce[:], 2)
	c.st.xor(c.b, msg[ct:end], msg[ct:end])
	return msg[ct:end], nil
}

// scratch returns a reusable empty buffer with room for n bytes and a tag.
func (c *aeadSK) scratch(n int) []byte {
	if cap(c.tmp) < n+16 {
		c.tmp = make([]byte, n+16)
	}
	return c.tmp[:0]
}
