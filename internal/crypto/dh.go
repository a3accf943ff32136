package crypto

import (
	"crypto/ecdh"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// DHGroup is a Diffie-Hellman group of the KE payload (RFC 7296 3.4).
type DHGroup interface {
	ID() DHID
	// PublicSize is the length of the public value in the KE payload.
	PublicSize() int
	// GenerateKey makes a fresh private value from rand.
	GenerateKey(rand io.Reader) (DHKey, error)
}

// DHKey is one side's ephemeral key.
type DHKey interface {
	// PublicValue is the Key Exchange Data of the KE payload.
	PublicValue() []byte
	// SharedSecret validates the peer's public value (RFC 6989) and returns
	// g^ir as an octet string of the group's fixed length (RFC 7296 2.14).
	// The caller clears it once the keys are derived.
	SharedSecret(peer []byte) ([]byte, error)
	// Zero erases the private value; the key cannot be used afterwards.
	Zero()
}

// Errors of DH computations.
var (
	ErrDHPeerValue = errors.New("crypto: invalid peer DH public value")
	ErrDHZeroed    = errors.New("crypto: DH private value already erased")
)

// NewDH returns the group with the given IANA transform ID.
func NewDH(group uint16) (DHGroup, error) {
	id := DHID(group)
	if hex, ok := modpPrimes[id]; ok {
		p, _ := new(big.Int).SetString(hex, 16)
		return &modpGroup{
			id:      id,
			p:       p,
			pm1:     new(big.Int).Sub(p, big.NewInt(1)),
			size:    (p.BitLen() + 7) / 8,
			expBits: modpExpBits[id],
		}, nil
	}
	switch id {
	case DHECP256:
		return &ecpGroup{id, ecdh.P256(), 32}, nil
	case DHECP384:
		return &ecpGroup{id, ecdh.P384(), 48}, nil
	case DHECP521:
		return &ecpGroup{id, ecdh.P521(), 66}, nil
	case DHCurve25519:
		return x25519Group{}, nil
	}
	return nil, fmt.Errorf("crypto: unsupported DH group %s", id)
}

// modpGroup is a MODP group with generator 2 (RFC 2409 6, RFC 3526). The
// private exponent has twice the group's estimated strength in bits
// (RFC 3526 8). math/big is not constant time; prefer ECP or Curve25519.
type modpGroup struct {
	id      DHID
	p, pm1  *big.Int
	size    int
	expBits int
}

type modpKey struct {
	g   *modpGroup
	x   *big.Int
	pub []byte
}

var two = big.NewInt(2)

func (g *modpGroup) ID() DHID        { return g.id }
func (g *modpGroup) PublicSize() int { return g.size }

func (g *modpGroup) GenerateKey(rand io.Reader) (DHKey, error) {
	b := make([]byte, (g.expBits+7)/8)
	defer clear(b)
	x := new(big.Int)
	for x.Cmp(two) < 0 {
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, fmt.Errorf("crypto: DH private value: %w", err)
		}
		x.SetBytes(b)
	}
	y := new(big.Int).Exp(two, x, g.p)
	return &modpKey{g: g, x: x, pub: y.FillBytes(make([]byte, g.size))}, nil
}

func (k *modpKey) PublicValue() []byte { return k.pub }

func (k *modpKey) SharedSecret(peer []byte) ([]byte, error) {
	if k.x == nil {
		return nil, ErrDHZeroed
	}
	if len(peer) != k.g.size {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrDHPeerValue, len(peer), k.g.size)
	}
	// RFC 6989 2.1: 1 < y < p-1 (for these safe primes that suffices).
	y := new(big.Int).SetBytes(peer)
	if y.Cmp(two) < 0 || y.Cmp(k.g.pm1) >= 0 {
		return nil, ErrDHPeerValue
	}
	z := y.Exp(y, k.x, k.g.p)
	defer zeroInt(z)
	if z.Cmp(big.NewInt(1)) == 0 {
		return nil, ErrDHPeerValue
	}
	return z.FillBytes(make([]byte, k.g.size)), nil
}

func (k *modpKey) Zero() {
	if k.x != nil {
		zeroInt(k.x)
		k.x = nil
	}
}

// zeroInt overwrites the words of x.
func zeroInt(x *big.Int) {
	clear(x.Bits())
	x.SetInt64(0)
}

