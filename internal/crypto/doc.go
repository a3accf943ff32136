// Package crypto holds the cryptography that IKEv2 (and later IKEv1) needs
// below the state machine: the transform registry keyed by IANA IDs, the
// pseudorandom functions and prf+ (RFC 7296 2.13), the Diffie-Hellman groups
// with the peer checks of RFC 6989, IKE SA and Child SA key derivation
// (RFC 7296 2.14, 2.17, 2.18), the protection of the Encrypted payload
// (RFC 7296 3.14, RFC 5282, RFC 7634) and the AUTH payload computations
// (RFC 7296 2.15, RFC 4754, RFC 7427).
//
// It imports only the standard library and golang.org/x/crypto. Nothing here
// knows racoon2.conf keywords: the conf package maps those to IANA IDs.
//
// Objects are not safe for concurrent use unless stated otherwise: the IKE
// engine owns each SA from one goroutine.
package crypto
