//go:build linux

package interop

import (
	"fmt"
	"strings"
	"testing"
)

// Output of iproute2 6.1 `ip -s xfrm state` in the test bed: an AEAD SA
// in UDP (NAT-T), a CBC SA, and an AH SA that must be left out.
const xfrmSample = `src 192.168.99.2 dst 10.99.0.2
	proto esp spi 0xca39fda8(3392798120) reqid 0(0x00000000) mode tunnel
	replay-window 32 seq 0x00000000 flag  (0x00000000)
	aead rfc4106(gcm(aes)) 0x00112233445566778899aabbccddeeff01020304 (160 bits) 128
	encap type espinudp sport 4500 dport 4500 addr 0.0.0.0
	anti-replay context: seq 0x0, oseq 0x5, bitmap 0x00000000
	sel src 0.0.0.0/0 dst 0.0.0.0/0 uid 0
	lifetime config:
	  limit: soft (INF)(bytes), hard (INF)(bytes)
	  limit: soft (INF)(packets), hard (INF)(packets)
	  expire add: soft 2988(sec), hard 3600(sec)
	  expire use: soft 0(sec), hard 0(sec)
	lifetime current:
	  420(bytes), 5(packets)
	  add 2026-11-22 18:15:11 use 2026-11-22 18:15:12
	stats:
	  replay-window 0 replay 0 failed 0
src 10.99.0.2 dst 10.99.0.1
	proto ah spi 0x00001000(4096) reqid 0(0x00000000) mode transport
	lifetime current:
	  84(bytes), 1(packets)
src 10.99.0.2 dst 192.168.99.2
	proto esp spi 0x0e8e2ddb(244198875) reqid 1(0x00000001) mode tunnel
	auth-trunc hmac(sha256) 0x00 (256 bits) 128
	enc cbc(aes) 0x00 (128 bits)
	lifetime current:
	  0(bytes), 0(packets)
`

