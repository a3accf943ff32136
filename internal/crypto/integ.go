package crypto

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"fmt"
	"hash"
)

// Integ is a keyed integrity transform (RFC 7296 3.3.2 type 3) whose output
// is truncated to ICVSize bytes. It is reusable and does not allocate.
type Integ struct {
	id  IntegID
	h   hash.Hash
	icv int
	sum [64]byte
}

// NewInteg keys the integrity transform id with key, which must have the
// transform's key size.
func NewInteg(id IntegID, key []byte) (*Integ, error) {
	t, ok := LookupTransform(TransformInteg, uint16(id))
	if !ok {
		return nil, fmt.Errorf("crypto: unsupported integrity algorithm %s", id)
	}
	if len(key) != t.KeySize {
		return nil, fmt.Errorf("crypto: %s: key is %d bytes, want %d", id, len(key), t.KeySize)
	}
	var h hash.Hash
	var err error
	switch id {
	case IntegHMACMD5_96:
		h = hmac.New(md5.New, key)
	case IntegHMACSHA1_96:
		h = hmac.New(sha1.New, key)
	case IntegHMACSHA2_256_128:
		h = hmac.New(sha256.New, key)
	case IntegHMACSHA2_384_192:
		h = hmac.New(sha512.New384, key)
	case IntegHMACSHA2_512_256:
		h = hmac.New(sha512.New, key)
	case IntegAESXCBC_96:
		h, err = newXCBC(key)
	case IntegAESCMAC_96:
		h, err = newCMAC(key)
	}
	if err != nil {
		return nil, err
	}
	return &Integ{id: id, h: h, icv: t.ICVSize}, nil
}

// ID returns the transform ID.
func (g *Integ) ID() IntegID { return g.id }

// ICVSize returns the length of the truncated output.
func (g *Integ) ICVSize() int { return g.icv }

// Sum writes the truncated MAC of data into dst (len(dst) >= ICVSize).
func (g *Integ) Sum(dst []byte, data ...[]byte) {
	g.h.Reset()
	for _, d := range data {
		g.h.Write(d)
	}
	full := g.h.Sum(g.sum[:0])
	copy(dst[:g.icv], full)
}

// Verify reports, in constant time, whether icv is the truncated MAC of data.
func (g *Integ) Verify(icv []byte, data ...[]byte) bool {
	var got [64]byte
	g.Sum(got[:], data...)
	return len(icv) == g.icv && subtle.ConstantTimeCompare(got[:g.icv], icv) == 1
}
