package ike

// Status is what a task step (Build or Process) reports to its manager.
type Status uint8

// Task step results. Pending means the task handed work to the Executor and
// resumes the exchange itself when the work is done.
const (
	StatusDone      Status = iota // the task is finished
	StatusNeedMore                // another exchange or message is needed
	StatusFailed                  // the task failed; the SA lives on
	StatusDestroySA               // the task failed; the SA must go
	StatusPending                 // waiting for the Executor
)

func (s Status) String() string {
	switch s {
	case StatusDone:
		return "done"
	case StatusNeedMore:
		return "need-more"
	case StatusFailed:
		return "failed"
	case StatusDestroySA:
		return "destroy-sa"
	case StatusPending:
		return "pending"
	}
	return "status(" + itoa(uint64(s)) + ")"
}

// Role is the side of an exchange or SA.
type Role uint8

// Roles.
const (
	Responder Role = iota
	Initiator
)

func (r Role) String() string {
	if r == Initiator {
		return "initiator"
	}
	return "responder"
}
