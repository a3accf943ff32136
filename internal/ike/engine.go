package ike

import (
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"time"
)

// Engine is one IKE version's protocol machine as the daemon drives it.
// The daemon owns the loop, the sockets, the kernel and spmd connections;
// an engine owns its SAs. Every method is called on the loop goroutine, so
// an engine needs no locks; it must not block (crypto goes to Env.Exec).
type Engine interface {
	// Version is the IKE major version the engine speaks (1 or 2); the
	// daemon routes datagrams on the major version of the ISAKMP header
	// (RFC 7296 section 3.1), and gives a higher, unknown version to the
	// highest engine so that it can answer INVALID_MAJOR_VERSION.
	Version() uint8
	// HandlePacket processes one received datagram (marker stripped).
	// The engine may keep p.Data.
	HandlePacket(p Packet)
	// HandleKernelEvent processes an ACQUIRE, EXPIRE or MIGRATE and
	// reports whether it was this engine's: an Expire for an SPI it does
	// not own, or an Acquire whose remote uses the other version, is not.
	HandleKernelEvent(e Event) bool
	// HandleTimer reports whether k is this engine's (its Kind range) and,
	// if so, handles it. Stale keys (SA gone) are handled by doing nothing.
	HandleTimer(k TimerKey) bool
	// Initiate starts a negotiation now (-I peer-address, -S selector):
	// exactly one of peer and selector is set. ErrNotMine means the remote
	// this names is configured for the other version.
	Initiate(peer netip.Addr, selector string) error
	// Shutdown starts the teardown of SIGTERM, SIGINT and SIGHUP: send an
	// INFORMATIONAL Delete for every IKE SA (IKEv1: delete notifications),
	// delete their IPsec SAs from the kernel, abort half-open SAs. It calls
	// done on the loop once every Delete was answered or given up on; the
	// daemon waits at most ShutdownGrace, then calls Abandon if the engine
	// has it (daemon.Abandoner) and drops the engine.
	Shutdown(done func())
	// Status writes a human-readable dump (IKE SAs, child SAs, counters)
	// for SIGUSR1. Secrets never appear in it.
	Status(w io.Writer)
}

// ErrNotMine is returned by Engine.Initiate when the request belongs to
// another engine.
var ErrNotMine = errors.New("not handled by this engine")

// Env is what the daemon gives an engine when it makes one. Kernel and
// Policy are nil when iked runs with -D 8 (no PF_KEY, no spmd): an engine
// then negotiates but installs nothing.
type Env struct {
	Log    *slog.Logger
	Clock  Scheduler // timers: Schedule(at, key) then HandleTimer(key)
	Exec   Executor  // expensive work off the loop
	Conn   Conn      // sending datagrams
	Kernel Kernel
	Policy PolicyService
	// Post queues f on the loop from another goroutine.
	Post func(f func()) bool
	// Capture records messages in the clear for -P; nil without -P.
	Capture Capture
	// DestPort is the destination port of initiations (-t, default 500).
	DestPort uint16
	// LocalPort is the source port of initiations (-p, default 500).
	LocalPort uint16
}

// ShutdownGrace bounds how long the daemon waits for Engine.Shutdown.
const ShutdownGrace = 2 * time.Second
