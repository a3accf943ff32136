package pcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

var (
	v4i = netip.MustParseAddrPort("192.0.2.1:500")
	v4r = netip.MustParseAddrPort("192.0.2.2:500")
	v6i = netip.MustParseAddrPort("[2001:db8::1]:500")
	v6r = netip.MustParseAddrPort("[2001:db8::2]:500")
)

var t0 = time.Date(2026, 11, 22, 17, 0, 0, 123456000, time.UTC)

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// expected is what a frame of c must carry in its UDP payload, without
// the marker.
func (c captured) expected(t testing.TB) []byte {
	if c.hdr == nil {
		return c.wire
	}
	b, err := AppendClear(nil, c.hdr, c.first, c.payloads)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return b
}

// capture writes msgs, one millisecond apart, to a new file and returns
// its path.
func capture(t testing.TB, msgs []captured) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ike.pcap")
	w, err := Open(path, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range msgs {
		c.write(w, t0.Add(time.Duration(k)*time.Millisecond))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st != (Stats{Written: uint64(len(msgs))}) {
		t.Fatalf("stats %+v, want %d written", st, len(msgs))
	}
	return path
}

type frame struct {
	ci   gopacket.CaptureInfo
	data []byte
}

func readAll(t testing.TB, path string) []frame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("link type %v", r.LinkType())
	}
	var out []frame
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("record %d: %v", len(out)+1, err)
		}
		out = append(out, frame{ci, data})
	}
}

