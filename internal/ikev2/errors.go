package ikev2

import (
	"errors"
	"strconv"
)

// DecodeError reports malformed input: the payload being decoded (PayloadNone
// for the IKE header) and the byte offset of its start in the buffer given to
// the decoder.
type DecodeError struct {
	Payload PayloadType
	Offset  int
	Reason  string
}

func (e *DecodeError) Error() string {
	where := "header"
	if e.Payload != PayloadNone {
		where = e.Payload.String() + " payload"
	}
	return "ikev2: decode " + where + " at offset " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// NotifyError is a protocol failure that the receiver answers with a Notify
// payload of Type carrying Data (RFC 7296 2.21).
type NotifyError struct {
	Type   NotifyType
	Data   []byte
	Reason string // for logs; never sent
}

func (e *NotifyError) Error() string {
	s := "ikev2: " + e.Type.String()
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Payload returns the Notify payload that reports e to the peer.
func (e *NotifyError) Payload() *Notify {
	return &Notify{NotifyType: e.Type, Data: e.Data}
}

// AsNotify returns the notification err calls for: a *NotifyError in its
// chain as is, and any *DecodeError as INVALID_SYNTAX (RFC 7296 2.21.2:
// syntax errors in authenticated messages). It returns nil for other errors.
func AsNotify(err error) *NotifyError {
	var ne *NotifyError
	if errors.As(err, &ne) {
		return ne
	}
	var de *DecodeError
	if errors.As(err, &de) {
		return &NotifyError{Type: NotifyInvalidSyntax, Reason: de.Error()}
	}
	return nil
}

// Errors returned by OpenSK and Reassembly. They are not NotifyErrors: a
// message that fails integrity is dropped silently (RFC 7296 2.21.2).
var (
	ErrIntegrity    = errors.New("ikev2: SK payload failed integrity check")
	ErrBadPadding   = errors.New("ikev2: SK payload has bad padding")
	ErrNotEncrypted = errors.New("ikev2: message has no SK or SKF payload")
)
