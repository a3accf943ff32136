package ikev2

// Interim transforms on the standard library, used until internal/crypto
// lands; every function here is the engine's single point of contact with
// the transform registry, so swapping them is local to this file.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"hash"
	"io"
	"math/big"

	"github.com/racoon2go/iked/internal/ike"
)

var defaultRand io.Reader = rand.Reader

// dhKey is our half of a key exchange.
type dhKey interface {
	public() []byte
	shared(peer []byte) ([]byte, error)
	zero()
}

// dhSupported reports whether we can compute group.
func dhSupported(group uint16) bool {
	switch group {
	case 14, 19, 20, 31:
		return true
	}
	return false
}

func newDHKey(group uint16, rnd io.Reader) (dhKey, error) {
	switch group {
	case 31:
		return newECDH(ecdh.X25519(), false, rnd)
	case 19:
		return newECDH(ecdh.P256(), true, rnd)
	case 20:
		return newECDH(ecdh.P384(), true, rnd)
	case 14:
		return newMODP(modp2048, rnd)
	}
	return nil, errors.New("ikev2: unsupported DH group " + itoa(int(group)))
}

type ecdhKey struct {
	priv  *ecdh.PrivateKey
	curve ecdh.Curve
	ecp   bool // RFC 5903: x | y without the 0x04 point format byte
}

func newECDH(c ecdh.Curve, ecp bool, rnd io.Reader) (*ecdhKey, error) {
	k, err := c.GenerateKey(rnd)
	if err != nil {
		return nil, err
	}
	return &ecdhKey{priv: k, curve: c, ecp: ecp}, nil
}

func (k *ecdhKey) public() []byte {
	b := k.priv.PublicKey().Bytes()
	if k.ecp {
		return b[1:]
	}
	return b
}

func (k *ecdhKey) shared(peer []byte) ([]byte, error) {
	if k.ecp {
		peer = append([]byte{4}, peer...)
	}
	pub, err := k.curve.NewPublicKey(peer)
	if err != nil {
		return nil, err
	}
	return k.priv.ECDH(pub)
}

func (k *ecdhKey) zero() { k.priv = nil }

var modp2048, _ = new(big.Int).SetString("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF", 16)

type modpKey struct {
	p, x *big.Int
	pub  []byte
}

func newMODP(p *big.Int, rnd io.Reader) (*modpKey, error) {
	n := (p.BitLen() + 7) / 8
	b := make([]byte, 32) // 256-bit exponent, RFC 3526 strength for 2048 bits
	if _, err := io.ReadFull(rnd, b); err != nil {
		return nil, err
	}
	x := new(big.Int).SetBytes(b)
	y := new(big.Int).Exp(big.NewInt(2), x, p)
	return &modpKey{p: p, x: x, pub: y.FillBytes(make([]byte, n))}, nil
}

func (k *modpKey) public() []byte { return k.pub }

func (k *modpKey) shared(peer []byte) ([]byte, error) {
	n := (k.p.BitLen() + 7) / 8
	y := new(big.Int).SetBytes(peer)
	one := big.NewInt(1)
	if len(peer) != n || y.Cmp(one) <= 0 || y.Cmp(new(big.Int).Sub(k.p, one)) >= 0 {
		return nil, errors.New("ikev2: bad MODP public value")
	}
	return new(big.Int).Exp(y, k.x, k.p).FillBytes(make([]byte, n)), nil
}

func (k *modpKey) zero() { k.x.SetInt64(0) }

func prfHash(id uint16) func() hash.Hash {
	switch id {
	case 2:
		return sha1.New
	case 5:
		return sha256.New
	case 6:
		return sha512.New384
	case 7:
		return sha512.New
	}
	return nil
}

// prfSize is the output (and preferred key) size of a PRF; 0 if unknown.
func prfSize(id uint16) int {
	if h := prfHash(id); h != nil {
		return h().Size()
	}
	return 0
}

