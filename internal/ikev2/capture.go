package ikev2

// captureOut records an outgoing message of sa with header h for -P,
// between the addresses it is sent between: a response goes back where its
// request came from. wire is a message sent as it is (IKE_SA_INIT);
// otherwise pl is the plaintext of an encrypted one, recorded before
// encryption. The Capture copies what it keeps, so one scratch buffer
// serves every call. Callers test e.capture != nil first, so that nothing
// is done without -P.
func (e *Engine) captureOut(sa *IKESA, h *Header, wire []byte, pl []Payload) {
	src, dst := sa.local, sa.remote
	if h.IsResponse() {
		src, dst = sa.mgr.reqTo, sa.mgr.reqFrom
	}
	if wire != nil {
		e.capture.Write(e.now(), src, dst, wire)
		return
	}
	// The header as encode sends it; the capture sets Length and points
	// Next Payload at the SK payload it keeps.
	hc := *h
	hc.NextPayload = PayloadSK
	b := appendHeader(e.capBuf[:0], &hc)
	b, first, err := AppendPayloads(b, pl)
	e.capBuf = b[:0]
	if err != nil {
		return // encode fails the same way and reports it
	}
	e.capture.WriteDecrypted(e.now(), src, dst, b[:HeaderLen], uint8(first), b[HeaderLen:])
}
