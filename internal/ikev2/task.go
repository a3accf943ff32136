package ikev2

// task is one step of an exchange (strongSwan's idea): the initiator's task
// builds the request and processes the response, the responder's processes
// the request and builds the response. Its role is fixed at creation.
type task interface {
	name() string
}
