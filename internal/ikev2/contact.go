package ikev2

// initialContact honours INITIAL_CONTACT (RFC 7296 3.16): the peer has no
// state from before, so every other IKE SA with the same remote and peer
// identity, and its children, is removed without telling the peer (it
// could not decrypt our Delete). racoon2 ignores the notify.
func (e *Engine) initialContact(sa *IKESA) {
	sa.contact = false
	for _, x := range e.sortedSAs() {
		if x == sa || x.state < stateEstablished || x.peer != sa.peer || !x.peerID.Equal(sa.peerID) {
			continue
		}
		e.ext.stats.InitialContacts++
		x.log.Info("INITIAL_CONTACT: removing the peer's old IKE SA", "new-ike-sa", spiString(sa.ourSPI()))
		e.destroy(x, "INITIAL_CONTACT")
	}
}

// onlySA reports whether sa would be our only IKE SA with its remote: then
// INITIAL_CONTACT goes out (RFC 7296 3.16), also after the first contact
// racoon2 limits it to, so that a peer that kept stale SAs (our Delete
// lost) drops them.
func (e *Engine) onlySA(sa *IKESA) bool {
	for _, x := range e.sas.bySPI {
		if x != sa && x.peer == sa.peer && x.state >= stateAuth && x.state <= stateEstablished {
			return false
		}
	}
	return true
}
