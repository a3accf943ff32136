package ikev2

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// msgIs matches packets of exchange x that are requests (resp false) or
// responses.
func msgIs(x ExchangeType, resp bool) func(ike.Packet) bool {
	return func(p ike.Packet) bool {
		h, ok := HeaderView(p.Data)
		return ok && h.Exchange() == x && (h.Flags()&FlagResponse != 0) == resp
	}
}

// racoon2 3.3: retransmissions at interval_to_send x {1,2,4,8,16,32,64,64,...}
// with times_per_send copies, then the SA is given up after
// max_retry_to_send retransmissions.
func TestRetransmitScheduleExact(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Peers[0].Retransmit = ike.Retransmit{Interval: time.Second, TimesPerSend: 2, MaxRetry: 10}
	})
	start := p.w.Now()
	var at []time.Duration
	p.w.AddFilter(func(q ike.Packet) []ike.Packet {
		if q.Local.Addr() == addrA {
			at = append(at, p.w.Now().Sub(start))
		}
		return nil // the responder never hears anything
	})
	if err := p.a.InitiateSelector("a-out"); err != nil {
		t.Fatal(err)
	}
	p.w.Advance(382 * time.Second)
	want := []time.Duration{0, 1, 3, 7, 15, 31, 63, 127, 191, 255, 319}
	if len(at) != 2*len(want) {
		t.Fatalf("sent at %v, want two copies at each of %v s", at, want)
	}
	for i, w := range want {
		if at[2*i] != w*time.Second || at[2*i+1] != w*time.Second {
			t.Fatalf("transmission %d at %v/%v, want %v s (all: %v)", i, at[2*i], at[2*i+1], w, at)
		}
	}
	if p.a.Len() != 1 {
		t.Fatal("SA given up before the last wait ended")
	}
	p.w.Advance(time.Second)
	if p.a.Len() != 0 || p.a.Stats().Failed != 1 || p.a.Stats().Retransmits != 10 {
		t.Fatalf("after 383 s: %d SAs, counters %+v", p.a.Len(), p.a.Stats())
	}
}

// kmp_sa_nego_time_limit bounds the whole negotiation.
func TestNegotiationTimeLimit(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Peers[0].Retransmit.MaxRetry = 1000
		ca.Peers[0].NegoLimit = 30 * time.Second
	})
	p.w.AddFilter(iketest.Drop(iketest.Any))
	_ = p.a.InitiateSelector("a-out")
	p.w.Advance(29 * time.Second)
	if p.a.Len() != 1 {
		t.Fatal("gone before the limit")
	}
	p.w.Advance(time.Second)
	if p.a.Len() != 0 {
		t.Fatal("negotiation outlived kmp_sa_nego_time_limit")
	}
}

// RFC 7296 2.1: a lost request is retransmitted; a lost response is
// answered again from the response cache, not processed twice.
func TestLossRecovery_RFC7296_2_1(t *testing.T) {
	t.Run("request lost", func(t *testing.T) {
		p := newPair(t, nil)
		p.w.AddFilter(iketest.DropN(1, msgIs(ExchangeIKEAuth, false)))
		_ = p.a.InitiateSelector("a-out")
		p.w.Run()
		if only(t, p.a).state == stateEstablished {
			t.Fatal("established without the IKE_AUTH request")
		}
		p.w.Advance(time.Second)
		p.mustBeUp(t)
		if p.a.Stats().Retransmits != 1 {
			t.Errorf("retransmits %d", p.a.Stats().Retransmits)
		}
	})
	t.Run("response lost", func(t *testing.T) {
		p := newPair(t, nil)
		p.w.AddFilter(iketest.DropN(1, msgIs(ExchangeIKEAuth, true)))
		_ = p.a.InitiateSelector("a-out")
		p.w.Run()
		p.w.Advance(time.Second)
		p.mustBeUp(t)
		if p.b.Stats().ResponsesResent != 1 || p.b.Stats().ChildInstalled != 1 || p.kb.Count() != 2 {
			t.Errorf("responder: %+v, kernel SAs %d", p.b.Stats(), p.kb.Count())
		}
	})
	t.Run("IKE_SA_INIT response lost", func(t *testing.T) {
		p := newPair(t, nil)
		p.w.AddFilter(iketest.DropN(1, msgIs(ExchangeIKESAInit, true)))
		_ = p.a.InitiateSelector("a-out")
		p.w.Run()
		p.w.Advance(time.Second)
		p.mustBeUp(t)
		if p.b.Stats().ResponsesResent != 1 || p.b.Len() != 1 {
			t.Errorf("responder made a second SA or did not resend: %+v", p.b.Stats())
		}
	})
}