// sum16 is the Internet checksum's one's-complement sum (RFC 1071),
// written here independently of gopacket's.
func sum16(sum uint32, b []byte) uint32 {
	for ; len(b) >= 2; b = b[2:] {
		sum += uint32(b[0])<<8 | uint32(b[1])
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	return sum
}

func folds(sum uint32) uint16 {
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// checkFrame decodes a frame with gopacket, checks every header and both
// checksums, and returns the UDP payload.
func checkFrame(t *testing.T, name string, fr frame, src, dst netip.AddrPort) []byte {
	t.Helper()
	p := gopacket.NewPacket(fr.data, layers.LinkTypeEthernet, gopacket.Default)
	if el := p.ErrorLayer(); el != nil {
		t.Fatalf("%s: decode: %v", name, el.Error())
	}
	eth, _ := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	udp, _ := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if eth == nil || udp == nil {
		t.Fatalf("%s: layers %v", name, p.Layers())
	}
	ipb := fr.data[14:]
	var pseudo uint32
	switch {
	case src.Addr().Is4():
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if ip == nil || eth.EthernetType != layers.EthernetTypeIPv4 {
			t.Fatalf("%s: not IPv4: %v", name, p.Layers())
		}
		if ip.Version != 4 || ip.IHL != 5 || ip.TTL == 0 || ip.Protocol != layers.IPProtocolUDP ||
			int(ip.Length) != len(ipb) || !ip.SrcIP.Equal(src.Addr().AsSlice()) || !ip.DstIP.Equal(dst.Addr().AsSlice()) {
			t.Fatalf("%s: IPv4 header %+v", name, ip)
		}
		if folds(sum16(0, ipb[:20])) != 0xffff {
			t.Errorf("%s: IPv4 header checksum %#04x is wrong (RFC 791)", name, ip.Checksum)
		}
		pseudo = sum16(0, ipb[12:20]) + 17 + uint32(len(ipb)-20)
		ipb = ipb[20:]
	default:
		ip, _ := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		if ip == nil || eth.EthernetType != layers.EthernetTypeIPv6 {
			t.Fatalf("%s: not IPv6: %v", name, p.Layers())
		}
		if fr.data[14]>>4 != 6 || ip.HopLimit == 0 || ip.NextHeader != layers.IPProtocolUDP ||
			int(ip.Length) != len(ipb)-40 || !ip.SrcIP.Equal(src.Addr().AsSlice()) || !ip.DstIP.Equal(dst.Addr().AsSlice()) {
			t.Fatalf("%s: IPv6 header %+v", name, ip)
		}
		pseudo = sum16(0, ipb[8:40]) + 17 + uint32(len(ipb)-40)
		ipb = ipb[40:]
	}
	if uint16(udp.SrcPort) != src.Port() || uint16(udp.DstPort) != dst.Port() || int(udp.Length) != len(ipb) {
		t.Fatalf("%s: UDP header %+v", name, udp)
	}
	if udp.Checksum == 0 || folds(sum16(pseudo, ipb)) != 0xffff {
		t.Errorf("%s: UDP checksum %#04x is wrong (RFC 768, RFC 8200 section 8.1)", name, udp.Checksum)
	}
	if fr.ci.CaptureLength != len(fr.data) || fr.ci.Length != len(fr.data) {
		t.Errorf("%s: capture info %+v for %d bytes", name, fr.ci, len(fr.data))
	}
	return udp.Payload
}

func TestReadBack(t *testing.T) {
	natI := netip.MustParseAddrPort("192.0.2.1:4500")
	natR := netip.MustParseAddrPort("198.51.100.7:31234") // behind a NAT
	mapped := netip.AddrPortFrom(netip.AddrFrom16(v4i.Addr().As16()), 500)
	for _, tc := range []struct {
		name      string
		msgs      []captured
		src, dst  netip.AddrPort // of the first message, as recorded
		wantMarkr bool
	}{
		{"IPv4", v2Negotiation(v4i, v4r), v4i, v4r, false},
		{"IPv6", v2Negotiation(v6i, v6r), v6i, v6r, false},
		// RFC 3948 section 2.2: on port 4500 IKE follows the non-ESP marker.
		{"IPv4 NAT-T", v2Negotiation(natI, natR), natI, natR, true},
		{"IPv6 NAT-T", v2Negotiation(netip.AddrPortFrom(v6i.Addr(), 4500), netip.AddrPortFrom(v6r.Addr(), 4500)),
			netip.AddrPortFrom(v6i.Addr(), 4500), netip.AddrPortFrom(v6r.Addr(), 4500), true},
		// A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
		{"IPv4-mapped", v2Negotiation(mapped, v4r), v4i, v4r, false},
		{"IKEv1 Main Mode", v1Negotiation(v4i, v4r), v4i, v4r, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frames := readAll(t, capture(t, tc.msgs))
			if len(frames) != len(tc.msgs) {
				t.Fatalf("%d frames, want %d", len(frames), len(tc.msgs))
			}
			for k, c := range tc.msgs {
				src, dst := tc.src, tc.dst
				if c.src != tc.msgs[0].src {
					src, dst = dst, src
				}
				got := checkFrame(t, c.name, frames[k], src, dst)
				if tc.wantMarkr {
					if !bytes.HasPrefix(got, marker[:]) {
						t.Fatalf("%s: no non-ESP marker on port 4500", c.name)
					}
					got = got[len(marker):]
				}
				if want := c.expected(t); !bytes.Equal(got, want) {
					t.Errorf("%s: payload\n%x\nwant\n%x", c.name, got, want)
				}
				if ts := t0.Add(time.Duration(k) * time.Millisecond); !frames[k].ci.Timestamp.Equal(ts) {
					t.Errorf("%s: timestamp %v, want %v", c.name, frames[k].ci.Timestamp, ts)
				}
			}
		})
	}
}

func TestAppendClear(t *testing.T) {
	v2 := v2Negotiation(v4i, v4r)[2] // IKE_AUTH request
	v1 := v1Negotiation(v4i, v4r)[2] // Main Mode 5
	for _, tc := range []struct {
		name     string
		hdr      []byte
		first    uint8
		payloads []byte
		want     func(h []byte) []byte // the expected header
		err      error
	}{
		{
			// RFC 7296 section 3.14: the SK payload's Next Payload names
			// the first inner payload.
			name: "IKEv2 RFC 7296 3.14", hdr: v2.hdr, first: v2.first, payloads: v2.payloads,
			want: func(h []byte) []byte {
				h[offNextPayload] = v2IDi
				binary.BigEndian.PutUint32(h[24:], uint32(28+len(v2.payloads)))
				return h
			},
		},
		{
			// RFC 2408 section 3.1: the E bit says the payloads are
			// encrypted; cleared, the other flags kept.
			name: "IKEv1 RFC 2408 3.1 E bit", hdr: flags(v1.hdr, 0x03), first: v1.first, payloads: v1.payloads,
			want: func(h []byte) []byte {
				h[offFlags] = 0x02
				binary.BigEndian.PutUint32(h[24:], uint32(28+len(v1.payloads)))
				return h
			},
		},
		{
			name: "empty INFORMATIONAL", hdr: v2.hdr, first: 0,
			want: func(h []byte) []byte {
				h[offNextPayload] = 0
				binary.BigEndian.PutUint32(h[24:], 28)
				return h
			},
		},
		{name: "short header", hdr: v2.hdr[:27], err: errShortHeader},
		{name: "version 3", hdr: version(v2.hdr, 0x30), err: errVersion},
		{name: "version 0", hdr: version(v2.hdr, 0x00), err: errVersion},
		{name: "too long", hdr: v2.hdr, payloads: make([]byte, maxIKE-27), err: errTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig := bytes.Clone(tc.hdr)
			prefix := []byte("pre")
			got, err := AppendClear(prefix, tc.hdr, tc.first, tc.payloads)
			if !bytes.Equal(tc.hdr, orig) {
				t.Fatal("hdr modified")
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if err != nil {
				if string(got) != "pre" {
					t.Fatalf("dst changed on error: %q", got)
				}
				return
			}
			want := append([]byte("pre"), tc.want(bytes.Clone(tc.hdr[:28]))...)
			want = append(want, tc.payloads...)
			if !bytes.Equal(got, want) {
				t.Fatalf("got\n%x\nwant\n%x", got, want)
			}
		})
	}
}

func flags(h []byte, f uint8) []byte {
	h = bytes.Clone(h)
	h[offFlags] = f
	return h
}

func version(h []byte, v uint8) []byte {
	h = bytes.Clone(h)
	h[offVersion] = v
	return h
}

func TestHasMarker(t *testing.T) {
	for _, tc := range []struct {
		src, dst uint16
		want     bool
	}{
		{500, 500, false},
		{4500, 4500, true},
		{4500, 31234, true}, // RFC 7296 2.23: peer behind a NAT
		{31234, 4500, true},
		{500, 4500, false}, // a NAT mapped the peer's port 500 to 4500
		{4500, 500, false},
		{1500, 1501, false},
	} {
		if got := hasMarker(tc.src, tc.dst); got != tc.want {
			t.Errorf("hasMarker(%d, %d) = %v", tc.src, tc.dst, got)
		}
	}
}

func TestInvalid(t *testing.T) {
	w := newWriter(io.Discard, false, quietLog(), 8)
	go w.run()
	v2 := v2Negotiation(v4i, v4r)[2]
	w.Write(t0, v4i, v6r, []byte("x"))                                    // mixed families
	w.Write(t0, netip.AddrPort{}, v4r, []byte("x"))                       // no address
	w.Write(t0, v4i, v4r, make([]byte, 65535-28+1))                       // too long for IPv4
	w.Write(t0, v6i, v6r, make([]byte, maxIKE+1))                         // too long for anything
	w.WriteDecrypted(t0, v4i, v4r, v2.hdr[:20], v2.first, v2.payloads)    // short header
	w.WriteDecrypted(t0, v4i, v4r, version(v2.hdr, 0x30), 0, v2.payloads) // unknown version
	w.Write(t0, v6i, v6r, make([]byte, 65535-8))                          // fits IPv6
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st != (Stats{Written: 1, Invalid: 6}) {
		t.Fatalf("stats %+v", st)
	}
}

func TestNilWriter(t *testing.T) {
	var w *Writer
	w.Write(t0, v4i, v4r, []byte("x"))
	w.WriteDecrypted(t0, v4i, v4r, nil, 0, nil)
	if err := w.Close(); err != nil || w.Stats() != (Stats{}) {
		t.Fatal(err, w.Stats())
	}
}

func TestWriteAfterClose(t *testing.T) {
	w := newWriter(io.Discard, false, quietLog(), 2)
	go w.run()
	w.Write(t0, v4i, v4r, []byte("x"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	w.Write(t0, v4i, v4r, []byte("x"))
	w.Write(t0, v4i, v4r, []byte("x"))
	w.Write(t0, v4i, v4r, []byte("x"))
	if st := w.Stats(); st != (Stats{Written: 1, Dropped: 3}) {
		t.Fatalf("stats %+v", st)
	}
}

// TestBigMessageBuffer: a big message (certificate chains) does not leave
// a 64 KiB buffer in the queue for ever.
func TestBigMessageBuffer(t *testing.T) {
	w := newWriter(io.Discard, false, quietLog(), 1)
	go w.run()
	w.Write(t0, v6i, v6r, make([]byte, 60000))
	waitHandled(t, w, 1)
	r := <-w.free
	if cap(r.data) > keepBuffer {
		t.Errorf("free record keeps %d bytes", cap(r.data))
	}
	w.free <- r
	if err := w.Close(); err != nil || w.Stats().Written != 1 {
		t.Fatal(err, w.Stats())
	}
}
