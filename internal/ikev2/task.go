package ikev2

import "github.com/racoon2go/iked/internal/ike"

// task is one request we send (strongSwan's idea): it builds the request
// and processes the response. Requests the peer sends are answered by the
// respond* functions. A task's role (the requester) is fixed.
type task interface {
	name() string
	exchange() ExchangeType
	// build returns the payloads of the request (inner payloads when
	// encrypted). An error destroys the SA.
	build(e *Engine, sa *IKESA) ([]Payload, error)
	// process handles the (authenticated) response.
	process(e *Engine, sa *IKESA, m *Message) ike.Status
}
