package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"hash"
)

// cbcMAC is the common core of AES-XCBC-MAC (RFC 3566) and AES-CMAC
// (RFC 4493): a CBC-MAC whose last block is masked with one subkey when it
// is complete and another when it is padded with 10*.
type cbcMAC struct {
	b     cipher.Block
	kFull [aes.BlockSize]byte // K2 (XCBC) or K1 (CMAC)
	kPart [aes.BlockSize]byte // K3 (XCBC) or K2 (CMAC)
	x     [aes.BlockSize]byte // chaining value
	buf   [aes.BlockSize]byte // last, possibly partial, block
	n     int                 // bytes in buf
	last  [aes.BlockSize]byte // scratch of Sum, here so that it stays off the heap per call
}

var _ hash.Hash = (*cbcMAC)(nil)

// newXCBC returns AES-XCBC-MAC-128 keyed with a 16-byte key (RFC 3566 4).
func newXCBC(key []byte) (*cbcMAC, error) {
	k, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	var k1 [aes.BlockSize]byte
	m := &cbcMAC{}
	fill := func(dst *[aes.BlockSize]byte, v byte) {
		for i := range dst {
			dst[i] = v
		}
		k.Encrypt(dst[:], dst[:])
	}
	fill(&k1, 1)
	fill(&m.kFull, 2)
	fill(&m.kPart, 3)
	m.b, err = aes.NewCipher(k1[:])
	clear(k1[:])
	if err != nil {
		return nil, err
	}
	return m, nil
}

// newCMAC returns AES-CMAC keyed with a 16-byte key (RFC 4493 2.3).
func newCMAC(key []byte) (*cbcMAC, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	m := &cbcMAC{b: b}
	var l [aes.BlockSize]byte
	b.Encrypt(l[:], l[:])
	dbl(&m.kFull, &l)
	dbl(&m.kPart, &m.kFull)
	clear(l[:])
	return m, nil
}

// dbl multiplies by x in GF(2^128) (RFC 4493 2.3, constant Rb = 0x87).
func dbl(dst, src *[aes.BlockSize]byte) {
	msb := src[0] >> 7
	for i := 0; i < aes.BlockSize-1; i++ {
		dst[i] = src[i]<<1 | src[i+1]>>7
	}
	dst[aes.BlockSize-1] = src[aes.BlockSize-1]<<1 ^ byte(subtle.ConstantTimeByteEq(msb, 1))*0x87
}

func (m *cbcMAC) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if m.n == aes.BlockSize {
			subtle.XORBytes(m.x[:], m.x[:], m.buf[:])
			m.b.Encrypt(m.x[:], m.x[:])
			m.n = 0
		}
		c := copy(m.buf[m.n:], p)
		m.n += c
		p = p[c:]
	}
	return n, nil
}

func (m *cbcMAC) Sum(b []byte) []byte {
	last := &m.last
	*last = [aes.BlockSize]byte{}
	copy(last[:], m.buf[:m.n])
	if m.n == aes.BlockSize {
		subtle.XORBytes(last[:], last[:], m.kFull[:])
	} else {
		last[m.n] = 0x80
		subtle.XORBytes(last[:], last[:], m.kPart[:])
	}
	subtle.XORBytes(last[:], last[:], m.x[:])
	m.b.Encrypt(last[:], last[:])
	return append(b, last[:]...)
}

func (m *cbcMAC) Reset() {
	clear(m.x[:])
	clear(m.buf[:])
	m.n = 0
}

func (m *cbcMAC) Size() int      { return aes.BlockSize }
func (m *cbcMAC) BlockSize() int { return aes.BlockSize }

// xcbcPRFKey turns a key of any length into the 128-bit key of
// AES-XCBC-PRF-128 (RFC 4434 2): shorter keys are padded with zeros, longer
// ones are first reduced with AES-XCBC-PRF-128 under the zero key.
func xcbcPRFKey(key []byte) ([]byte, error) {
	switch {
	case len(key) == aes.BlockSize:
		return key, nil
	case len(key) < aes.BlockSize:
		k := make([]byte, aes.BlockSize)
		copy(k, key)
		return k, nil
	}
	m, err := newXCBC(make([]byte, aes.BlockSize))
	if err != nil {
		return nil, err
	}
	m.Write(key)
	return m.Sum(nil), nil
}

// cmacPRFKey derives the key of AES-CMAC-PRF-128 (RFC 4615 3): a 128-bit key
// is used as is, any other is reduced with AES-CMAC under the zero key.
func cmacPRFKey(key []byte) ([]byte, error) {
	if len(key) == aes.BlockSize {
		return key, nil
	}
	m, err := newCMAC(make([]byte, aes.BlockSize))
	if err != nil {
		return nil, err
	}
	m.Write(key)
	return m.Sum(nil), nil
}