func TestParseXfrmStates(t *testing.T) {
	got := parseXfrmStates(xfrmSample)
	want := []espSA{
		{src: "192.168.99.2", dst: "10.99.0.2", spi: "0xca39fda8(3392798120)", encap: true, packets: 5, aead: "rfc4106(gcm(aes))"},
		{src: "10.99.0.2", dst: "192.168.99.2", spi: "0x0e8e2ddb(244198875)", packets: 0, enc: "cbc(aes)"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d SAs, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("SA %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := len(parseXfrmStates("")); n != 0 {
		t.Errorf("empty output: %d SAs", n)
	}
}

func TestExpected(t *testing.T) {
	saved := expectFail
	defer func() { expectFail = saved }()
	expectFail = []knownFailure{{"rekey-child/*/responder", "a"}, {"nat-t/libreswan/*", "b"}}
	for _, c := range []struct {
		sc, peer, role string
		want           bool
	}{
		{"rekey-child", "strongswan", "responder", false},
		{"rekey-child", "strongswan", "initiator-I", true},
		{"nat-t", "libreswan", "initiator-acquire", false},
		{"nat-t", "strongswan", "initiator-acquire", true},
	} {
		if got, why := expected(c.sc, c.peer, c.role); got != c.want || (why == "") != c.want {
			t.Errorf("expected(%s, %s, %s) = %v", c.sc, c.peer, c.role, got)
		}
	}
}

// `ip xfrm policy` (iproute2 6.1) in iked's namespace of the rw-nat case:
// the dynamic out/in/fwd tunnel policies spmd installs on iked's POLICY
// ADD (racoon2 reference 5.4 (b)), a per-socket policy and an unrelated
// transport policy.
const xfrmPolicySample = `src 10.99.0.2/32 dst 192.168.99.2/32 
	dir out priority 0 ptype main 
	tmpl src 10.99.0.2 dst 10.99.0.1
		proto esp reqid 0 mode tunnel
src 192.168.99.2/32 dst 10.99.0.2/32 
	dir fwd priority 0 ptype main 
	tmpl src 10.99.0.1 dst 10.99.0.2
		proto esp reqid 0 mode tunnel
src 192.168.99.2/32 dst 10.99.0.2/32 
	dir in priority 0 ptype main 
	tmpl src 10.99.0.1 dst 10.99.0.2
		proto esp reqid 0 mode tunnel
src 10.99.0.2/32 dst 10.99.0.3/32 proto udp sport 500 
	dir out priority 0 ptype main 
	tmpl src 0.0.0.0 dst 0.0.0.0
		proto esp reqid 0 mode transport
src 0.0.0.0/0 dst 0.0.0.0/0 
	socket in priority 0 ptype main 
`

func TestParseXfrmPolicies(t *testing.T) {
	tp := &topo{iked: side{ns: nsIked, addr: "10.99.0.2", target: "10.99.0.1", inner: "192.168.99.2"}}
	got := parseXfrmPolicies(xfrmPolicySample)
	if len(got) != 5 {
		t.Fatalf("got %d policies, want 5: %v", len(got), got)
	}
	if got[3].mode != "transport" || got[3].dst != "10.99.0.3/32" || got[4].dir != "socket in" || got[4].tmplSrc != "" {
		t.Errorf("policies 3 and 4: %v, %v", got[3], got[4])
	}
	sel := selectorPolicies(got, tp)
	if len(sel) != 3 {
		t.Fatalf("selector policies: %v", sel)
	}
	if miss := missingPolicies(sel, rwPolicies(tp, tp.iked.target)); len(miss) != 0 {
		t.Errorf("missing %v", miss)
	}
	// An endpoint other than the NAT's public address (the peer's private
	// one, as a boot-time policy from peers_sa_ipaddr would have) is not
	// the dynamic policy.
	wrong := strings.ReplaceAll(xfrmPolicySample, "10.99.0.1", "192.168.99.2")
	if miss := missingPolicies(parseXfrmPolicies(wrong), rwPolicies(tp, tp.iked.target)); len(miss) != 3 {
		t.Errorf("wrong endpoints: missing %v, want all 3", miss)
	}
	if n := len(parseXfrmPolicies("")); n != 0 {
		t.Errorf("empty output: %d policies", n)
	}
}

// pcapFrame is one Linux cooked (SLL) frame of IPv4/UDP carrying payload.
func pcapFrame(src, dst [4]byte, sport, dport uint16, payload []byte) []byte {
	f := make([]byte, 16, 16+28+len(payload))
	f[14], f[15] = 0x08, 0x00
	ip := []byte{0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0}
	n := 28 + len(payload)
	ip[2], ip[3] = byte(n>>8), byte(n)
	ip = append(append(ip, src[:]...), dst[:]...)
	udp := []byte{byte(sport >> 8), byte(sport), byte(dport >> 8), byte(dport), byte((n - 20) >> 8), byte(n - 20), 0, 0}
	return append(append(append(f, ip...), udp...), payload...)
}

// ikeMsg is an IKEv2 header of exchange x with first payload np, then
// body, at length n.
func ikeMsg(x, np byte, body []byte, n int) []byte {
	h := make([]byte, 28, n)
	h[16], h[17], h[18] = np, 0x20, x
	h = append(h, body...)
	return h[:n]
}

func TestParseIKEAuth(t *testing.T) {
	a, b := [4]byte{10, 99, 0, 1}, [4]byte{10, 99, 0, 2}
	file := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 113, 0, 0, 0}
	add := func(f []byte) {
		rec := make([]byte, 16)
		rec[8], rec[9] = byte(len(f)), byte(len(f)>>8)
		rec[12], rec[13] = byte(len(f)), byte(len(f)>>8)
		file = append(append(file, rec...), f...)
	}
	frag := func(num, tot byte) []byte { return []byte{0, 0, 0, 0, 0, num, 0, tot} }
	add(pcapFrame(a, b, 500, 500, ikeMsg(34, 33, nil, 400)))                                         // IKE_SA_INIT: left out
	add(pcapFrame(a, b, 500, 500, ikeMsg(35, 53, frag(1, 2), 548)))                                  // SKF 1/2
	add(pcapFrame(b, a, 4500, 4500, append([]byte{0, 0, 0, 0}, ikeMsg(35, 53, frag(2, 2), 300)...))) // SKF 2/2 on 4500
	add(pcapFrame(b, a, 4500, 4500, append([]byte{0, 0, 0, 1}, ikeMsg(35, 53, frag(2, 2), 300)...))) // ESP in UDP: left out
	add(pcapFrame(b, a, 500, 500, ikeMsg(35, 46, nil, 200)))                                         // SK: whole
	got, err := parseIKEAuth(file)
	if err != nil {
		t.Fatal(err)
	}
	want := []skf{
		{src: "10.99.0.1", ipLen: 576, number: 1, tot: 2, port: 500},
		{src: "10.99.0.2", ipLen: 332, number: 2, tot: 2, port: 4500},
		{src: "10.99.0.2", ipLen: 228, port: 500},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}
