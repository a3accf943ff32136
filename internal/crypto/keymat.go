package crypto

import (
	"errors"
	"fmt"
	"log/slog"
)

// IKESAKeys are the seven secrets of an IKE SA (RFC 7296 2.14). They print
// and log as [redacted].
type IKESAKeys struct {
	SKd        []byte // for Child SA and rekeyed IKE SA keying material
	SKai, SKar []byte // integrity keys (empty with an AEAD)
	SKei, SKer []byte // encryption keys, including the salt of AEAD/CTR modes
	SKpi, SKpr []byte // for the AUTH payload
}

// String hides the key material.
func (*IKESAKeys) String() string { return redacted }

// LogValue hides the key material from slog.
func (*IKESAKeys) LogValue() slog.Value { return slog.StringValue(redacted) }

// Zero erases every key.
func (k *IKESAKeys) Zero() {
	for _, b := range [][]byte{k.SKd, k.SKai, k.SKar, k.SKei, k.SKer, k.SKpi, k.SKpr} {
		clear(b)
	}
}

// IKESAKeyLengths are the lengths the negotiated transforms take from prf+:
// EncrLen from Transform.KeyLen (salt included), IntegLen is the INTEG
// transform's KeySize (0 with an AEAD). SK_d, SK_pi and SK_pr take the PRF's
// preferred key size (RFC 7296 2.14).
type IKESAKeyLengths struct {
	EncrLen, IntegLen int
}

// SKEYSEED returns prf(Ni | Nr, g^ir) (RFC 7296 2.14). For AES-XCBC-PRF-128
// and AES-CMAC-PRF-128 only the first 64 bits of each nonce form the key.
func SKEYSEED(p PRF, ni, nr, gir []byte) ([]byte, error) {
	var key []byte
	if p.ID() == PRFAES128XCBC || p.ID() == PRFAES128CMAC {
		if len(ni) < 8 || len(nr) < 8 {
			return nil, errors.New("crypto: SKEYSEED: nonce shorter than 64 bits")
		}
		key = append(append(make([]byte, 0, 16), ni[:8]...), nr[:8]...)
	} else {
		key = append(append(make([]byte, 0, len(ni)+len(nr)), ni...), nr...)
	}
	return p.Compute(nil, key, gir)
}

// RekeySKEYSEED returns prf(SK_d (old), g^ir (new) | Ni | Nr) computed with
// the old IKE SA's PRF (RFC 7296 2.18).
func RekeySKEYSEED(oldPRF PRF, oldSKd, gir, ni, nr []byte) ([]byte, error) {
	return oldPRF.Compute(nil, oldSKd, gir, ni, nr)
}

// DeriveIKESAKeys computes SKEYSEED from the IKE_SA_INIT exchange and splits
// prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) into the seven keys (RFC 7296 2.14).
// spii and spir are the 8-byte IKE SPIs in wire order.
func DeriveIKESAKeys(p PRF, ni, nr, gir, spii, spir []byte, l IKESAKeyLengths) (*IKESAKeys, error) {
	seed, err := SKEYSEED(p, ni, nr, gir)
	if err != nil {
		return nil, err
	}
	defer clear(seed)
	return ikeSAKeys(p, seed, ni, nr, spii, spir, l)
}

// DeriveRekeyedIKESAKeys derives the keys of the IKE SA created by a rekey
// (RFC 7296 2.18): SKEYSEED with the old SA's PRF and SK_d, then prf+ with
// the new SA's PRF over the new nonces and SPIs. strongSwan (5.9, 6.0) runs
// prf+ with the old SA's PRF too; the results differ only when a rekey
// changes the PRF, so the engine should keep the PRF on IKE SA rekeys.
func DeriveRekeyedIKESAKeys(oldPRF PRF, oldSKd []byte, newPRF PRF, gir, ni, nr, spii, spir []byte, l IKESAKeyLengths) (*IKESAKeys, error) {
	seed, err := RekeySKEYSEED(oldPRF, oldSKd, gir, ni, nr)
	if err != nil {
		return nil, err
	}
	defer clear(seed)
	return ikeSAKeys(newPRF, seed, ni, nr, spii, spir, l)
}

func ikeSAKeys(p PRF, skeyseed, ni, nr, spii, spir []byte, l IKESAKeyLengths) (*IKESAKeys, error) {
	if len(spii) != 8 || len(spir) != 8 {
		return nil, fmt.Errorf("crypto: IKE SPIs must be 8 bytes, got %d and %d", len(spii), len(spir))
	}
	s := make([]byte, 0, len(ni)+len(nr)+16)
	s = append(append(append(append(s, ni...), nr...), spii...), spir...)
	pk := p.KeySize()
	km, err := PRFPlus(p, skeyseed, s, 3*pk+2*l.IntegLen+2*l.EncrLen)
	if err != nil {
		return nil, err
	}
	k := &IKESAKeys{}
	for _, f := range []struct {
		dst *[]byte
		n   int
	}{{&k.SKd, pk}, {&k.SKai, l.IntegLen}, {&k.SKar, l.IntegLen}, {&k.SKei, l.EncrLen},
		{&k.SKer, l.EncrLen}, {&k.SKpi, pk}, {&k.SKpr, pk}} {
		*f.dst = km[:f.n:f.n]
		km = km[f.n:]
	}
	return k, nil
}

// ChildKeys is the keying material of one Child SA pair (RFC 7296 2.17):
// I is the initiator-to-responder SA, R the other direction. Encryption
// keys include any salt/nonce, as the kernel takes them.
type ChildKeys struct {
	EncrI, IntegI []byte
	EncrR, IntegR []byte
}

// String hides the key material.
func (*ChildKeys) String() string { return redacted }

// LogValue hides the key material from slog.
func (*ChildKeys) LogValue() slog.Value { return slog.StringValue(redacted) }

// Zero erases every key.
func (k *ChildKeys) Zero() {
	for _, b := range [][]byte{k.EncrI, k.IntegI, k.EncrR, k.IntegR} {
		clear(b)
	}
}

// DeriveChildKeys returns KEYMAT = prf+(SK_d, Ni | Nr), or with PFS
// prf+(SK_d, g^ir (new) | Ni | Nr) when gir is not nil (RFC 7296 2.17).
// Keys of the initiator-to-responder SA come first, and within an SA the
// encryption key precedes the integrity key.
func DeriveChildKeys(p PRF, skd, gir, ni, nr []byte, encrLen, integLen int) (*ChildKeys, error) {
	s := make([]byte, 0, len(gir)+len(ni)+len(nr))
	s = append(append(append(s, gir...), ni...), nr...)
	defer clear(s)
	km, err := PRFPlus(p, skd, s, 2*(encrLen+integLen))
	if err != nil {
		return nil, err
	}
	k := &ChildKeys{}
	for _, f := range []struct {
		dst *[]byte
		n   int
	}{{&k.EncrI, encrLen}, {&k.IntegI, integLen}, {&k.EncrR, encrLen}, {&k.IntegR, integLen}} {
		*f.dst = km[:f.n:f.n]
		km = km[f.n:]
	}
	return k, nil
}
