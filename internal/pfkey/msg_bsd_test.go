package pfkey

import (
	"bytes"
	"errors"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// Golden PF_KEY messages as FreeBSD and NetBSD expect them, checked on any
// host by switching the layout. Sources: FreeBSD sys/net/pfkeyv2.h and
// sys/netipsec/key.c (key_msg2sp, key_spdadd, key_setsaval), NetBSD
// sys/net/pfkeyv2.h (1.34), both KAME descendants.

// An ADD of an outbound AES-GCM-16 SA behind a NAT on FreeBSD.
//   - struct sadb_sa: sadb_sa_replay is bytes (64 packets: 8), auth 0
//     (xform_esp.c esp_init picks AES-GMAC from the 20-byte key: 16 + salt),
//     encrypt SADB_X_EALG_AESGCM16 = 20.
//   - struct sockaddr_in with sa_len 16.
//   - SADB_X_EXT_NAT_T_TYPE/SPORT/DPORT (20/21/22: struct
//     sadb_x_nat_t_type, sadb_x_nat_t_port, ports in network order) and
//     the original address as SADB_X_EXT_NAT_T_OAI (23, Linux's NAT_T_OA).
func TestGoldenAddNATTFreeBSD(t *testing.T) {
	littleEndian(t)
	withLayout(t, freebsdLayout)
	sa := &ike.SA{Src: v4b, Dst: v4a, Proto: ike.ProtoESP, SPI: 0xc0ffee02, Mode: ike.ModeTunnel, ReqID: 7,
		EncrID: encrAESGCM16, EncrKey: key(20, 0x10), ReplayWindow: 64,
		Lifetime: ike.Lifetime{SoftTime: 90 * time.Second, HardTime: 100 * time.Second},
		Encap:    &ike.Encap{SrcPort: 4500, DstPort: 4500, OrigAddr: netip.MustParseAddr("198.51.100.7")}}
	m, err := SAMsg(Add, sa)
	if err != nil {
		t.Fatal(err)
	}
	m.Seq, m.PID = 3, 99
	want := unhex(t, `
		02 03 00 03 1e 00 00 00 03 00 00 00 63 00 00 00
		02 00 01 00 c0 ff ee 02 08 01 00 14 00 00 00 00
		04 00 03 00 00 00 00 00 00 00 00 00 00 00 00 00 64 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		04 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 5a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		03 00 05 00 ff 20 00 00 10 02 00 00 c0 00 02 02 00 00 00 00 00 00 00 00
		03 00 06 00 ff 20 00 00 10 02 00 00 c0 00 02 01 00 00 00 00 00 00 00 00
		04 00 09 00 a0 00 00 00 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 00 00 00 00
		02 00 13 00 02 00 00 00 00 00 00 00 07 00 00 00
		01 00 14 00 02 00 00 00
		01 00 15 00 11 94 00 00
		01 00 16 00 11 94 00 00
		03 00 17 00 ff 20 00 00 10 02 00 00 c6 33 64 07 00 00 00 00 00 00 00 00`)
	golden(t, m, want)
}

// A replay window beyond sadb_sa_replay's 255 bytes: FreeBSD gets 255 and
// SADB_X_EXT_SA_REPLAY (26, struct sadb_x_sa_replay: the window in
// packets, which key_setsaval prefers); an AH SA with HMAC-SHA2-256
// (SADB_X_AALG_SHA2_256 = 5, as on Linux).
func TestGoldenSAReplayFreeBSD(t *testing.T) {
	littleEndian(t)
	withLayout(t, freebsdLayout)
	sa := &ike.SA{Src: v4a, Dst: v4b, Proto: ike.ProtoAH, SPI: 0x1000, Mode: ike.ModeTransport,
		IntegID: integSHA256_128, IntegKey: key(32, 0x40), ReplayWindow: 4096}
	m, err := SAMsg(Add, sa)
	if err != nil {
		t.Fatal(err)
	}
	m.Seq, m.PID = 4, 99
	want := unhex(t, `
		02 03 00 02 12 00 00 00 04 00 00 00 63 00 00 00
		02 00 01 00 00 00 10 00 ff 01 05 00 00 00 00 00
		03 00 05 00 ff 20 00 00 10 02 00 00 c0 00 02 01 00 00 00 00 00 00 00 00
		03 00 06 00 ff 20 00 00 10 02 00 00 c0 00 02 02 00 00 00 00 00 00 00 00
		05 00 08 00 00 01 00 00 40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50 51 52 53 54 55 56 57 58 59 5a 5b 5c 5d 5e 5f
		02 00 13 00 01 00 00 00 00 00 00 00 00 00 00 00
		01 00 1a 00 00 10 00 00`)
	golden(t, m, want)
}

// Replay windows per system: Linux counts packets up to 32, NetBSD bytes
// up to 255 (2040 packets), FreeBSD adds the extension beyond that.
func TestReplayWindowLimits(t *testing.T) {
	for _, tc := range []struct {
		l      layout
		window uint32
		field  uint8
		ext    uint32 // 0: no SADB_X_EXT_SA_REPLAY
		fails  bool
	}{
		{linuxLayout, 32, 32, 0, false},
		{linuxLayout, 64, 0, 0, true},
		{netbsdLayout, 64, 8, 0, false},
		{netbsdLayout, 60, 8, 0, false}, // rounded up to whole bytes
		{netbsdLayout, 2040, 255, 0, false},
		{netbsdLayout, 2041, 0, 0, true},
		{freebsdLayout, 2040, 255, 0, false},
		{freebsdLayout, 2041, 255, 2041, false},
		{freebsdLayout, 1 << 20, 255, 1 << 20, false},
	} {
		withLayout(t, tc.l)
		sa := &ike.SA{Src: v4a, Dst: v4b, Proto: ike.ProtoESP, SPI: 0x1000, EncrID: encrAESCBC,
			EncrKey: key(16, 0), IntegID: integSHA1, IntegKey: key(20, 0), ReplayWindow: tc.window}
		m, err := SAMsg(Add, sa)
		if tc.fails {
			if !errors.Is(err, syscall.EINVAL) {
				t.Errorf("%s window %d: err %v, want EINVAL", tc.l.name, tc.window, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s window %d: %v", tc.l.name, tc.window, err)
		}
		var ext uint32
		if m.SAReplay != nil {
			ext = *m.SAReplay
		}
		if m.SA.Replay != tc.field || ext != tc.ext {
			t.Errorf("%s window %d: sadb_sa_replay %d ext %d, want %d %d", tc.l.name, tc.window, m.SA.Replay, ext, tc.field, tc.ext)
		}
		if _, err := m.Marshal(nil); err != nil {
			t.Errorf("%s window %d: %v", tc.l.name, tc.window, err)
		}
	}
}

// spmd's SPDUPDATE of an inbound IPv6 tunnel policy with a lifetime on
// NetBSD: AF_INET6 is 24, sockaddr_in6 has sa_len 28, the ipsecrequest is
// 8 + 28 + 28 = 64 bytes with the reqid in 16 bits, and the last policy
// word is sadb_x_policy_reserved2.
func TestGoldenSPDUpdateNetBSD6(t *testing.T) {
	littleEndian(t)
	withLayout(t, netbsdLayout)
	p := &ike.Policy{
		Selector: ike.Selector{Src: netip.MustParsePrefix("2001:db8:1::/48"), Dst: netip.MustParsePrefix("2001:db8:2::/48")},
		Dir:      ike.DirIn, Action: ike.ActionIPsec, Lifetime: ike.Lifetime{HardTime: time.Hour},
		Templates: []ike.Template{{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelUnique, ReqID: 300,
			Src: netip.MustParseAddr("2001:db8::2"), Dst: netip.MustParseAddr("2001:db8::1")}},
	}
	m, err := PolicyMsg(XSPDUpdate, p)
	if err != nil {
		t.Fatal(err)
	}
	m.Seq, m.PID = 5, 6
	want := unhex(t, `
		02 0d 00 00 1c 00 00 00 05 00 00 00 06 00 00 00
		04 00 03 00 00 00 00 00 00 00 00 00 00 00 00 00 10 0e 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		05 00 05 00 ff 30 00 00 1c 18 00 00 00 00 00 00 20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		05 00 06 00 ff 30 00 00 1c 18 00 00 00 00 00 00 20 01 0d b8 00 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		0a 00 12 00 02 00 01 00 00 00 00 00 00 00 00 00
		40 00 32 00 02 03 2c 01
		1c 18 00 00 00 00 00 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 00
		1c 18 00 00 00 00 00 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 00
		02 00 13 00 02 00 00 00 00 00 00 00 2c 01 00 00`)
	golden(t, m, want)
}

// A transport-mode request is the bare 8-byte struct on the KAME
// descendants, 16 bytes on Linux (linux/pfkeyv2.h: reserved1, u32 reqid,
// reserved2).
func TestRequestHeaderSizes(t *testing.T) {
	littleEndian(t)
	p := &ike.Policy{
		Selector: ike.Selector{Src: netip.MustParsePrefix("192.0.2.1/32"), Dst: netip.MustParsePrefix("192.0.2.2/32")},
		Dir:      ike.DirOut, Action: ike.ActionIPsec,
		Templates: []ike.Template{{Proto: ike.ProtoESP, Mode: ike.ModeTransport, Level: ike.LevelRequire, ReqID: 0x1234},
			{Proto: ike.ProtoAH, Mode: ike.ModeTransport, Level: ike.LevelUse}},
	}
	for _, tc := range []struct {
		l    layout
		reqs string
	}{
		{freebsdLayout, "08 00 32 00 01 02 34 12 08 00 33 00 01 01 00 00"},
		{netbsdLayout, "08 00 32 00 01 02 34 12 08 00 33 00 01 01 00 00"},
		{linuxLayout, "10 00 32 00 01 02 00 00 34 12 00 00 00 00 00 00 10 00 33 00 01 01 00 00 00 00 00 00 00 00 00 00"},
	} {
		withLayout(t, tc.l)
		m, err := PolicyMsg(XSPDUpdate, p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Marshal(nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := unhex(t, tc.reqs); !bytes.Contains(b, want) {
			t.Errorf("%s: requests %x not in %x", tc.l.name, want, b)
		}
		back, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if rq := back.Policy.Requests; len(rq) != 2 || rq[0].ReqID != 0x1234 || rq[1].Proto != 51 || rq[1].Level != LevelUse {
			t.Errorf("%s: parsed requests %+v", tc.l.name, rq)
		}
	}
}

// What the KAME descendants cannot express is refused, never truncated:
// reqids above 16 bits, fwd policies, a priority on NetBSD, MIGRATE.
func TestKAMERefusals(t *testing.T) {
	pol := func(reqid, prio uint32, dir ike.Dir) *ike.Policy {
		return &ike.Policy{
			Selector: ike.Selector{Src: netip.MustParsePrefix("10.0.0.0/8"), Dst: netip.MustParsePrefix("10.1.0.0/16")},
			Dir:      dir, Action: ike.ActionIPsec, Priority: prio,
			Templates: []ike.Template{{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelUnique, ReqID: reqid, Src: v4a, Dst: v4b}},
		}
	}
	encode := func(p *ike.Policy) error {
		m, err := PolicyMsg(XSPDUpdate, p)
		if err == nil {
			_, err = m.Marshal(nil)
		}
		return err
	}
	sa := &ike.SA{Src: v4a, Dst: v4b, Proto: ike.ProtoESP, SPI: 0x1000, EncrID: encrAESCBC,
		EncrKey: key(16, 0), IntegID: integSHA1, IntegKey: key(20, 0), ReqID: 0x10000}
	mig := &ike.Migrate{Selector: pol(1, 0, ike.DirOut).Selector, Dir: ike.DirOut, ReqID: 1,
		OldSrc: v4a, OldDst: v4b, NewSrc: v4b, NewDst: v4a}
	for _, l := range []layout{freebsdLayout, netbsdLayout} {
		withLayout(t, l)
		if err := encode(pol(0x10000, 0, ike.DirOut)); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("%s: reqid 0x10000 policy: %v", l.name, err)
		}
		if _, err := SAMsg(Add, sa); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("%s: reqid 0x10000 SA: %v", l.name, err)
		}
		if err := encode(pol(0xffff, 0, ike.DirOut)); err != nil {
			t.Errorf("%s: reqid 0xffff: %v", l.name, err)
		}
		if err := encode(pol(1, 0, ike.DirFwd)); !errors.Is(err, syscall.EOPNOTSUPP) {
			t.Errorf("%s: fwd: %v", l.name, err)
		}
		natt := *sa
		natt.ReqID, natt.Mode = 1, ike.ModeTransport
		natt.Encap = &ike.Encap{SrcPort: 4500, DstPort: 4500, OrigAddr: netip.MustParseAddr("2001:db8::9")}
		if _, err := SAMsg(Add, &natt); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("%s: IPv6 NAT-OA in transport mode: %v", l.name, err)
		}
		if _, err := MigrateMsg(mig, ike.ProtoESP, ike.ModeTunnel); !errors.Is(err, syscall.EOPNOTSUPP) {
			t.Errorf("%s: MIGRATE: %v", l.name, err)
		}
	}
	withLayout(t, netbsdLayout)
	if err := encode(pol(1, 10, ike.DirOut)); !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Errorf("NetBSD priority: %v", err)
	}
	withLayout(t, freebsdLayout)
	if err := encode(pol(1, 10, ike.DirOut)); err != nil {
		t.Errorf("FreeBSD priority (key_msg2sp reads it): %v", err)
	}
	withLayout(t, linuxLayout)
	if err := encode(pol(0x10000, 0, ike.DirFwd)); err != nil {
		t.Errorf("Linux: %v", err)
	}
	if _, err := SAMsg(Add, sa); err != nil {
		t.Errorf("Linux reqid 0x10000 SA: %v", err)
	}
}

// A kernel SPDUPDATE reply as FreeBSD's key_spdadd sends it (the request's
// extensions with sadb_x_policy_id set to the new id), and NetBSD's
// kernel-made policy flag and NAT_T_OAR (24) in the same codec.
func TestParseKAMEReplies(t *testing.T) {
	littleEndian(t)
	withLayout(t, freebsdLayout)
	reply := unhex(t, `
		02 0d 00 00 0b 00 00 00 01 00 00 00 02 00 00 00
		03 00 05 00 ff 10 00 00 10 02 00 00 0a 01 00 00 00 00 00 00 00 00 00 00
		03 00 06 00 ff 10 00 00 10 02 00 00 0a 02 00 00 00 00 00 00 00 00 00 00
		03 00 12 00 02 00 02 01 2a 00 00 00 05 00 00 00
		08 00 32 00 01 02 00 00`)
	m, err := Parse(reply)
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Policy; p.ID != 42 || p.Flags != 1 || p.Priority != 5 || len(p.Requests) != 1 || p.Requests[0].Mode != ModeTransport {
		t.Errorf("policy %+v", p)
	}
	withLayout(t, netbsdLayout)
	b := unhex(t, `
		02 08 00 03 07 00 00 00 00 00 00 00 00 00 00 00
		02 00 12 00 02 00 02 80 07 00 00 00 00 00 00 00
		03 00 18 00 ff 20 00 00 10 02 00 00 c6 33 64 08 00 00 00 00 00 00 00 00`)
	m, err = Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.NATTOAR == nil || m.NATTOAR.Addr.Addr() != netip.MustParseAddr("198.51.100.8") || m.Policy.Flags != 0x80 {
		t.Errorf("got %+v", m)
	}
	if out, err := m.Marshal(nil); err != nil || !bytes.Equal(out, b) {
		t.Errorf("re-encoding %x %v", out, err)
	}
	// The same bytes on Linux are a security context, kept raw.
	withLayout(t, linuxLayout)
	if m, err = Parse(b); err != nil || m.NATTOAR != nil || len(m.Raw) != 1 || m.Raw[0].Type != ExtXSecCtx {
		t.Errorf("Linux: %+v %v", m, err)
	}
	if _, err := (&Msg{Type: Add, SAReplay: new(uint32)}).Marshal(nil); err == nil {
		t.Error("SA_REPLAY encoded on Linux")
	}
}

// FuzzParseKAME: the KAME layouts' decoders never panic and re-encode
// stably (the FreeBSD and NetBSD views of the same bytes).
func FuzzParseKAME(f *testing.F) {
	f.Add(unhex(f, `02 0d 00 00 0b 00 00 00 01 00 00 00 02 00 00 00
		03 00 05 00 ff 10 00 00 10 02 00 00 0a 01 00 00 00 00 00 00 00 00 00 00
		03 00 06 00 ff 10 00 00 10 02 00 00 0a 02 00 00 00 00 00 00 00 00 00 00
		03 00 12 00 02 00 02 01 2a 00 00 00 05 00 00 00 08 00 32 00 01 02 00 00`))
	f.Add(unhex(f, `02 03 00 02 03 00 00 00 04 00 00 00 63 00 00 00 01 00 1a 00 00 10 00 00`))
	f.Fuzz(func(t *testing.T, b []byte) {
		old := native
		defer func() { native = old }()
		for _, l := range []layout{freebsdLayout, netbsdLayout} {
			native = l
			roundTrip(t, l.name+": ", b)
		}
	})
}
