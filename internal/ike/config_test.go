package ike

import (
	"net/netip"
	"testing"
	"time"
)

// racoon2 reference 3.3: interval = interval_to_send x {1,2,4,8,16,32,64,64,...}.
func TestRetransmitWaitRacoon2Schedule(t *testing.T) {
	r := Retransmit{Interval: 2 * time.Second, TimesPerSend: 0, MaxRetry: 10}
	want := []int{1, 2, 4, 8, 16, 32, 64, 64, 64, 64, 64}
	for n, m := range want {
		if got := r.Wait(n); got != time.Duration(m)*2*time.Second {
			t.Errorf("Wait(%d) = %v, want %v", n, got, time.Duration(m)*2*time.Second)
		}
	}
	if r.Copies() != 1 {
		t.Errorf("Copies() = %d for times_per_send 0, want 1", r.Copies())
	}
}

func TestConfigPeerLookup(t *testing.T) {
	a := netip.MustParseAddr("192.0.2.1")
	fq := ID{Type: IDFQDN, Data: []byte("peer.example")}
	p1 := &PeerConfig{Name: "one", Addrs: []netip.Addr{a}}
	p2 := &PeerConfig{Name: "two", AnyAddr: true, PeersIDs: []ID{fq}}
	def := &PeerConfig{}
	c := &Config{Peers: []*PeerConfig{p1, p2}, Default: def}
	if c.PeerByAddr(a) != p1 {
		t.Error("by address: want remote one")
	}
	if c.PeerByAddr(netip.MustParseAddr("::ffff:192.0.2.1")) != p1 {
		t.Error("by v4-mapped address: want remote one")
	}
	if c.PeerByAddr(netip.MustParseAddr("192.0.2.9")) != p2 {
		t.Error("IP_ANY remote should match an unknown address")
	}
	if c.PeerByID(fq) != p2 || c.PeerByID(ID{Type: IDFQDN, Data: []byte("x")}) != nil {
		t.Error("by ID")
	}
	if c.PeerByName("one") != p1 {
		t.Error("by name")
	}
	c.Peers = c.Peers[:1]
	if c.PeerByAddr(netip.MustParseAddr("192.0.2.9")) != def {
		t.Error("unknown address should fall back to default{remote}")
	}
	id := IDFromAddr(netip.MustParseAddr("::ffff:10.0.0.1"))
	if id.Type != IDIPv4 || len(id.Data) != 4 {
		t.Errorf("IDFromAddr v4-mapped = %+v", id)
	}
}
