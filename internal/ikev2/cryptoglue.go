package ikev2

// The engine's single point of contact with the transform registry
// (internal/crypto): PRFs, DH groups, key lengths and SK ciphers.

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"

	"github.com/racoon2go/iked/internal/crypto"
	"github.com/racoon2go/iked/internal/ike"
)

var defaultRand io.Reader = rand.Reader

// dhKey is our half of a key exchange.
type dhKey = crypto.DHKey

// prfs caches the PRF objects, which are immutable and safe to share
// between workers, by IANA ID.
var prfs = func() (t [16]crypto.PRF) {
	for id := range t {
		if p, err := crypto.NewPRF(crypto.PRFID(id)); err == nil {
			t[id] = p
		}
	}
	return t
}()

func prfOf(id uint16) crypto.PRF {
	if int(id) < len(prfs) {
		return prfs[id]
	}
	return nil
}

// dhSupported reports whether we can compute group.
func dhSupported(group uint16) bool {
	_, err := crypto.NewDH(group)
	return err == nil
}

func newDHKey(group uint16, rnd io.Reader) (dhKey, error) {
	g, err := crypto.NewDH(group)
	if err != nil {
		return nil, err
	}
	return g.GenerateKey(rnd)
}

// encrKeyLen is the key material an ENCR transform takes, salt included;
// -1 if unsupported.
func encrKeyLen(a ike.EncrAlg) int {
	if a.ID == 0 {
		return 0 // AH: no encryption transform
	}
	t, ok := crypto.LookupTransform(crypto.TransformEncr, a.ID)
	if !ok {
		return -1
	}
	n, err := t.KeyLen(int(a.KeyBits))
	if err != nil {
		return -1
	}
	return n
}

// integKeyLen is an INTEG transform's key size; 0 for NONE, -1 if unknown.
func integKeyLen(id uint16) int {
	if id == 0 {
		return 0
	}
	t, ok := crypto.LookupTransform(crypto.TransformInteg, id)
	if !ok {
		return -1
	}
	return t.KeySize
}

// newSK makes the SK cipher of one direction.
func newSK(a ike.EncrAlg, integ uint16, ek, ik []byte) (SKCipher, error) {
	return crypto.NewSKCipher(a.ID, int(a.KeyBits), integ, ek, ik)
}

// deriveIKE computes SKEYSEED and the seven keys (RFC 7296 2.14) and makes
// the SK ciphers; SK_d is copied into the keymat's fixed array.
func deriveIKE(s suite, ni, nr, shared []byte, spiI, spiR uint64, initiator bool) (ikeKeys, error) {
	var k ikeKeys
	p := prfOf(s.prf)
	ek, ik := encrKeyLen(s.encr), integKeyLen(s.integ)
	if p == nil || p.KeySize() > len(k.km.skD) || ek < 0 || ik < 0 {
		return k, errors.New("ikev2: unsupported IKE transforms")
	}
	var si, sr [8]byte
	binary.BigEndian.PutUint64(si[:], spiI)
	binary.BigEndian.PutUint64(sr[:], spiR)
	keys, err := crypto.DeriveIKESAKeys(p, ni, nr, shared, si[:], sr[:], crypto.IKESAKeyLengths{EncrLen: ek, IntegLen: ik})
	if err != nil {
		return k, err
	}
	defer keys.Zero()
	k.km.skDLen = uint8(copy(k.km.skD[:], keys.SKd))
	k.km.prf = s.prf
	k.skPi = append([]byte(nil), keys.SKpi...)
	k.skPr = append([]byte(nil), keys.SKpr...)
	k.km.encr, k.km.integ = s.encr, s.integ
	ki, kr := &k.km.keyOut, &k.km.keyIn
	if !initiator {
		ki, kr = kr, ki
	}
	if !ki.set(keys.SKei, keys.SKai) || !kr.set(keys.SKer, keys.SKar) {
		return k, errors.New("ikev2: key too long")
	}
	// Build both ciphers once now: it checks the keys, and the handshake
	// uses them right away.
	if _, err := k.km.cipherIn(); err != nil {
		return k, err
	}
	if _, err := k.km.cipherOut(); err != nil {
		return k, err
	}
	return k, nil
}

// childKeys derives a CHILD_SA's keys (RFC 7296 2.17).
func childKeys(prf uint16, skd, gir, ni, nr []byte, encr ike.EncrAlg, integ uint16) (*crypto.ChildKeys, error) {
	ek, ik := encrKeyLen(encr), integKeyLen(integ)
	p := prfOf(prf)
	if ek < 0 || ik < 0 || p == nil {
		return nil, errors.New("ikev2: unsupported child transforms")
	}
	return crypto.DeriveChildKeys(p, skd, gir, ni, nr, ek, ik)
}

// signedOctets returns the octets AUTH covers (RFC 7296 2.15).
func signedOctets(prf uint16, msg, nonce, skp []byte, id *ID) []byte {
	idb := id.appendBody(make([]byte, 0, 4+len(id.Data)))
	out, err := crypto.SignedOctets(prfOf(prf), msg, nonce, skp, idb)
	if err != nil {
		return nil
	}
	return out
}

// pskAuth computes the shared key MIC.
func pskAuth(prf uint16, psk, octets []byte) []byte {
	a, err := crypto.SharedKeyAUTH(prfOf(prf), psk, octets)
	if err != nil {
		return nil
	}
	return a
}

func pskVerify(prf uint16, psk, octets, auth []byte) bool {
	return crypto.VerifySharedKeyAUTH(prfOf(prf), psk, octets, auth) == nil
}
