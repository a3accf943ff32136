package crypto

import (
	"fmt"
	"slices"
)

// Transform describes one IANA transform: the sizes the engine and the kernel
// need and the policy flags. Values are copies; the table is read-only.
type Transform struct {
	Type TransformType
	ID   uint16
	Name string // IANA name

	// KeyBits lists the values the Key Length attribute may take (RFC 7296
	// 3.3.5); nil means the transform has a fixed key size and the attribute
	// must be absent. KeySize is the fixed key size in bytes (or 0).
	KeyBits []int
	KeySize int
	// SaltSize is keying material taken after the cipher key: the AEAD salt
	// (RFC 5282 7.1, RFC 7634 2) or the CTR nonce (RFC 3686, RFC 5930).
	SaltSize int

	IVSize    int // bytes of IV in the SK payload or ESP packet
	BlockSize int // padding unit of the SK payload
	ICVSize   int // AEAD ICV or truncated INTEG output
	OutSize   int // PRF output size
	PubSize   int // DH public value size in the KE payload

	AEAD    bool // combined mode: INTEG must be NONE
	Weak    bool // legacy: negotiate only when configured explicitly
	ESPOnly bool // never valid for an IKE SA (ENCR_NULL, GMAC)
}

// KeyLen returns the bytes of keying material the transform takes from prf+
// for a negotiated Key Length attribute of keyBits (0 when absent),
// including any salt (RFC 7296 2.14 and 2.17). It checks keyBits.
func (t Transform) KeyLen(keyBits int) (int, error) {
	if t.KeyBits == nil {
		if keyBits != 0 && keyBits != t.KeySize*8 {
			return 0, fmt.Errorf("crypto: %s takes no key length %d", t.Name, keyBits)
		}
		return t.KeySize + t.SaltSize, nil
	}
	if !slices.Contains(t.KeyBits, keyBits) {
		return 0, fmt.Errorf("crypto: %s: invalid key length %d", t.Name, keyBits)
	}
	return keyBits/8 + t.SaltSize, nil
}

type transformKey struct {
	t  TransformType
	id uint16
}

var aesBits = []int{128, 192, 256}

