package crypto

import (
	"crypto/subtle"
	"errors"
)

// keyPad is the constant of the shared key MIC (RFC 7296 2.15).
const keyPad = "Key Pad for IKEv2"

// ErrAuthFailed reports an AUTH payload that does not verify.
var ErrAuthFailed = errors.New("crypto: AUTH verification failed")

// SignedOctets builds the octets that AUTH covers (RFC 7296 2.15):
//
//	RealMessage | NonceData | prf(SK_p, RestOfIDPayload)
//
// where realMessage is this side's first message (IKE_SA_INIT), nonce is
// the peer's nonce data, skp is this side's SK_pi or SK_pr and idBody is
// this side's ID payload without its generic header (ID Type, RESERVED,
// Identification Data).
func SignedOctets(p PRF, realMessage, nonce, skp, idBody []byte) ([]byte, error) {
	out := make([]byte, 0, len(realMessage)+len(nonce)+p.Size())
	out = append(append(out, realMessage...), nonce...)
	return p.Compute(out, skp, idBody)
}

// SharedKeyAUTH returns the AUTH Data of the shared key MIC method (RFC 7296
// 2.15): prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>). The
// same formula serves EAP methods with the MSK as the secret.
func SharedKeyAUTH(p PRF, secret, signedOctets []byte) ([]byte, error) {
	k, err := p.Compute(nil, secret, []byte(keyPad))
	if err != nil {
		return nil, err
	}
	defer clear(k)
	return p.Compute(nil, k, signedOctets)
}

// VerifySharedKeyAUTH compares auth with the expected MIC in constant time.
func VerifySharedKeyAUTH(p PRF, secret, signedOctets, auth []byte) error {
	want, err := SharedKeyAUTH(p, secret, signedOctets)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(want, auth) != 1 {
		return ErrAuthFailed
	}
	return nil
}
