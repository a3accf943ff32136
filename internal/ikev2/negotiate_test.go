package ikev2

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

var testIKE = ike.IKEProposal{
	Encr:  []ike.EncrAlg{{ID: 12, KeyBits: 256}, {ID: 20, KeyBits: 128}, {ID: 3}},
	PRF:   []uint16{5, 2},
	Integ: []uint16{12, 2},
	DH:    []uint16{31, 14},
}

// RFC 7296 3.3: AEAD and non-AEAD ciphers go in separate proposals; the
// non-AEAD proposal carries every PRF, INTEG and DH in configured order.
func TestIKEProposalsSplitAEAD_RFC7296_3_3(t *testing.T) {
	ps := ikeProposals(&testIKE)
	if len(ps) != 2 {
		t.Fatalf("got %d proposals, want 2", len(ps))
	}
	want0 := []xform{{1, 12, 256}, {1, 3, 0}, {2, 5, 0}, {2, 2, 0}, {3, 12, 0}, {3, 2, 0}, {4, 31, 0}, {4, 14, 0}}
	if !equalX(ps[0].xforms, want0) || ps[0].num != 1 || ps[0].proto != protoIKE {
		t.Errorf("proposal 1 = %+v", ps[0])
	}
	want1 := []xform{{1, 20, 128}, {2, 5, 0}, {2, 2, 0}, {4, 31, 0}, {4, 14, 0}}
	if !equalX(ps[1].xforms, want1) || ps[1].num != 2 {
		t.Errorf("proposal 2 (AEAD) = %+v", ps[1])
	}
	// An AEAD cipher configured first gets the first proposal.
	p2 := testIKE
	p2.Encr = []ike.EncrAlg{{ID: 20, KeyBits: 256}, {ID: 12, KeyBits: 128}}
	ps = ikeProposals(&p2)
	if ps[0].xforms[0].id != 20 || len(ps) != 2 {
		t.Errorf("AEAD-first order lost: %+v", ps)
	}
}

func equalX(a, b []xform) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// RFC 7296 2.7: the responder picks one proposal and one transform of each
// type; proposal_check decides whose preference wins.
func TestChooseProposalCheck_RFC7296_2_7(t *testing.T) {
	ours := ikeProposals(&ike.IKEProposal{
		Encr: []ike.EncrAlg{{ID: 12, KeyBits: 128}, {ID: 12, KeyBits: 256}},
		PRF:  []uint16{5, 2}, Integ: []uint16{12, 2}, DH: []uint16{14, 31},
	})
	peer := ikeProposals(&ike.IKEProposal{
		Encr: []ike.EncrAlg{{ID: 12, KeyBits: 256}, {ID: 12, KeyBits: 128}},
		PRF:  []uint16{2, 5}, Integ: []uint16{2, 12}, DH: []uint16{31, 14},
	})
	_, s, ok := choose(peer, ours, ike.ProposalObey, true)
	if !ok || s.encr.KeyBits != 256 || s.prf != 2 || s.integ != 2 || s.dh != 31 {
		t.Errorf("obey: %+v %v, want the peer's preferences", s, ok)
	}
	_, s, ok = choose(peer, ours, ike.ProposalStrict, true)
	if !ok || s.encr.KeyBits != 128 || s.prf != 5 || s.integ != 12 || s.dh != 14 {
		t.Errorf("strict: %+v %v, want our preferences", s, ok)
	}
	if _, _, ok := choose(peer, ours, ike.ProposalExact, true); !ok {
		t.Error("exact: same transform sets must match")
	}
	peer[0].xforms = peer[0].xforms[1:]
	if _, _, ok := choose(peer, ours, ike.ProposalExact, true); ok {
		t.Error("exact: a different transform set must not match")
	}
	// NO_PROPOSAL_CHOSEN: nothing in common.
	other := ikeProposals(&ike.IKEProposal{Encr: []ike.EncrAlg{{ID: 3}}, PRF: []uint16{2}, Integ: []uint16{2}, DH: []uint16{2}})
	if _, _, ok := choose(other, ours, ike.ProposalObey, true); ok {
		t.Error("disjoint proposals matched")
	}
	// Missing DH in IKE_SA_INIT is refused.
	noDH := ikeProposals(&ike.IKEProposal{Encr: []ike.EncrAlg{{ID: 12, KeyBits: 128}}, PRF: []uint16{5}, Integ: []uint16{12}})
	if _, _, ok := choose(noDH, ours, ike.ProposalObey, true); ok {
		t.Error("IKE proposal without DH accepted")
	}
}

func TestChooseAEADAndChecked(t *testing.T) {
	ours := ikeProposals(&testIKE)
	peer := []prop{{num: 7, proto: protoIKE, xforms: []xform{{1, 20, 128}, {2, 5, 0}, {4, 14, 0}}}}
	got, s, ok := choose(peer, ours, ike.ProposalObey, true)
	if !ok || s.encr.ID != 20 || s.integ != 0 || got.num != 7 {
		t.Fatalf("AEAD choice %+v %+v %v", got, s, ok)
	}
	// AEAD with an INTEG transform is not acceptable (RFC 7296 3.3).
	bad := []prop{{num: 1, proto: protoIKE, xforms: []xform{{1, 20, 128}, {2, 5, 0}, {3, 12, 0}, {4, 14, 0}}}}
	if _, _, ok := choose(bad, ikeProposals(&ike.IKEProposal{Encr: testIKE.Encr[1:2], PRF: []uint16{5}, Integ: []uint16{12}, DH: []uint16{14}}), ike.ProposalObey, true); ok {
		t.Error("AEAD with INTEG accepted")
	}
	// The initiator checks the answer against what it sent.
	chosen := prop{num: 1, proto: protoIKE, xforms: []xform{{1, 12, 256}, {2, 5, 0}, {3, 12, 0}, {4, 14, 0}}}
	if s, ok := checkChosen(ours, chosen, true); !ok || s.dh != 14 {
		t.Errorf("checkChosen valid answer: %+v %v", s, ok)
	}
	chosen.xforms[0].keyLen = 192
	if _, ok := checkChosen(ours, chosen, true); ok {
		t.Error("checkChosen accepted a key length we never offered")
	}
	two := prop{num: 1, proto: protoIKE, xforms: []xform{{1, 12, 256}, {1, 3, 0}, {2, 5, 0}, {3, 12, 0}, {4, 14, 0}}}
	if _, ok := checkChosen(ours, two, true); ok {
		t.Error("checkChosen accepted two ENCR transforms")
	}
}