var transforms = func() map[transformKey]Transform {
	list := []Transform{
		// ENCR (RFC 7296 3.3.2; RFC 8247 for the weak flags).
		{Type: TransformEncr, ID: uint16(EncrDES3), KeySize: 24, IVSize: 8, BlockSize: 8, Weak: true},
		{Type: TransformEncr, ID: uint16(EncrNULL), BlockSize: 4, ESPOnly: true},
		{Type: TransformEncr, ID: uint16(EncrAESCBC), KeyBits: aesBits, IVSize: 16, BlockSize: 16},
		{Type: TransformEncr, ID: uint16(EncrAESCTR), KeyBits: aesBits, SaltSize: 4, IVSize: 8, BlockSize: 1},
		{Type: TransformEncr, ID: uint16(EncrAESGCM8), KeyBits: aesBits, SaltSize: 4, IVSize: 8, BlockSize: 1, ICVSize: 8, AEAD: true},
		{Type: TransformEncr, ID: uint16(EncrAESGCM12), KeyBits: aesBits, SaltSize: 4, IVSize: 8, BlockSize: 1, ICVSize: 12, AEAD: true},
		{Type: TransformEncr, ID: uint16(EncrAESGCM16), KeyBits: aesBits, SaltSize: 4, IVSize: 8, BlockSize: 1, ICVSize: 16, AEAD: true},
		{Type: TransformEncr, ID: uint16(EncrNullAuthAESGMAC), KeyBits: aesBits, SaltSize: 4, IVSize: 8, BlockSize: 4, ICVSize: 16, AEAD: true, ESPOnly: true},
		{Type: TransformEncr, ID: uint16(EncrChaCha20Poly1305), KeySize: 32, SaltSize: 4, IVSize: 8, BlockSize: 1, ICVSize: 16, AEAD: true},

		// PRF: KeySize is the preferred key size (RFC 7296 2.13).
		{Type: TransformPRF, ID: uint16(PRFHMACMD5), KeySize: 16, OutSize: 16, Weak: true},
		{Type: TransformPRF, ID: uint16(PRFHMACSHA1), KeySize: 20, OutSize: 20},
		{Type: TransformPRF, ID: uint16(PRFAES128XCBC), KeySize: 16, OutSize: 16},
		{Type: TransformPRF, ID: uint16(PRFHMACSHA2_256), KeySize: 32, OutSize: 32},
		{Type: TransformPRF, ID: uint16(PRFHMACSHA2_384), KeySize: 48, OutSize: 48},
		{Type: TransformPRF, ID: uint16(PRFHMACSHA2_512), KeySize: 64, OutSize: 64},
		{Type: TransformPRF, ID: uint16(PRFAES128CMAC), KeySize: 16, OutSize: 16},

		// INTEG.
		{Type: TransformInteg, ID: uint16(IntegHMACMD5_96), KeySize: 16, ICVSize: 12, Weak: true},
		{Type: TransformInteg, ID: uint16(IntegHMACSHA1_96), KeySize: 20, ICVSize: 12},
		{Type: TransformInteg, ID: uint16(IntegAESXCBC_96), KeySize: 16, ICVSize: 12},
		{Type: TransformInteg, ID: uint16(IntegAESCMAC_96), KeySize: 16, ICVSize: 12},
		{Type: TransformInteg, ID: uint16(IntegHMACSHA2_256_128), KeySize: 32, ICVSize: 16},
		{Type: TransformInteg, ID: uint16(IntegHMACSHA2_384_192), KeySize: 48, ICVSize: 24},
		{Type: TransformInteg, ID: uint16(IntegHMACSHA2_512_256), KeySize: 64, ICVSize: 32},

		// DH: MODP groups below 2048 bits are weak (RFC 8247 2.4).
		{Type: TransformDH, ID: uint16(DHMODP768), PubSize: 96, Weak: true},
		{Type: TransformDH, ID: uint16(DHMODP1024), PubSize: 128, Weak: true},
		{Type: TransformDH, ID: uint16(DHMODP1536), PubSize: 192, Weak: true},
		{Type: TransformDH, ID: uint16(DHMODP2048), PubSize: 256},
		{Type: TransformDH, ID: uint16(DHMODP3072), PubSize: 384},
		{Type: TransformDH, ID: uint16(DHMODP4096), PubSize: 512},
		{Type: TransformDH, ID: uint16(DHMODP6144), PubSize: 768},
		{Type: TransformDH, ID: uint16(DHMODP8192), PubSize: 1024},
		{Type: TransformDH, ID: uint16(DHECP256), PubSize: 64},
		{Type: TransformDH, ID: uint16(DHECP384), PubSize: 96},
		{Type: TransformDH, ID: uint16(DHECP521), PubSize: 132},
		{Type: TransformDH, ID: uint16(DHCurve25519), PubSize: 32},
	}
	m := make(map[transformKey]Transform, len(list))
	for _, t := range list {
		t.Name = transformName(t.Type, t.ID)
		m[transformKey{t.Type, t.ID}] = t
	}
	return m
}()

func transformName(t TransformType, id uint16) string {
	switch t {
	case TransformEncr:
		return EncrID(id).String()
	case TransformPRF:
		return PRFID(id).String()
	case TransformInteg:
		return IntegID(id).String()
	case TransformDH:
		return DHID(id).String()
	}
	return fmt.Sprintf("%s(%d)", t, id)
}

// LookupTransform returns the implemented transform (t, id).
func LookupTransform(t TransformType, id uint16) (Transform, bool) {
	tr, ok := transforms[transformKey{t, id}]
	return tr, ok
}

// Transforms returns every implemented transform, ordered by type and ID.
func Transforms() []Transform {
	out := make([]Transform, 0, len(transforms))
	for _, t := range transforms {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Transform) int {
		if a.Type != b.Type {
			return int(a.Type) - int(b.Type)
		}
		return int(a.ID) - int(b.ID)
	})
	return out
}
