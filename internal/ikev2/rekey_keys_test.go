package ikev2

import (
	"bytes"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
)

// TestChildKeysFollowExchangeInitiator_RFC7296_2_17: KEYMAT's first keys
// protect traffic from the initiator of the exchange that made the child.
// For CREATE_CHILD_SA that is whoever sent the request, which need not be
// the IKE SA's initiator. Two engines that both got this wrong agree with
// each other, so this checks the installed keys against the derivation;
// the interop suite found it (strongSwan and libreswan saw integrity
// failures after a rekey started by iked as IKE responder).
func TestChildKeysFollowExchangeInitiator_RFC7296_2_17(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	ni, nr := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	for _, side := range []struct {
		name string
		e    *Engine
		k    *fakeKernelView
	}{{"ike-initiator", p.a, &fakeKernelView{p.ka.SAs}}, {"ike-responder", p.b, &fakeKernelView{p.kb.SAs}}} {
		for _, exchInit := range []bool{true, false} {
			sa, old := firstChild(t, side.e)
			c := &childSA{cfg: old.cfg, mode: old.mode, proto: old.proto, encr: old.encr, integ: old.integ,
				outSPI: 0x7000 + uint32(len(side.k.sas))}
			local, peer := saAddrs(sa, c.cfg, c.mode)
			spi, err := side.e.o.Kernel.GetSPI(peer, local, c.proto, c.mode, 0)
			if err != nil {
				t.Fatal(err)
			}
			c.inSPI = spi
			if err := side.e.installChildKeys(sa, c, exchInit, ni, nr, nil); err != nil {
				t.Fatal(err)
			}
			keys, err := childKeys(sa.keys.prf, sa.keys.d(), nil, ni, nr, c.encr, c.integ)
			if err != nil {
				t.Fatal(err)
			}
			wantOut, wantIn := keys.EncrI, keys.EncrR
			if !exchInit {
				wantOut, wantIn = keys.EncrR, keys.EncrI
			}
			out := side.k.sas[ike.SAID{Src: local, Dst: peer, Proto: c.proto, SPI: c.outSPI}]
			in := side.k.sas[ike.SAID{Src: peer, Dst: local, Proto: c.proto, SPI: c.inSPI}]
			if out == nil || in == nil {
				t.Fatalf("%s: new SAs not installed", side.name)
			}
			if !bytes.Equal(out.EncrKey, wantOut) || !bytes.Equal(in.EncrKey, wantIn) {
				t.Errorf("%s, exchange initiator %v: outbound/inbound keys swapped", side.name, exchInit)
			}
		}
	}
}

type fakeKernelView struct{ sas map[ike.SAID]*ike.SA }