// Every packet duplicated: each side processes each message once.
func TestDuplication(t *testing.T) {
	p := newPair(t, nil)
	p.w.AddFilter(iketest.Duplicate(iketest.Any))
	p.establish(t)
	sa, sb := p.a.Stats(), p.b.Stats()
	if sa.Established != 1 || sb.Established != 1 || sb.ChildInstalled != 1 || p.kb.Count() != 2 || p.ka.Count() != 2 {
		t.Fatalf("A %+v\nB %+v", sa, sb)
	}
	if sb.DropMessageID == 0 && sb.ResponsesResent == 0 {
		t.Error("duplicates were not recognised")
	}
	if sa.DropMessageID != 2 {
		t.Errorf("initiator dropped %d duplicate responses, want 2", sa.DropMessageID)
	}
}

// Reordering: a request held back arrives after its retransmission.
func TestReordering(t *testing.T) {
	p := newPair(t, nil)
	p.w.AddFilter(iketest.Reorder(msgIs(ExchangeIKEAuth, false)))
	_ = p.a.InitiateSelector("a-out")
	p.w.Run()
	p.w.Advance(time.Second)
	p.mustBeUp(t)
	if p.b.Stats().Established != 1 {
		t.Fatalf("%+v", p.b.Stats())
	}
}

// RFC 7296 2.6: cookies demanded by cookie_required; the initiator sends
// IKE_SA_INIT again with the cookie first.
func TestCookieRequired_RFC7296_2_6(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) { cb.Peers[0].CookieReq = true })
	p.establish(t)
	if p.b.Stats().CookiesSent != 1 || len(p.w.Log) != 6 {
		t.Fatalf("cookies sent %d, packets %d", p.b.Stats().CookiesSent, len(p.w.Log))
	}
	m, err := ParseMessage(bytes.Clone(p.w.Log[2].Data))
	if err != nil || len(m.Payloads) == 0 {
		t.Fatal(err)
	}
	if n, ok := m.Payloads[0].(*Notify); !ok || n.NotifyType != NotifyCookie {
		t.Fatalf("second IKE_SA_INIT does not start with the COOKIE: %T", m.Payloads[0])
	}
	// A forged cookie is refused and counted.
	m, _ = ParseMessage(bytes.Clone(p.w.Log[2].Data))
	c := m.Payloads[0].(*Notify)
	c.Data[3] ^= 0xff
	m.SPIi++
	forged, _ := m.Append(nil)
	p.w.Inject(ike.Packet{Local: netipAP(addrA), Remote: netipAP(addrB), Data: forged})
	p.w.Run()
	if p.b.Stats().CookiesBad != 1 || p.b.Len() != 1 {
		t.Errorf("forged cookie: %+v, %d SAs", p.b.Stats(), p.b.Len())
	}
}

// Cookies are also demanded once half-open SAs reach the limit.
func TestCookieHalfOpenThreshold(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		// Another remote at B's address: its own IKE SA (one remote's
		// selectors share one).
		ca.Children = append(ca.Children, testChild("a-2", sameAddrRemote(ca, "b2"), "10.3.0.0/16", "10.2.0.0/16"))
	})
	p.b.o.HalfOpenLimit = 1
	p.w.AddFilter(iketest.DropN(1, msgIs(ExchangeIKESAInit, true)))
	_ = p.a.InitiateSelector("a-out")
	p.w.Run()
	if p.b.sas.halfOpen != 1 {
		t.Fatalf("half-open %d", p.b.sas.halfOpen)
	}
	_ = p.a.InitiateSelector("a-2")
	p.w.Run()
	if p.b.Stats().CookiesSent != 1 || p.b.Stats().Established != 1 {
		t.Fatalf("%+v", p.b.Stats())
	}
}

