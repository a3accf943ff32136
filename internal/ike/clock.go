package ike

import "time"

// Clock tells the time. Engines read time only through a Clock so that tests
// can drive them with a manual clock.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// TimerKey names a timer without holding a pointer to its owner: the
// handler looks the SA up again by SPI, so a timer that fires after its SA is
// gone does nothing. Kind is chosen by the engine (one range per engine).
type TimerKey struct {
	Kind uint16
	Arg  uint32 // message ID, sequence number, ...
	SPI  uint64 // IKE SPI (ours) or child SPI
}

// Scheduler arms timers. There is no cancel: stale timers are ignored when
// they fire (see TimerKey).
type Scheduler interface {
	Clock
	Schedule(at time.Time, k TimerKey)
}

// Executor runs expensive work (DH, signatures) off the event loop. work runs
// on a worker; the function it returns runs back on the event loop.
type Executor interface {
	Go(work func() (done func()))
}