func prfCompute(id uint16, key []byte, data ...[]byte) []byte {
	m := hmac.New(prfHash(id), key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

// prfPlus is prf+ (RFC 7296 2.13).
func prfPlus(id uint16, key, seed []byte, n int) []byte {
	m := hmac.New(prfHash(id), key)
	out := make([]byte, 0, n+m.Size())
	var prev []byte
	for i := byte(1); len(out) < n; i++ {
		m.Reset()
		m.Write(prev)
		m.Write(seed)
		m.Write([]byte{i})
		start := len(out)
		out = m.Sum(out)
		prev = out[start:]
	}
	return out[:n:n]
}

// encrKeyLen is the key material an ENCR transform takes, salt included;
// -1 if unsupported.
func encrKeyLen(a ike.EncrAlg) int {
	switch a.ID {
	case 12: // AES-CBC
		if a.KeyBits == 128 || a.KeyBits == 192 || a.KeyBits == 256 {
			return int(a.KeyBits) / 8
		}
	case 20: // AES-GCM-16
		if a.KeyBits == 128 || a.KeyBits == 192 || a.KeyBits == 256 {
			return int(a.KeyBits)/8 + 4
		}
	case 3: // 3DES
		return 24
	}
	return -1
}

// integKeyLen is an INTEG transform's key size; 0 for NONE, -1 if unknown.
func integKeyLen(id uint16) int {
	switch id {
	case 0:
		return 0
	case 2:
		return 20
	case 12:
		return 32
	case 13:
		return 48
	case 14:
		return 64
	}
	return -1
}

func integSpec(id uint16) (func() hash.Hash, int) {
	switch id {
	case 2:
		return sha1.New, 12
	case 12:
		return sha256.New, 16
	case 13:
		return sha512.New384, 24
	case 14:
		return sha512.New, 32
	}
	return nil, 0
}

// newSK makes the SK cipher of one direction.
func newSK(a ike.EncrAlg, integ uint16, ek, ik []byte) (SKCipher, error) {
	switch a.ID {
	case 20:
		blk, err := aes.NewCipher(ek[:len(ek)-4])
		if err != nil {
			return nil, err
		}
		g, err := cipher.NewGCM(blk)
		if err != nil {
			return nil, err
		}
		c := &skGCM{aead: g}
		copy(c.salt[:], ek[len(ek)-4:])
		return c, nil
	case 12:
		blk, err := aes.NewCipher(ek)
		if err != nil {
			return nil, err
		}
		h, n := integSpec(integ)
		if h == nil {
			return nil, errors.New("ikev2: unsupported INTEG " + itoa(int(integ)))
		}
		return &skCBC{blk: blk, mac: hmac.New(h, ik), icv: n}, nil
	}
	return nil, errors.New("ikev2: unsupported ENCR " + itoa(int(a.ID)))
}

// skGCM is AES-GCM with a 16-octet ICV for IKEv2 (RFC 5282). The 8-byte IV
// is a counter, so it never repeats under one key.
type skGCM struct {
	aead cipher.AEAD
	salt [4]byte
	ctr  uint64
}

func (c *skGCM) IVSize() int    { return 8 }
func (c *skGCM) BlockSize() int { return 1 }
func (c *skGCM) ICVSize() int   { return 16 }

func (c *skGCM) Seal(msg []byte, aadLen int) error {
	c.ctr++
	iv := msg[aadLen : aadLen+8]
	binary.BigEndian.PutUint64(iv, c.ctr)
	var nonce [12]byte
	copy(nonce[:], c.salt[:])
	copy(nonce[4:], iv)
	p := msg[aadLen+8 : len(msg)-16]
	c.aead.Seal(p[:0], nonce[:], p, msg[:aadLen])
	return nil
}

func (c *skGCM) Open(msg []byte, aadLen int) ([]byte, error) {
	var nonce [12]byte
	copy(nonce[:], c.salt[:])
	copy(nonce[4:], msg[aadLen:aadLen+8])
	ct := msg[aadLen+8:]
	return c.aead.Open(ct[:0], nonce[:], ct, msg[:aadLen])
}

// skCBC is AES-CBC with an HMAC integrity transform (RFC 7296 3.14).
type skCBC struct {
	blk cipher.Block
	mac hash.Hash
	icv int
	sum [64]byte
}

func (c *skCBC) IVSize() int    { return 16 }
func (c *skCBC) BlockSize() int { return 16 }
func (c *skCBC) ICVSize() int   { return c.icv }

func (c *skCBC) tag(b []byte) []byte {
	c.mac.Reset()
	c.mac.Write(b)
	return c.mac.Sum(c.sum[:0])[:c.icv]
}

func (c *skCBC) Seal(msg []byte, aadLen int) error {
	iv, p := msg[aadLen:aadLen+16], msg[aadLen+16:len(msg)-c.icv]
	cipher.NewCBCEncrypter(c.blk, iv).CryptBlocks(p, p)
	copy(msg[len(msg)-c.icv:], c.tag(msg[:len(msg)-c.icv]))
	return nil
}

func (c *skCBC) Open(msg []byte, aadLen int) ([]byte, error) {
	if len(msg) < aadLen+16+c.icv {
		return nil, errors.New("short")
	}
	if !hmac.Equal(c.tag(msg[:len(msg)-c.icv]), msg[len(msg)-c.icv:]) {
		return nil, errors.New("ICV mismatch")
	}
	iv, p := msg[aadLen:aadLen+16], msg[aadLen+16:len(msg)-c.icv]
	cipher.NewCBCDecrypter(c.blk, iv).CryptBlocks(p, p)
	return p, nil
}
