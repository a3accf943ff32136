package crypto

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
)

// PRF is an IKEv2 pseudorandom function (RFC 7296 2.13).
type PRF interface {
	ID() PRFID
	// Size is the output length in bytes.
	Size() int
	// KeySize is the preferred key length: the length of SK_d, SK_pi and
	// SK_pr (RFC 7296 2.14).
	KeySize() int
	// New returns the PRF keyed with key as a hash.Hash: Write the data, Sum,
	// and Reset to reuse it with the same key without allocating.
	New(key []byte) (hash.Hash, error)
	// Compute appends prf(key, data[0] | data[1] | ...) to dst. It keys a
	// fresh state (HMAC allocates); for repeated use of one key, such as
	// prf+, keep the hash.Hash from New and Reset it.
	Compute(dst, key []byte, data ...[]byte) ([]byte, error)
}

type hmacPRF struct {
	id      PRFID
	h       func() hash.Hash
	size    int
	keySize int
}

type macPRF struct {
	id     PRFID
	newMAC func(key []byte) (*cbcMAC, error)
	prfKey func(key []byte) ([]byte, error)
}

// NewPRF returns the PRF with the given IANA ID.
func NewPRF(id PRFID) (PRF, error) {
	switch id {
	case PRFHMACMD5:
		return &hmacPRF{id, md5.New, md5.Size, md5.Size}, nil
	case PRFHMACSHA1:
		return &hmacPRF{id, sha1.New, sha1.Size, sha1.Size}, nil
	case PRFHMACSHA2_256:
		return &hmacPRF{id, sha256.New, sha256.Size, sha256.Size}, nil
	case PRFHMACSHA2_384:
		return &hmacPRF{id, sha512.New384, sha512.Size384, sha512.Size384}, nil
	case PRFHMACSHA2_512:
		return &hmacPRF{id, sha512.New, sha512.Size, sha512.Size}, nil
	case PRFAES128XCBC:
		return &macPRF{id, newXCBC, xcbcPRFKey}, nil
	case PRFAES128CMAC:
		return &macPRF{id, newCMAC, cmacPRFKey}, nil
	}
	return nil, fmt.Errorf("crypto: unsupported PRF %s", id)
}

func (p *hmacPRF) ID() PRFID    { return p.id }
func (p *hmacPRF) Size() int    { return p.size }
func (p *hmacPRF) KeySize() int { return p.keySize }

func (p *hmacPRF) New(key []byte) (hash.Hash, error) { return hmac.New(p.h, key), nil }

func (p *hmacPRF) Compute(dst, key []byte, data ...[]byte) ([]byte, error) {
	return compute(p, dst, key, data)
}

func (p *macPRF) ID() PRFID    { return p.id }
func (p *macPRF) Size() int    { return 16 }
func (p *macPRF) KeySize() int { return 16 }

func (p *macPRF) New(key []byte) (hash.Hash, error) {
	k, err := p.prfKey(key)
	if err != nil {
		return nil, err
	}
	m, err := p.newMAC(k)
	if len(key) != len(k) { // k is a derived copy
		clear(k)
	}
	return m, err
}

func (p *macPRF) Compute(dst, key []byte, data ...[]byte) ([]byte, error) {
	return compute(p, dst, key, data)
}

func compute(p PRF, dst, key []byte, data [][]byte) ([]byte, error) {
	h, err := p.New(key)
	if err != nil {
		return nil, err
	}
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(dst), nil
}

// ErrPRFPlusTooLong is returned when more than 255 blocks of prf+ are asked.
var ErrPRFPlusTooLong = errors.New("crypto: prf+ output longer than 255 blocks")

// PRFPlus returns n bytes of prf+(key, seed) (RFC 7296 2.13):
// T1 = prf(K, S | 0x01), Ti = prf(K, Ti-1 | S | i).
func PRFPlus(p PRF, key, seed []byte, n int) ([]byte, error) {
	size := p.Size()
	if n > 255*size {
		return nil, ErrPRFPlusTooLong
	}
	h, err := p.New(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, n+size)
	var ctr [1]byte
	for i := 1; len(out) < n; i++ {
		h.Reset()
		if i > 1 {
			h.Write(out[len(out)-size:])
		}
		h.Write(seed)
		ctr[0] = byte(i)
		h.Write(ctr[:])
		out = h.Sum(out)
	}
	clear(out[n:cap(out)])
	return out[:n], nil
}
