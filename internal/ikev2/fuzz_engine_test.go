package ikev2

import (
	"bytes"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// FuzzHandlePacket feeds arbitrary datagrams to a responder that has an
// established IKE SA with the sender's address. Property: no panic, and
// nothing unauthenticated tears the established SA down or touches its
// children.
func FuzzHandlePacket(f *testing.F) {
	seed := newPair(f, nil)
	seed.establish(f)
	for _, q := range seed.w.Log {
		f.Add(bytes.Clone(q.Data))
	}
	f.Add([]byte("garbage"))
	f.Add(make([]byte, 28))

	p := newPair(f, nil)
	p.establish(f)
	sb := only(f, p.b)
	f.Fuzz(func(t *testing.T, data []byte) {
		p.b.HandlePacket(ike.Packet{Local: netipAP(addrB), Remote: netipAP(addrA), Data: bytes.Clone(data)})
		p.w.Run()
		p.w.TakeInFlight()
		if p.b.sas.get(sb.spiR) != sb || sb.state != stateEstablished || len(sb.children) != 1 || p.kb.Count() != 2 {
			t.Fatalf("fuzzed datagram changed the established SA (state %v, %d children)", sb.state, len(sb.children))
		}
		// Bound the half-open SAs fuzzed IKE_SA_INITs leave behind.
		if p.b.sas.halfOpen > 50 {
			p.w.Advance(p.cb.Peers[0].NegoLimit + time.Second)
		}
	})
}
