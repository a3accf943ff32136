package ikev2

import (
	"crypto/rand"
	"net/netip"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
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

// FuzzCreateChildSAResponse answers our child rekey (kind 0), new child
// (1) or IKE SA rekey (2) with authenticated responses whose inner
// payloads are fuzzed. Property: no panic, the IKE SA (or its successor)
// stays up with at least one child, and no larval SPI is left.
func FuzzCreateChildSAResponse(f *testing.F) {
	for kind := uint8(0); kind < 3; kind++ {
		seed := newPair(f, twoSelectors)
		seed.establish(f)
		mark := len(seed.w.Log)
		in, err := only(f, seed.a).keys.cipherIn() // the SA the responses come on
		if err != nil {
			f.Fatal(err)
		}
		startFuzzRequest(f, seed, kind)
		seed.w.Run()
		// Seed with the real responses' inner payloads.
		for _, q := range seed.w.Log[mark:] {
			if !(q.Local.Addr() == addrB && msgIs(ExchangeCreateChildSA, true)(q)) {
				continue
			}
			var m Message
			if m.Parse(q.Data) != nil {
				continue
			}
			if m.Open(q.Data, in) != nil {
				continue
			}
			if b, first, err := AppendPayloads(nil, m.Payloads); err == nil {
				f.Add(kind, uint8(first), b)
			}
		}
		f.Add(kind, uint8(PayloadN), []byte{0, 0, 0, 8, 0, 0, 0, 43})
	}
	f.Fuzz(func(t *testing.T, kind, first uint8, inner []byte) {
		kind %= 3
		p := newPair(t, twoSelectors)
		p.establish(t)
		ps, err := DecodePayloads(nil, PayloadType(first), inner)
		if err != nil {
			return
		}
		sa := only(t, p.a)
		id := sa.mgr.nextID
		p.w.AddFilter(iketest.Drop(func(q ike.Packet) bool { return q.Local.Addr() == addrA }))
		startFuzzRequest(t, p, kind)
		p.w.Run()
		p.w.ClearFilters()
		sb := only(t, p.b)
		out, _ := sb.keys.cipherOut()
		h := Header{SPIi: sa.spiI, SPIr: sa.spiR, Exchange: ExchangeCreateChildSA, MessageID: id, Flags: FlagResponse}
		b, err := AppendEncrypted(nil, &h, ps, out, rand.Reader)
		if err != nil {
			return
		}
		p.a.HandlePacket(ike.Packet{Local: netip.AddrPortFrom(addrA, 500), Remote: netip.AddrPortFrom(addrB, 500), Data: b})
		p.w.Run()
		p.w.TakeInFlight()
		n := 0
		held := map[uint32]bool{} // larval SPIs of CREATE_CHILD_SA requests pending
		for _, x := range p.a.sas.bySPI {
			if x.state == stateEstablished {
				n += len(x.children)
			}
			for _, t := range x.queue {
				heldSPIs(held, t)
			}
			for i := range x.mgr.out {
				heldSPIs(held, x.mgr.out[i].t)
			}
		}
		// CHILD_SA_NOT_FOUND makes the child anew (RFC 7296 2.25): its
		// request may still wait for the peer, holding its SPIs.
		for id := range p.ka.Larval {
			if !held[id.SPI] {
				t.Fatalf("children %d, larval %v", n, p.ka.Larval)
			}
		}
		if n < 1 && len(held) == 0 {
			t.Fatalf("children %d, nothing pending", n)
		}
	})
}

func startFuzzRequest(t testing.TB, p *pair, kind uint8) {
	sa := only(t, p.a)
	switch kind {
	case 0:
		p.a.rekeyChild(sa, sa.children[0])
	case 1:
		_ = p.a.createChild(sa, p.ca.ChildBySelector("a-out2"))
	default:
		p.a.rekeyIKE(sa)
	}
}

func twoSelectors(ca, cb *ike.Config) {
	ca.Children = append(ca.Children, testChild("a-out2", "b", "10.3.0.0/16", "10.4.0.0/16"))
	cb.Children = append(cb.Children, testChild("b-out2", "a", "10.4.0.0/16", "10.3.0.0/16"))
}

func heldSPIs(held map[uint32]bool, t task) {
	if c, ok := t.(*createChildTask); ok {
		for _, spi := range c.spis {
			if spi != 0 {
				held[spi] = true
			}
		}
	}
}
