package ikev2

import (
	"crypto/rand"
	"net/netip"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
)

// FuzzCreateChildSA feeds authenticated CREATE_CHILD_SA requests with
// arbitrary inner payloads (first payload type, then the chain) to an
// established responder: the fuzzer gets past the SK check, so the child
// and IKE SA rekey code sees every shape of SA, KE, Nonce, TS and Notify.
// Property: no panic, the IKE SA (or its replacement) stays up with its
// child, and no larval SPI is left behind.
func FuzzCreateChildSA(f *testing.F) {
	seed := newPair(f, nil)
	seed.establish(f)
	sa := only(f, seed.a)
	c := sa.children[0]
	add := func(pl []Payload) {
		b, first, err := AppendPayloads(nil, pl)
		if err == nil {
			f.Add(uint8(first), b)
		}
	}
	t := &createChildTask{old: c, cfg: c.cfg, mode: c.mode, props: childProposals(c.cfg.Proposals, 0x1234, 0), ni: make([]byte, 32)}
	pl, _ := t.build(seed.a, sa)
	add(pl)
	t.old = nil
	pl, _ = t.build(seed.a, sa)
	add(pl)
	k, _ := newDHKey(31, rand.Reader)
	it := &ikeRekeyTask{spi: 99, ni: make([]byte, 32), dh: k,
		props: []prop{{num: 1, proto: protoIKE, spi: make([]byte, 8), xforms: []xform{{typ: ttEncr, id: 12, keyLen: 256}, {typ: ttPRF, id: 5}, {typ: ttInteg, id: 12}, {typ: ttDH, id: 31}}}}}
	pl, _ = it.build(seed.a, sa)
	add(pl)

	f.Fuzz(func(t *testing.T, first uint8, inner []byte) {
		p := newPair(t, nil)
		p.establish(t)
		ps, err := DecodePayloads(nil, PayloadType(first), inner)
		if err != nil {
			return
		}
		sa := only(t, p.a)
		out, _ := sa.keys.cipherOut()
		h := Header{SPIi: sa.spiI, SPIr: sa.spiR, Exchange: ExchangeCreateChildSA, MessageID: sa.mgr.allocID(), Flags: FlagInitiator}
		b, err := AppendEncrypted(nil, &h, ps, out, rand.Reader)
		if err != nil {
			return
		}
		p.b.HandlePacket(ike.Packet{Local: netip.AddrPortFrom(addrB, 500), Remote: netip.AddrPortFrom(addrA, 500), Data: b})
		p.w.Run()
		p.w.TakeInFlight()
		if p.b.Len() < 1 || len(p.kb.Larval) != 0 {
			t.Fatalf("%d IKE SAs, larval %v", p.b.Len(), p.kb.Larval)
		}
		n := 0
		for _, x := range p.b.sas.bySPI {
			if x.state == stateEstablished {
				n += len(x.children)
			}
		}
		if n < 1 {
			t.Fatal("child lost")
		}
	})
}
