package ikev2

import (
	"strconv"
	"strings"
)

// String summarises m for logs in the style of strongSwan's message lines:
// "IKE_AUTH request 1 [ IDi AUTH SA TSi TSr N(INITIAL_CONTACT) ]". It shows
// types only, never payload contents (which may be key material).
func (m *Message) String() string {
	var b strings.Builder
	b.WriteString(m.Exchange.String())
	if m.IsResponse() {
		b.WriteString(" response ")
	} else {
		b.WriteString(" request ")
	}
	b.WriteString(strconv.FormatUint(uint64(m.MessageID), 10))
	b.WriteString(" [")
	for _, p := range m.Payloads {
		b.WriteByte(' ')
		writePayloadName(&b, p)
	}
	b.WriteString(" ]")
	return b.String()
}

func writePayloadName(b *strings.Builder, p Payload) {
	b.WriteString(p.Type().String())
	switch q := p.(type) {
	case *Notify:
		b.WriteString("(" + q.NotifyType.String() + ")")
	case *Encrypted:
		if q.Fragment {
			b.WriteString("(" + itoa(int(q.Number)) + "/" + itoa(int(q.Total)) + ")")
		}
	case *Unknown:
		if q.Critical {
			b.WriteString("(critical)")
		}
	}
}
