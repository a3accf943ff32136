package ikev2

// Message is a decoded IKE message: the header and its cleartext payloads.
// For a protected message the last payload is an *Encrypted (SK or SKF)
// until Open replaces it with the inner payloads. A Message keeps storage
// for the payloads it decodes and reuses it on the next Parse: reuse one
// Message per event loop to parse without allocating, and do not copy a
// Message value that will parse again.
type Message struct {
	Header
	Payloads []Payload
	arena    arena
}

// ParseMessage decodes b, which must be exactly one IKE message (the UDP
// payload, without the non-ESP marker on port 4500). See (*Message).Parse.
func ParseMessage(b []byte) (*Message, error) {
	m := &Message{}
	if err := m.Parse(b); err != nil {
		return nil, err
	}
	return m, nil
}

// Parse decodes b into m. It checks the header and the structure of every
// payload but not which payloads the exchange allows (see CheckRules).
// Payload fields alias b, and m reuses its storage: payloads from an
// earlier Parse into the same m are overwritten. Copy what must be kept.
func (m *Message) Parse(b []byte) error {
	m.Payloads = m.Payloads[:0]
	m.arena.reset()
	h, err := ParseHeader(b)
	if err != nil {
		return err
	}
	m.Header = h
	m.Payloads, _, err = decodeChain(&m.arena, m.Payloads, h.NextPayload, b[HeaderLen:], HeaderLen, true)
	return err
}

// Append appends the encoded message to b, setting the header's Next
// Payload and Length fields (in m too). An *Encrypted payload is written
// as it is: use AppendEncrypted to protect a message.
func (m *Message) Append(b []byte) ([]byte, error) {
	start := len(b)
	if m.Version == 0 {
		m.Version = Version
	}
	b = appendHeader(b, &m.Header)
	b, first, err := AppendPayloads(b, m.Payloads)
	if err != nil {
		return b[:start], err
	}
	m.NextPayload = first
	m.Length = uint32(len(b) - start)
	b[start+16] = byte(first)
	putU32(b[start+24:], m.Length)
	return b, nil
}

// Get returns the first payload of type t, or nil.
func (m *Message) Get(t PayloadType) Payload {
	for _, p := range m.Payloads {
		if p.Type() == t {
			return p
		}
	}
	return nil
}

// Notify returns the first Notify payload of type t, or nil.
func (m *Message) Notify(t NotifyType) *Notify {
	for _, p := range m.Payloads {
		if n, ok := p.(*Notify); ok && n.NotifyType == t {
			return n
		}
	}
	return nil
}

// Encrypted returns the SK or SKF payload of a message that still has one.
func (m *Message) Encrypted() *Encrypted {
	if len(m.Payloads) == 0 {
		return nil
	}
	e, _ := m.Payloads[len(m.Payloads)-1].(*Encrypted)
	return e
}

// ErrorNotify returns the first error Notify (type below 16384), or nil.
func (m *Message) ErrorNotify() *Notify {
	for _, p := range m.Payloads {
		if n, ok := p.(*Notify); ok && n.NotifyType.IsError() {
			return n
		}
	}
	return nil
}
