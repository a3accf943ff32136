package ikev2

// keymat holds the keys an established IKE SA keeps (RFC 7296 2.14).
type keymat struct {
	skD    [64]byte // SK_d, prf-sized
	skDLen uint8
}

// handshake holds what only IKE_SA_INIT and IKE_AUTH need; it is dropped
// when the SA is established.
type handshake struct {
	nonceI, nonceR []byte
	initI, initR   []byte // the IKE_SA_INIT messages, signed by AUTH
}