func TestChildProposals(t *testing.T) {
	ps := childProposals([]ike.ChildProposal{
		{Proto: ike.ProtoESP, Encr: []ike.EncrAlg{{ID: 20, KeyBits: 256}, {ID: 12, KeyBits: 128}}, Integ: []uint16{12}},
		{Proto: ike.ProtoAH, Integ: []uint16{2}},
	}, 0x01020304, 0)
	if len(ps) != 3 {
		t.Fatalf("%d proposals, want 3", len(ps))
	}
	if !bytes.Equal(ps[0].spi, []byte{1, 2, 3, 4}) || ps[0].proto != protoESP || ps[0].xforms[0].id != 20 || len(ps[0].xforms) != 2 {
		t.Errorf("AEAD ESP proposal %+v", ps[0])
	}
	if ps[1].xforms[1] != (xform{ttInteg, 12, 0}) || ps[1].xforms[2] != (xform{ttESN, 0, 0}) {
		t.Errorf("ESP proposal %+v", ps[1])
	}
	if ps[2].proto != protoAH || ps[2].num != 3 {
		t.Errorf("AH proposal %+v", ps[2])
	}
	_, s, ok := choose(ps, ps, ike.ProposalObey, false)
	if !ok || s.encr.ID != 20 || s.esn {
		t.Errorf("child choice %+v %v", s, ok)
	}
}

// RFC 7296 2.9: the responder narrows to a subset of the request.
func TestNarrowTS_RFC7296_2_9(t *testing.T) {
	sel := ike.Selector{Src: netip.MustParsePrefix("10.1.0.0/16"), Dst: netip.MustParsePrefix("10.2.0.0/16"), Proto: 255}
	wide := tsRange{start: netip.MustParseAddr("0.0.0.0"), end: netip.MustParseAddr("255.255.255.255"), endPort: 0xffff}
	// The initiator's side is the peer's (Dst) range; ours is Src.
	ni, nr, ok := narrow(&sel, []tsRange{wide}, []tsRange{wide})
	if !ok || ni.start != netip.MustParseAddr("10.2.0.0") || ni.end != netip.MustParseAddr("10.2.255.255") ||
		nr.start != netip.MustParseAddr("10.1.0.0") || nr.end != netip.MustParseAddr("10.1.255.255") {
		t.Errorf("narrowed to %+v %+v %v", ni, nr, ok)
	}
	host := tsRange{proto: 6, start: netip.MustParseAddr("10.2.3.4"), end: netip.MustParseAddr("10.2.3.4"), startPort: 80, endPort: 80}
	ni, _, ok = narrow(&sel, []tsRange{host}, []tsRange{wide})
	if !ok || ni != host {
		t.Errorf("a request inside the selector must stay as is: %+v", ni)
	}
	off := tsRange{start: netip.MustParseAddr("192.0.2.0"), end: netip.MustParseAddr("192.0.2.255"), endPort: 0xffff}
	if _, _, ok := narrow(&sel, []tsRange{off}, []tsRange{wide}); ok {
		t.Error("disjoint TS accepted (want TS_UNACCEPTABLE)")
	}
	v6 := tsFrom(netip.MustParsePrefix("2001:db8::/32"), 255, 0)
	if v6.end != netip.MustParseAddr("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff") || v6.typ() != tsIPv6 || v6.proto != 0 {
		t.Errorf("v6 range %+v", v6)
	}
	if !within(host, ni) {
		t.Error("within")
	}
}

// RFC 7296 2.6: cookies from the current and the previous secret are
// accepted; older ones and foreign ones are not.
func TestCookieRotation_RFC7296_2_6(t *testing.T) {
	j := cookieJar{period: 3 * time.Second, rand: bytes.NewReader(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7}, 100))}
	now := time.Unix(1000, 0)
	ni := []byte("nonce-of-the-initiator")
	peer := netip.MustParseAddr("192.0.2.7")
	c, err := j.make(now, ni, peer, 42)
	if err != nil {
		t.Fatal(err)
	}
	if !j.check(now, c, ni, peer, 42) {
		t.Fatal("fresh cookie refused")
	}
	if j.check(now, c, ni, peer, 43) || j.check(now, c, ni, netip.MustParseAddr("192.0.2.8"), 42) || j.check(now, c, []byte("x"), peer, 42) {
		t.Error("cookie accepted for another SPI, address or nonce")
	}
	if !j.check(now.Add(4*time.Second), c, ni, peer, 42) {
		t.Error("cookie of the previous secret refused")
	}
	if j.check(now.Add(8*time.Second), c, ni, peer, 42) {
		t.Error("cookie two secrets old accepted")
	}
}
