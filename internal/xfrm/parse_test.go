package xfrm

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
)

func nlmsg(typ uint16, payload []byte) []byte {
	b := make([]byte, 16, 16+len(payload)+3)
	ne.PutUint32(b, uint32(16+len(payload)))
	ne.PutUint16(b[4:], typ)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func attr(typ uint16, data []byte) []byte {
	b := make([]byte, 4, 4+len(data)+3)
	ne.PutUint16(b, uint16(4+len(data)))
	ne.PutUint16(b[2:], typ)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// putSel writes struct xfrm_selector for an IPv4 flow.
func putSel(b []byte, src, dst netip.Prefix, proto uint8, dport uint16) {
	d, s := dst.Addr().As4(), src.Addr().As4()
	copy(b[0:], d[:])
	copy(b[16:], s[:])
	binary.BigEndian.PutUint16(b[32:], dport)
	if dport != 0 {
		ne.PutUint16(b[34:], 0xffff)
	}
	ne.PutUint16(b[40:], afInet)
	b[42], b[43], b[44] = uint8(dst.Bits()), uint8(src.Bits()), proto
}

func expireMsg(hard bool) []byte {
	b := make([]byte, sizeExpire)
	a, c := netip.MustParseAddr("192.0.2.2").As4(), netip.MustParseAddr("192.0.2.1").As4()
	copy(b[56:], a[:]) // id.daddr
	binary.BigEndian.PutUint32(b[72:], 0xc0ffee01)
	b[76] = 50
	copy(b[80:], c[:]) // saddr
	ne.PutUint64(b[160:], 4096)
	ne.PutUint64(b[168:], 7)
	ne.PutUint32(b[208:], 42)
	ne.PutUint16(b[212:], afInet)
	b[214] = 1
	if hard {
		b[sizeUsersaInfo] = 1
	}
	return b
}

func acquireMsg() []byte {
	b := make([]byte, sizeAcquire)
	d, s := netip.MustParseAddr("192.0.2.2").As4(), netip.MustParseAddr("192.0.2.1").As4()
	copy(b[0:], d[:])
	b[20] = 50
	copy(b[24:], s[:])
	putSel(b[40:], netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("10.0.1.0/24"), 6, 443)
	ne.PutUint32(b[96+156:], 17) // policy index
	ne.PutUint32(b[276:], 99)    // seq
	t := make([]byte, sizeUserTmpl*2)
	t[20] = 51 // an AH template first, then the ESP one
	ne.PutUint16(t[24:], afInet)
	e := t[sizeUserTmpl:]
	copy(e[0:], d[:])
	e[20] = 50
	ne.PutUint16(e[24:], afInet)
	ne.PutUint32(e[44:], 5)
	e[48] = 1
	return append(b, attr(attrTmpl, t)...)
}

// XFRM_MSG_EXPIRE (struct xfrm_user_expire, linux/xfrm.h) decodes into an
// ike.Expire with packets as allocations.
func TestParseExpire(t *testing.T) {
	e, err := ParseExpire(expireMsg(true))
	if err != nil {
		t.Fatal(err)
	}
	want := ike.Expire{SAID: ike.SAID{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2"),
		Proto: ike.ProtoESP, SPI: 0xc0ffee01}, Hard: true, Bytes: 4096, Allocations: 7}
	if *e != want {
		t.Errorf("got %+v, want %+v", e, want)
	}
	if _, err := ParseExpire(expireMsg(false)[:100]); err == nil {
		t.Error("short EXPIRE accepted")
	}
}

// XFRM_MSG_ACQUIRE (struct xfrm_user_acquire + XFRMA_TMPL): the template
// of the larval SA's protocol gives mode and reqid.
func TestParseAcquire(t *testing.T) {
	msgs, err := SplitMessages(nlmsg(msgAcquire, acquireMsg()))
	if err != nil || len(msgs) != 1 {
		t.Fatal(msgs, err)
	}
	ev, err := Event(msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	a := ev.(*ike.Acquire)
	if a.Seq != 99 || a.PolicyID != 17 || a.Proto != ike.ProtoESP || a.Mode != ike.ModeTunnel || a.ReqID != 5 ||
		a.Src.String() != "192.0.2.1" || a.Dst.String() != "192.0.2.2" ||
		a.Selector.Src.String() != "10.0.0.0/24" || a.Selector.DstPort != 443 || a.Selector.Proto != 6 {
		t.Errorf("got %+v", a)
	}
}

func TestParseMigrate(t *testing.T) {
	b := make([]byte, sizePolicyID)
	putSel(b, netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("10.0.1.0/24"), 0, 0)
	b[60] = 1 // out
	m := make([]byte, sizeUserMigrate)
	for i, a := range []string{"192.0.2.2", "192.0.2.1", "192.0.2.2", "192.0.2.9"} {
		x := netip.MustParseAddr(a).As4()
		copy(m[16*i:], x[:])
	}
	ne.PutUint32(m[68:], 3)
	ne.PutUint16(m[72:], afInet)
	ne.PutUint16(m[74:], afInet)
	ev, err := ParseMigrate(append(b, attr(attrMigrate, m)...))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Dir != ike.DirOut || ev.ReqID != 3 || ev.OldSrc.String() != "192.0.2.1" || ev.NewSrc.String() != "192.0.2.9" {
		t.Errorf("got %+v", ev)
	}
}

// FuzzEvent: splitting and decoding multicast datagrams never panics.
func FuzzEvent(f *testing.F) {
	f.Add(nlmsg(msgAcquire, acquireMsg()))
	f.Add(append(nlmsg(msgExpire, expireMsg(false)), nlmsg(msgExpire, expireMsg(true))...))
	f.Add(nlmsg(msgMigrate, make([]byte, sizePolicyID+4)))
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, _ := SplitMessages(b)
		for _, m := range msgs {
			for _, typ := range []uint16{msgAcquire, msgExpire, msgMigrate} {
				m.Type = typ
				Event(m)
			}
		}
	})
}
