package ikev2

import (
	"bytes"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
)

// RFC 7296 1.2: IKE_SA_INIT then IKE_AUTH with the first CHILD_SA, PSK
// authentication (2.15), tunnel mode; both kernels get both SAs with the
// same keys in opposite directions.
func TestEstablishPSKTunnel_RFC7296_1_2(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	if len(p.w.Log) != 4 {
		t.Errorf("%d packets, want 4 (two exchanges)", len(p.w.Log))
	}
	if p.ka.Count() != 2 || p.kb.Count() != 2 {
		t.Fatalf("kernel SAs: A %d, B %d; want 2 each", p.ka.Count(), p.kb.Count())
	}
	ca, cb := only(t, p.a).children, only(t, p.b).children
	if len(ca) != 1 || len(cb) != 1 || ca[0].inSPI != cb[0].outSPI || ca[0].outSPI != cb[0].inSPI {
		t.Fatalf("children do not pair up: %+v / %+v", ca, cb)
	}
	in := p.ka.SAs[ike.SAID{Src: addrB, Dst: addrA, Proto: ike.ProtoESP, SPI: ca[0].inSPI}]
	out := p.kb.SAs[ike.SAID{Src: addrB, Dst: addrA, Proto: ike.ProtoESP, SPI: ca[0].inSPI}]
	if in == nil || out == nil {
		t.Fatalf("B->A SA missing: %v %v", in, out)
	}
	if !bytes.Equal(in.EncrKey, out.EncrKey) || in.EncrID != 20 || in.EncrKeyBits != 256 || len(in.EncrKey) != 36 {
		t.Errorf("B->A keys differ or wrong: %d %d %x / %x", in.EncrID, in.EncrKeyBits, in.EncrKey, out.EncrKey)
	}
	if in.Mode != ike.ModeTunnel || in.ReplayWindow != 32 || in.ReqID != 7 || in.Lifetime.HardTime == 0 || in.Lifetime.SoftTime >= in.Lifetime.HardTime {
		t.Errorf("SA parameters %+v", in)
	}
	st := p.a.Stats()
	if st.Established != 1 || st.ChildInstalled != 1 || st.DropIntegrity != 0 {
		t.Errorf("A counters %+v", st)
	}
	if s := status(p.b); !hasLine(s, "ESTABLISHED") || !hasLine(s, "selector b-out") {
		t.Errorf("status dump:\n%s", s)
	}
	if len(p.b.sas.byInit) != 0 || p.b.sas.halfOpen != 0 {
		t.Error("responder kept its IKE_SA_INIT index or half-open count")
	}
	if only(t, p.a).hs != nil || only(t, p.b).hs != nil {
		t.Error("handshake material kept after IKE_AUTH")
	}
}
