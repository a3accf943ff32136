package ikev2

import (
	"fmt"
	"io"
)

// Counters are the engine's running totals, shown in the SIGUSR1 dump.
// Drops are split by reason so that an attack is visible for what it is.
type Counters struct {
	Received        uint64 // datagrams handed to the engine
	Sent            uint64 // datagrams sent (copies included)
	DropMalformed   uint64 // undecodable or breaking the exchange's rules
	DropUnknownSPI  uint64 // for no IKE SA of ours
	DropIntegrity   uint64 // failed the SK integrity check or decryption
	DropMessageID   uint64 // old, out of window or duplicate being processed
	DropUnexpected  uint64 // valid but not acceptable now (wrong exchange, state)
	DropHalfOpen    uint64 // IKE_SA_INIT refused: half-open limit
	CookiesSent     uint64
	CookiesBad      uint64
	Retransmits     uint64 // requests sent again after a timeout
	ResponsesResent uint64 // cached responses sent for retransmitted requests
	Established     uint64 // IKE SAs that reached ESTABLISHED
	Failed          uint64 // IKE SAs that failed before ESTABLISHED
	Deleted         uint64 // IKE SAs deleted after ESTABLISHED
	ChildInstalled  uint64 // CHILD_SAs installed (pairs)
	ChildDeleted    uint64
	AcquireDup      uint64 // duplicate ACQUIREs ignored
	KernelErrors    uint64
}

func (c *Counters) write(w io.Writer) {
	fmt.Fprintf(w, "packets: received %d sent %d retransmits %d responses-resent %d\n",
		c.Received, c.Sent, c.Retransmits, c.ResponsesResent)
	fmt.Fprintf(w, "dropped: malformed %d unknown-spi %d integrity %d message-id %d unexpected %d half-open %d\n",
		c.DropMalformed, c.DropUnknownSPI, c.DropIntegrity, c.DropMessageID, c.DropUnexpected, c.DropHalfOpen)
	fmt.Fprintf(w, "cookies: sent %d bad %d\n", c.CookiesSent, c.CookiesBad)
	fmt.Fprintf(w, "ike-sa: established %d failed %d deleted %d; child-sa: installed %d deleted %d; kernel errors %d; duplicate acquires %d\n",
		c.Established, c.Failed, c.Deleted, c.ChildInstalled, c.ChildDeleted, c.KernelErrors, c.AcquireDup)
}