// RFC 7296 1.3 / 2.7: INVALID_KE_PAYLOAD names the group to use; the
// initiator retries with it.
func TestInvalidKERetry_RFC7296_1_3(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Peers[0].Proposal.DH = []uint16{14, 31}
		cb.Peers[0].Proposal.DH = []uint16{31}
	})
	p.establish(t)
	if g := only(t, p.a).suite.dh; g != 31 {
		t.Fatalf("group %d", g)
	}
	if len(p.w.Log) != 6 {
		t.Errorf("%d packets, want 6", len(p.w.Log))
	}
}

// RFC 7296 2.7: nothing in common gives NO_PROPOSAL_CHOSEN and no state.
func TestNoProposalChosen_RFC7296_2_7(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		cb.Peers[0].Proposal.Encr = []ike.EncrAlg{{ID: 12, KeyBits: 128}}
	})
	_ = p.a.InitiateSelector("a-out")
	p.w.Run()
	if p.a.Len() != 0 || p.b.Len() != 0 || p.a.Stats().Failed != 1 {
		t.Fatalf("SAs %d/%d, %+v", p.a.Len(), p.b.Len(), p.a.Stats())
	}
	m, _ := ParseMessage(bytes.Clone(p.w.Log[1].Data))
	if n := m.ErrorNotify(); n == nil || n.NotifyType != NotifyNoProposalChosen {
		t.Fatalf("response %+v", m.Payloads)
	}
}

// RFC 7296 2.21.2: a wrong PSK or a peer ID outside peers_id gives
// AUTHENTICATION_FAILED; both sides drop the SA, nothing stays in the kernel.
func TestAuthenticationFailed_RFC7296_2_21(t *testing.T) {
	for name, mod := range map[string]func(ca, cb *ike.Config){
		"psk":       func(ca, cb *ike.Config) { cb.Peers[0].PSK = []byte("another secret") },
		"verify_id": func(ca, cb *ike.Config) { cb.Peers[0].PeersIDs[0].Data = []byte("x.example") },
	} {
		t.Run(name, func(t *testing.T) {
			p := newPair(t, mod)
			_ = p.a.InitiateSelector("a-out")
			p.w.Run()
			if p.a.Len() != 0 || p.b.Len() != 0 {
				t.Fatalf("SAs left: %d/%d", p.a.Len(), p.b.Len())
			}
			if p.ka.Count() != 0 || len(p.ka.Larval) != 0 || p.kb.Count() != 0 {
				t.Fatalf("kernel state left: %v %v %v", p.ka.SAs, p.ka.Larval, p.kb.SAs)
			}
		})
	}
}

// The initiator checks the responder's AUTH too.
func TestInitiatorVerifiesResponder(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) { ca.Peers[0].PeersIDs[0].Data = []byte("x.example") })
	_ = p.a.InitiateSelector("a-out")
	p.w.Run()
	if p.a.Len() != 0 || p.a.Stats().Established != 0 || p.ka.Count() != 0 || len(p.ka.Larval) != 0 {
		t.Fatalf("initiator accepted a responder outside peers_id: %+v", p.a.Stats())
	}
}

// RFC 7296 1.2 and 2.9: a child the responder cannot accept leaves the
// IKE SA up; TS_UNACCEPTABLE comes back and the larval SPI is released.
func TestChildTSUnacceptable_RFC7296_2_9(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		cb.Children[0].Sel.Dst = netipPfx("10.9.0.0/16")
	})
	p.establish(t)
	if p.ka.Count() != 0 || len(p.ka.Larval) != 0 || p.kb.Count() != 0 {
		t.Fatalf("kernel: %v %v %v", p.ka.SAs, p.ka.Larval, p.kb.SAs)
	}
	if len(only(t, p.a).children) != 0 {
		t.Fatal("child recorded")
	}
}

func TestChildNoProposal(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		cb.Children[0].Proposals[0].Encr = []ike.EncrAlg{{ID: 3}}
	})
	p.establish(t)
	if p.ka.Count() != 0 || len(p.ka.Larval) != 0 {
		t.Fatal("child installed without a common proposal")
	}
}

