package spmdclient

import (
	"errors"
	"fmt"
)

// Errors of the client. A refused command is a *ReplyError.
var (
	// ErrConnection: the connection to spmd broke while the command was
	// outstanding, twice (the command was retried once after reconnecting).
	ErrConnection = errors.New("spmif: connection to spmd lost")
	ErrClosed     = errors.New("spmif: client closed")
	ErrQueueFull  = errors.New("spmif: too many commands waiting for spmd")
	// ErrLogin: spmd refused our LOGIN (wrong password file, usually).
	ErrLogin = errors.New("spmif: login refused by spmd")
	// ErrGreeting: the server did not open with "220 <challenge>".
	ErrGreeting = errors.New("spmif: bad greeting")
)

// ReplyError is a reply that does not mean success for its command. Code
// and Text are the server's (Text of the first line).
type ReplyError struct {
	Command string // the command verb, e.g. "POLICY ADD"; never arguments
	Code    int
	Text    string
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("spmif: %s: spmd replied %03d %q", e.Command, e.Code, e.Text)
}

// Syntax reports a 500 reply: the server did not accept the command's form
// (racoon2's spmd answers this to the client's MIGRATE, see Client.Migrate).
func (e *ReplyError) Syntax() bool { return e.Code == 500 }