// ecpGroup is a NIST curve with the RFC 5903 encoding: the public value is
// x || y without the 0x04 prefix and the shared secret is x alone.
type ecpGroup struct {
	id    DHID
	curve ecdh.Curve
	n     int // field element size
}

type ecpKey struct {
	g    *ecpGroup
	priv *ecdh.PrivateKey
	pub  []byte
}

func (g *ecpGroup) ID() DHID        { return g.id }
func (g *ecpGroup) PublicSize() int { return 2 * g.n }

// GenerateKey reads the scalar from rand itself (crypto/ecdh ignores its
// reader) so that tests can inject known private values.
func (g *ecpGroup) GenerateKey(rand io.Reader) (DHKey, error) {
	b := make([]byte, g.n)
	defer clear(b)
	for range 100 {
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, fmt.Errorf("crypto: ECDH private value: %w", err)
		}
		if g.id == DHECP521 {
			b[0] &= 1 // the order is 521 bits long
		}
		priv, err := g.curve.NewPrivateKey(b)
		if err != nil {
			continue // zero or not below the order: draw again
		}
		return &ecpKey{g: g, priv: priv, pub: priv.PublicKey().Bytes()[1:]}, nil
	}
	return nil, errors.New("crypto: ECDH: no valid scalar from the random source")
}

func (k *ecpKey) PublicValue() []byte { return k.pub }

// SharedSecret rejects values that are not points of the curve or that are
// the point at infinity (RFC 6989 2.3; crypto/ecdh checks both).
func (k *ecpKey) SharedSecret(peer []byte) ([]byte, error) {
	if k.priv == nil {
		return nil, ErrDHZeroed
	}
	if len(peer) != 2*k.g.n {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrDHPeerValue, len(peer), 2*k.g.n)
	}
	var buf [1 + 2*66]byte
	buf[0] = 4
	copy(buf[1:], peer)
	return ecdhSecret(k.priv, k.g.curve, buf[:1+len(peer)])
}

// ecdhSecret decodes the peer's public value on curve and returns the
// shared secret; a value the curve refuses, or one giving a refused result,
// is ErrDHPeerValue.
func ecdhSecret(priv *ecdh.PrivateKey, curve ecdh.Curve, peer []byte) ([]byte, error) {
	pk, err := curve.NewPublicKey(peer)
	if err != nil {
		return nil, ErrDHPeerValue
	}
	z, err := priv.ECDH(pk)
	if err != nil {
		return nil, ErrDHPeerValue
	}
	return z, nil
}

// Zero drops the private key. crypto/ecdh keeps its own copy of the scalar,
// which cannot be scrubbed from here; it becomes garbage.
func (k *ecpKey) Zero() { k.priv = nil }

// x25519Group is Curve25519 (RFC 8031, RFC 7748) through crypto/ecdh: one
// scalar multiplication for the key and one for the secret.
type x25519Group struct{}

type x25519Key struct {
	priv *ecdh.PrivateKey
	pub  []byte
}

func (x25519Group) ID() DHID        { return DHCurve25519 }
func (x25519Group) PublicSize() int { return 32 }

// GenerateKey reads the 32-byte scalar from rand (clamped by X25519 itself,
// RFC 7748 5).
func (x25519Group) GenerateKey(rand io.Reader) (DHKey, error) {
	var b [32]byte
	defer clear(b[:])
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return nil, fmt.Errorf("crypto: X25519 private value: %w", err)
	}
	priv, err := ecdh.X25519().NewPrivateKey(b[:])
	if err != nil {
		return nil, err
	}
	return &x25519Key{priv: priv, pub: priv.PublicKey().Bytes()}, nil
}

func (k *x25519Key) PublicValue() []byte { return k.pub }

// SharedSecret rejects an all-zero result (RFC 8031 2, RFC 7748 6.1), which a
// low-order peer value produces; crypto/ecdh makes that check.
func (k *x25519Key) SharedSecret(peer []byte) ([]byte, error) {
	if k.priv == nil {
		return nil, ErrDHZeroed
	}
	if len(peer) != 32 {
		return nil, fmt.Errorf("%w: %d bytes, want 32", ErrDHPeerValue, len(peer))
	}
	return ecdhSecret(k.priv, ecdh.X25519(), peer)
}

// Zero drops the private key; as for ECP, crypto/ecdh's own copy of the
// scalar cannot be scrubbed from here.
func (k *x25519Key) Zero() { k.priv = nil }