// RFC 7296 1.3.1: USE_TRANSPORT_MODE; the responder only takes transport
// selectors for it, and narrows the request to its selector.
func TestTransportModeAndNarrowing_RFC7296_1_3_1(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Children[0].Mode = ike.ModeTransport
		ca.Children[0].Sel = ike.Selector{Src: netipPfx("192.0.2.1/32"), Dst: netipPfx("192.0.2.0/24"), Proto: 255}
		tun := testChild("b-tun", "a", "192.0.2.2/32", "192.0.2.1/32")
		cb.Children[0].Mode = ike.ModeTransport
		cb.Children[0].Sel = ike.Selector{Src: netipPfx("192.0.2.2/32"), Dst: netipPfx("192.0.2.1/32"), Proto: 6}
		cb.Children = append([]*ike.ChildConfig{tun}, cb.Children...)
	})
	p.establish(t)
	c := only(t, p.b).children
	if len(c) != 1 || c[0].cfg.Selector != "b-out" || c[0].mode != ike.ModeTransport {
		t.Fatalf("responder child %+v", c)
	}
	for _, sa := range p.ka.SAs {
		if sa.Mode != ike.ModeTransport {
			t.Fatalf("kernel SA mode %v", sa.Mode)
		}
	}
	// The initiator's TS request (192.0.2.0/24, any) came back narrowed to
	// the responder's host and TCP.
	m := authResponse(t, p)
	tsr := fromTS(getTS(m, PayloadTSr))
	if len(tsr) != 1 || tsr[0].proto != 6 || tsr[0].start != addrB || tsr[0].end != addrB {
		t.Fatalf("TSr %+v", tsr)
	}
}

// authResponse decrypts the IKE_AUTH response with A's keys (for
// inspection; only possible while A's SA exists).
func authResponse(t *testing.T, p *pair) *Message {
	t.Helper()
	for _, q := range p.w.Log {
		if msgIs(ExchangeIKEAuth, true)(q) {
			d := bytes.Clone(q.Data)
			m, err := ParseMessage(d)
			if err != nil {
				t.Fatal(err)
			}
			in, _ := only(t, p.a).keys.cipherIn()
			if err := m.Open(d, in); err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatal("no IKE_AUTH response")
	return nil
}

// RFC 7296 1.4.1: deleting the IKE SA deletes its children on both sides.
func TestDeleteIKE_RFC7296_1_4_1(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	p.a.deleteIKE(only(t, p.a))
	p.w.Run()
	if p.a.Len() != 0 || p.b.Len() != 0 || p.ka.Count() != 0 || p.kb.Count() != 0 {
		t.Fatalf("left: SAs %d/%d kernel %d/%d", p.a.Len(), p.b.Len(), p.ka.Count(), p.kb.Count())
	}
	if p.a.Stats().Deleted != 1 || p.b.Stats().Deleted != 1 {
		t.Errorf("%+v %+v", p.a.Stats(), p.b.Stats())
	}
}

// RFC 7296 1.4.1: a child Delete is answered with the matching SPIs; the
// responder of the IKE SA can start it.
func TestDeleteChild_RFC7296_1_4_1(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	sb := only(t, p.b)
	p.b.deleteChild(sb, sb.children[0])
	p.w.Run()
	if p.ka.Count() != 0 || p.kb.Count() != 0 || len(only(t, p.a).children) != 0 {
		t.Fatalf("kernel %d/%d", p.ka.Count(), p.kb.Count())
	}
	if only(t, p.a).state != stateEstablished || only(t, p.b).mgr.nextID != 1 {
		t.Fatal("IKE SA affected by a child delete")
	}
}

// A hard EXPIRE deletes the child on both sides.
func TestExpireHardDeletesChild(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	c := only(t, p.a).children[0]
	p.a.HandleKernelEvent(&ike.Expire{SAID: ike.SAID{Src: addrB, Dst: addrA, Proto: ike.ProtoESP, SPI: c.inSPI}, Hard: true})
	p.w.Run()
	if p.ka.Count() != 0 || p.kb.Count() != 0 {
		t.Fatalf("kernel %d/%d", p.ka.Count(), p.kb.Count())
	}
}

// racoon2 3.3: an empty INFORMATIONAL every dpd_delay; a peer that stops
// answering is given up after max_retry_to_send, with its kernel SAs.
func TestLivenessAndDeadPeer(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Peers[0].DPDDelay = 60 * time.Second
		cb.Peers[0].DPDDelay = 3600 * time.Second
	})
	p.establish(t)
	n := len(p.w.Log)
	p.w.Advance(60 * time.Second)
	if len(p.w.Log) != n+2 || only(t, p.a).state != stateEstablished {
		t.Fatalf("liveness: %d packets", len(p.w.Log)-n)
	}
	p.w.AddFilter(iketest.Drop(iketest.From(addrB)))
	p.w.Advance(60*time.Second + 383*time.Second)
	if p.a.Len() != 0 || p.ka.Count() != 0 {
		t.Fatalf("dead peer kept: %d SAs, %d kernel SAs", p.a.Len(), p.ka.Count())
	}
}

