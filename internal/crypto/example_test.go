package crypto_test

import (
	"bytes"
	"crypto/rand"
	"fmt"

	"github.com/racoon2go/iked/internal/crypto"
)

// Example walks one IKE SA setup through the package: Curve25519, the seven
// keys, the SK payload of both directions and the shared key MIC.
func Example() {
	group, _ := crypto.NewDH(uint16(crypto.DHCurve25519))
	ki, _ := group.GenerateKey(rand.Reader) // initiator
	kr, _ := group.GenerateKey(rand.Reader) // responder
	gir, _ := kr.SharedSecret(ki.PublicValue())
	ki.Zero()
	kr.Zero()

	prf, _ := crypto.NewPRF(crypto.PRFHMACSHA2_256)
	encr, _ := crypto.LookupTransform(crypto.TransformEncr, uint16(crypto.EncrAESGCM16))
	encrLen, _ := encr.KeyLen(256) // 32-byte key + 4-byte salt
	ni, nr := make([]byte, 32), make([]byte, 32)
	rand.Read(ni)
	rand.Read(nr)
	spii, spir := []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{8, 7, 6, 5, 4, 3, 2, 1}
	keys, _ := crypto.DeriveIKESAKeys(prf, ni, nr, gir, spii, spir, crypto.IKESAKeyLengths{EncrLen: encrLen})
	defer keys.Zero()

	// The initiator seals with SK_ei; the responder opens with the same key.
	send, _ := crypto.NewSKCipher(uint16(crypto.EncrAESGCM16), 256, 0, keys.SKei, nil)
	recv, _ := crypto.NewSKCipher(uint16(crypto.EncrAESGCM16), 256, 0, keys.SKei, nil)
	const aad = 28 + 4                         // IKE header + SK payload header
	plain := []byte("IDi|AUTH|SA|TSi|TSr\x00") // payloads || pad length 0
	msg := make([]byte, aad+send.IVSize()+len(plain)+send.ICVSize())
	copy(msg[aad+send.IVSize():], plain)
	send.Seal(msg, aad)
	got, err := recv.Open(msg, aad)
	fmt.Println(bytes.Equal(got, plain), err)

	// AUTH with a pre-shared key (RFC 7296 2.15).
	octets, _ := crypto.SignedOctets(prf, []byte("IKE_SA_INIT request"), nr, keys.SKpi, []byte{2, 0, 0, 0, 'a'})
	auth, _ := crypto.SharedKeyAUTH(prf, []byte("secret"), octets)
	fmt.Println(crypto.VerifySharedKeyAUTH(prf, []byte("secret"), octets, auth))
	// Output:
	// true <nil>
	// <nil>
}
