package ikev2

import (
	"testing"

	"github.com/racoon2go/iked/internal/ike"
)

// RFC 7296 1.3.1 lets a rekey carry a KE payload; peers that insist on it
// (libreswan's default pfs=yes, or a racoon2 peer with need_pfs) refuse
// one without with NO_PROPOSAL_CHOSEN. Without need_pfs of our own we
// then try again with the IKE SA's group, and keep it for later rekeys.
func TestChildRekeyRetriesWithPFS_RFC7296_1_3_1(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) { cb.Peers[0].NeedPFS = true })
	p.establish(t)
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run() // refused, then tried again at once
	if n := p.a.ExtStats().ChildRekeys; n != 1 || childPairs(t, p) != 1 {
		t.Fatalf("after the retry: %d rekeys, %d child pairs; want 1, 1", n, childPairs(t, p))
	}
	if sa, c := firstChild(t, p.a); c.pfs == 0 || c.pfs != sa.suite.dh {
		t.Fatalf("the new child's rekey group is %d, want the IKE SA's %d", c.pfs, sa.suite.dh)
	}
	// The next rekey has PFS from the start: no refusal, no wait.
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	if n := p.a.ExtStats().ChildRekeys; n != 2 || childPairs(t, p) != 1 {
		t.Fatalf("second rekey: %d rekeys, %d child pairs; want 2, 1", n, childPairs(t, p))
	}
}

// A peer that rekeys a child with PFS gets PFS in our rekeys of the
// child it made.
func TestChildRekeyMirrorsPeersPFS_RFC7296_1_3_1(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) { cb.Peers[0].NeedPFS = true })
	p.establish(t)
	p.b.rekeyChild(firstChild(t, p.b))
	p.w.Run()
	_, c := firstChild(t, p.a)
	if c.pfs == 0 {
		t.Fatal("the child the peer made with PFS does not remember its group")
	}
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	if n := p.a.ExtStats().ChildRekeys; n != 1 || childPairs(t, p) != 1 {
		t.Fatalf("our rekey of it: %d rekeys, %d child pairs; want 1, 1", n, childPairs(t, p))
	}
}

// Without PFS on either side nothing changes: no KE payload.
func TestChildRekeyNoPFSByDefault(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	p.a.rekeyChild(firstChild(t, p.a))
	p.w.Run()
	_, c := firstChild(t, p.a)
	if c.pfs != 0 || p.a.ExtStats().ChildRekeys != 1 {
		t.Fatalf("pfs %d, rekeys %d", c.pfs, p.a.ExtStats().ChildRekeys)
	}
}