// Hostile input: garbage, truncation, unknown SPIs, replays and forged
// integrity are dropped and counted and never change an SA.
func TestHostileInput(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	sb := only(t, p.b)
	before := sb.mgr
	auth := p.w.Log[2].Data // the IKE_AUTH request, already processed
	inject := func(d []byte) {
		p.w.Inject(ike.Packet{Local: netipAP(addrA), Remote: netipAP(addrB), Data: d})
		p.w.Run()
	}
	inject([]byte("garbage"))
	inject(auth[:40])
	bad := bytes.Clone(auth)
	bad[8] ^= 0xff // SPIr
	inject(bad)
	st := p.b.Stats()
	if st.DropMalformed != 2 || st.DropUnknownSPI != 1 {
		t.Fatalf("%+v", st)
	}
	// A forged message with the next message ID fails integrity and
	// changes nothing.
	forged := bytes.Clone(auth)
	binary.BigEndian.PutUint32(forged[20:], 2)
	forged[len(forged)-1] ^= 1
	inject(forged)
	if p.b.Stats().DropIntegrity != 1 || sb.mgr.peerNext != before.peerNext || sb.mgr.busy {
		t.Fatalf("integrity failure changed state: %+v", p.b.Stats())
	}
	// A replay of an old request gets at most the cached response.
	binary.BigEndian.PutUint32(forged[20:], 0)
	inject(forged)
	if sb.state != stateEstablished || p.kb.Count() != 2 {
		t.Fatal("replay hurt the SA")
	}
	// The SA still works.
	p.a.queue(only(t, p.a), &dpdTask{})
	p.w.Run()
	if sb.mgr.peerNext != 3 || len(only(t, p.a).mgr.out) != 0 {
		t.Fatal("liveness check after hostile input failed")
	}
}

// ACQUIRE: the policy id goes through spmd (SLID); a duplicate ACQUIRE is
// ignored (racoon2 3.5).
func TestAcquireSLIDAndDuplicates(t *testing.T) {
	p := newPair(t, nil)
	pol := &fakePolicy{sel: map[uint32]string{40: "a-out"}}
	p.a.o.Policy = pol
	acq := &ike.Acquire{Seq: 9, PolicyID: 40, Src: addrA, Dst: addrB}
	p.a.HandleKernelEvent(acq)
	p.a.HandleKernelEvent(acq)
	p.w.Run()
	p.mustBeUp(t)
	if pol.calls != 1 || p.a.Stats().AcquireDup != 1 {
		t.Fatalf("SLID calls %d, dup %d", pol.calls, p.a.Stats().AcquireDup)
	}
	// A new ACQUIRE for the selector already up starts nothing.
	p.a.HandleKernelEvent(&ike.Acquire{Seq: 10, PolicyID: 40})
	p.w.Run()
	if p.a.Len() != 1 {
		t.Fatal("second IKE SA for the same selector")
	}
}

type fakePolicy struct {
	sel   map[uint32]string
	calls int
}

func (f *fakePolicy) SLID(id uint32, done func(string, error)) {
	f.calls++
	done(f.sel[id], nil)
}
func (f *fakePolicy) PolicyAdd(ike.PolicyRequest, func(error))    {}
func (f *fakePolicy) PolicyDelete(ike.PolicyRequest, func(error)) {}

// -I: the selector is found from our address toward the peer and the peer's.
func TestInitiatePeer(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		ca.Children[0].Sel = ike.Selector{Src: netipPfx("192.0.2.1/32"), Dst: netipPfx("192.0.2.2/32"), Proto: 255}
		cb.Children[0].Sel = ike.Selector{Src: netipPfx("192.0.2.2/32"), Dst: netipPfx("192.0.2.1/32"), Proto: 255}
	})
	if err := p.a.InitiatePeer(addrB); err != nil {
		t.Fatal(err)
	}
	p.w.Run()
	p.mustBeUp(t)
	if err := p.a.InitiatePeer(netipAddr("198.51.100.1")); err == nil {
		t.Error("no selector, no error")
	}
}

// racoon2: an unknown address gets default{remote}, then the remote is
// chosen by ID at IKE_AUTH.
func TestResponderRemoteByID(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		r := cb.Peers[0]
		r.Name, r.Addrs = "byid", nil
		cb.Children[0].Remote = "byid"
		def := testPeer("", netipAddr("0.0.0.0"), "b.example", "nobody")
		def.Addrs, def.PSK = nil, r.PSK
		cb.Default = def
	})
	p.establish(t)
	if got := only(t, p.b).peer.Name; got != "byid" || p.kb.Count() != 2 {
		t.Fatalf("remote %q, kernel %d", got, p.kb.Count())
	}
}

// Shutdown deletes every IKE SA: the peer hears a Delete, the kernel is
// emptied.
func TestShutdown(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	done := false
	p.a.Shutdown(func() { done = true })
	if p.ka.Count() != 0 {
		t.Fatal("kernel SAs kept during shutdown")
	}
	if done {
		t.Fatal("done before the Delete was answered")
	}
	p.w.Run()
	if !done || p.a.Len() != 0 || p.ka.Count() != 0 || p.b.Len() != 0 || p.kb.Count() != 0 {
		t.Fatalf("left: done %v, %d %d %d %d", done, p.a.Len(), p.ka.Count(), p.b.Len(), p.kb.Count())
	}
	// With no SA, done runs at once; an unanswered Delete is given up on.
	q := newPair(t, nil)
	q.establish(t)
	q.w.AddFilter(iketest.Drop(iketest.From(addrB)))
	done = false
	q.a.Shutdown(func() { done = true })
	q.w.Advance(400 * time.Second)
	if !done || q.a.Len() != 0 {
		t.Fatal("shutdown never finished with a silent peer")
	}
}

// RFC 7296 2.3: SET_WINDOW_SIZE lets us keep more requests in flight.
func TestSetWindowSize_RFC7296_2_3(t *testing.T) {
	p := newPair(t, nil)
	p.establish(t)
	sa := only(t, p.a)
	p.a.noteWindow(sa, &Message{Payloads: []Payload{notify(NotifySetWindowSize, []byte{0, 0, 0, 2})}})
	p.a.queue(sa, &dpdTask{})
	p.a.queue(sa, &dpdTask{})
	p.a.queue(sa, &dpdTask{})
	if len(sa.mgr.out) != 2 || len(sa.queue) != 1 {
		t.Fatalf("in flight %d, queued %d; want 2 and 1", len(sa.mgr.out), len(sa.queue))
	}
	p.w.Advance(2 * time.Second) // B has window 1: it answers one, drops the other until retransmitted
	if len(sa.mgr.out) != 0 || len(sa.queue) != 0 || sa.state != stateEstablished {
		t.Fatalf("in flight %d, queued %d", len(sa.mgr.out), len(sa.queue))
	}
}

// RFC 7296 2.5: a request with a higher major version gets
// INVALID_MAJOR_VERSION with ours; a response of that version is dropped.
func TestInvalidMajorVersion_RFC7296_2_5(t *testing.T) {
	p := newPair(t, nil)
	req := make([]byte, 28)
	binary.BigEndian.PutUint64(req, 0x1122)
	req[17], req[18], req[19] = 0x30, byte(ExchangeIKESAInit), FlagInitiator
	binary.BigEndian.PutUint32(req[24:], 28)
	p.w.Inject(ike.Packet{Local: netipAP(addrA), Remote: netipAP(addrB), Data: req})
	p.w.Step()
	out := p.w.TakeInFlight()
	if len(out) != 1 {
		t.Fatalf("%d answers", len(out))
	}
	m, err := ParseMessage(out[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	n := m.Notify(NotifyInvalidMajorVersion)
	if n == nil || len(n.Data) != 1 || n.Data[0] != 0x20 || m.SPIi != 0x1122 || !m.IsResponse() {
		t.Fatalf("answer %+v", m)
	}
	resp := bytes.Clone(req)
	resp[19] = FlagResponse
	p.w.Inject(ike.Packet{Local: netipAP(addrA), Remote: netipAP(addrB), Data: resp})
	p.w.Step()
	if len(p.w.TakeInFlight()) != 0 {
		t.Fatal("answered a response")
	}
}

// sameAddrRemote adds to c a copy of its first remote named name, and
// returns name.
func sameAddrRemote(c *ike.Config, name string) string {
	p := *c.Peers[0]
	p.Name = name
	c.Peers = append(c.Peers, &p)
	return name
}

// twoSelectorsOneRemote gives A and B a second selector toward each other (10.3/16
// behind B); A's two are named by ACQUIRE policy ids 1 and 2 (-D 8).
func twoSelectorsOneRemote(ca, cb *ike.Config) {
	ca.Children[0].Selector = "1"
	ca.Children = append(ca.Children, testChild("2", "b", "10.1.0.0/16", "10.3.0.0/16"))
	cb.Children = append(cb.Children, testChild("b-out2", "a", "10.3.0.0/16", "10.1.0.0/16"))
}

// RFC 7296 1.3.1: two selectors of one remote that want SAs at once share
// one IKE SA: the second waits for it and comes as CREATE_CHILD_SA,
// instead of a second IKE SA to the same peer.
func TestTwoSelectorsShareIKESA_RFC7296_1_3_1(t *testing.T) {
	p := newPair(t, twoSelectorsOneRemote)
	p.a.HandleKernelEvent(&ike.Acquire{Seq: 1, PolicyID: 1, Dst: addrB})
	p.a.HandleKernelEvent(&ike.Acquire{Seq: 2, PolicyID: 2, Dst: addrB})
	p.a.HandleKernelEvent(&ike.Acquire{Seq: 3, PolicyID: 2, Dst: addrB}) // the kernel asks again
	p.w.Run()
	p.mustBeUp(t)
	if n := childPairs(t, p); n != 2 {
		t.Fatalf("%d children, want 2\nA: %s", n, status(p.a))
	}
	sels := map[string]bool{}
	for _, c := range only(t, p.a).children {
		sels[c.cfg.Selector] = true
	}
	if !sels["1"] || !sels["2"] || len(p.a.acquires) != 0 || p.a.Stats().AcquireDup != 1 {
		t.Fatalf("selectors %v, acquires pending %v, duplicates %d", sels, p.a.acquires, p.a.Stats().AcquireDup)
	}
}

// The ACQUIREs that joined an IKE SA which then fails are reported to the
// kernel with the one that started it.
func TestJoinedAcquiresFailWithIKESA(t *testing.T) {
	p := newPair(t, func(ca, cb *ike.Config) {
		twoSelectorsOneRemote(ca, cb)
		cb.Peers[0].Proposal.DH = []uint16{2} // nothing in common
	})
	p.a.HandleKernelEvent(&ike.Acquire{Seq: 1, PolicyID: 1, Dst: addrB})
	p.a.HandleKernelEvent(&ike.Acquire{Seq: 2, PolicyID: 2, Dst: addrB})
	p.w.Run()
	seqs := map[uint32]bool{}
	for _, a := range p.ka.Failed {
		seqs[a.Seq] = true
	}
	if len(p.ka.Failed) != 2 || !seqs[1] || !seqs[2] || p.a.Len() != 0 || p.a.Stats().Failed != 1 {
		t.Fatalf("AcquireFailed %v, IKE SAs %d, failed %d", p.ka.Failed, p.a.Len(), p.a.Stats().Failed)
	}
}
