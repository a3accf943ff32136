package main

import (
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/ikev2"
)

// capSide is one iked of a captured negotiation.
type capSide struct {
	addr      string // its address and the peer's (interface, peers_ipaddr)
	port, dst uint16 // -p and -t
}

// negotiate runs two iked, a initiating to b with -P capture on a, waits
// for the IKE SA and the CHILD_SA, and stops a with SIGTERM (which deletes
// the IKE SA with an INFORMATIONAL exchange), then b.
func negotiate(t *testing.T, a, b capSide, capture string) {
	t.Helper()
	confB := peerConfig(t, t.TempDir(), b.addr, a.addr, "b.example", "a.example")
	confA := peerConfig(t, t.TempDir(), a.addr, b.addr, "a.example", "b.example")
	db := startPeerPorts(t, confB, b.port, b.dst)
	da := startPeerPorts(t, confA, a.port, a.dst, "-I", b.addr, "-P", capture)
	da.stderr.waitFor(t, `IKE SA established role=initiator remote=peer`)
	da.stderr.waitFor(t, `CHILD_SA installed selector=out proto=esp mode=transport`)
	db.stderr.waitFor(t, `IKE SA established role=responder remote=peer`)
	da.signal(t, syscall.SIGTERM)
	if code := da.wait(t); code != 0 {
		t.Fatalf("initiator exit %d:\n%s", code, da.stderr.String())
	}
	da.stderr.waitFor(t, `IKE SA removed reason=deleted state=DELETING`)
	db.stderr.waitFor(t, `IKE SA removed reason="deleted by peer"`)
	db.signal(t, syscall.SIGTERM)
	if code := db.wait(t); code != 0 {
		t.Fatalf("responder exit %d", code)
	}
}

// startPeerPorts is startPeer with distinct local (-p) and destination
// (-t) ports, for two iked on one address.
func startPeerPorts(t *testing.T, conf string, port, dst uint16, extra ...string) *fgDaemon {
	t.Helper()
	d := &fgDaemon{stdout: newStream(), stderr: newStream(), port: port, done: make(chan error, 1)}
	d.cmd = ikedCmd(t, append([]string{"-F", "-D", "8", "-f", conf,
		"-p", strconv.Itoa(int(port)), "-t", strconv.Itoa(int(dst))}, extra...)...)
	d.cmd.Stdout, d.cmd.Stderr = d.stdout, d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.done
	})
	d.stderr.waitFor(t, `iked started`)
	return d
}

// capturedMsg is one IKE message read back from the file with gopacket.
type capturedMsg struct {
	src, dst netip.AddrPort
	ike      []byte
}

// readCapture reads a pcap file with pcapgo and decodes each record as
// Ethernet, IPv4 or IPv6, UDP, with gopacket's layers.
func readCapture(t *testing.T, path string) []capturedMsg {
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
	var out []capturedMsg
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("record %d: %v", len(out)+1, err)
		}
		if ci.CaptureLength != len(data) || ci.Length != len(data) {
			t.Fatalf("record %d: lengths %d/%d for %d bytes", len(out)+1, ci.CaptureLength, ci.Length, len(data))
		}
		pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		if el := pkt.ErrorLayer(); el != nil {
			t.Fatalf("record %d: %v", len(out)+1, el.Error())
		}
		var src, dst netip.Addr
		switch ip := pkt.NetworkLayer().(type) {
		case *layers.IPv4:
			src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
		case *layers.IPv6:
			src, _ = netip.AddrFromSlice(ip.SrcIP)
			dst, _ = netip.AddrFromSlice(ip.DstIP)
		default:
			t.Fatalf("record %d: network layer %v", len(out)+1, pkt.NetworkLayer())
		}
		udp, ok := pkt.TransportLayer().(*layers.UDP)
		if !ok {
			t.Fatalf("record %d: no UDP", len(out)+1)
		}
		out = append(out, capturedMsg{
			src: netip.AddrPortFrom(src, uint16(udp.SrcPort)),
			dst: netip.AddrPortFrom(dst, uint16(udp.DstPort)),
			ike: udp.Payload,
		})
	}
}

// frameView is what tshark -V shows of one frame.
type frameView struct {
	exchange string
	payloads []string // ISAKMP payloads by name, inner ones for encrypted messages
	text     string
}

var (
	reTsharkExchange = regexp.MustCompile(`^    Exchange type: (.+) \(\d+\)$`)
	reTsharkPayload  = regexp.MustCompile(`^    Payload: (.+?) \(\d+\)`)
)

// tsharkFrames runs tshark -r path -V with checksum checks on, decoding
// the given UDP ports as ISAKMP (tshark knows 500 and 4500 only).
func tsharkFrames(t *testing.T, path string, ports ...uint16) ([]frameView, string) {
	t.Helper()
	bin := iketest.RequireBinary(t, "tshark")
	args := []string{"-r", path, "-V", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"}
	for _, p := range ports {
		args = append(args, "-d", "udp.port=="+strconv.Itoa(int(p))+",isakmp")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	var frames []frameView
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(line, "Frame ") {
			frames = append(frames, frameView{})
		}
		if len(frames) == 0 {
			continue
		}
		f := &frames[len(frames)-1]
		f.text += line + "\n"
		if m := reTsharkExchange.FindStringSubmatch(line); m != nil {
			f.exchange = m[1]
		}
		if m := reTsharkPayload.FindStringSubmatch(line); m != nil {
			f.payloads = append(f.payloads, m[1])
		}
	}
	return frames, string(out)
}

// capWant is one message of the initiator's capture: IKE_SA_INIT, IKE_AUTH
// (RFC 7296 1.2) and the INFORMATIONAL Delete of SIGTERM (1.4.1).
type capWant struct {
	fromA    bool
	x        ikev2.ExchangeType
	resp     bool
	exchange string   // as tshark names it
	has      []string // payloads tshark must list
	not      []string // and must not
}

var capNegotiation = []capWant{
	{true, ikev2.ExchangeIKESAInit, false, "IKE_SA_INIT", []string{"Security Association", "Key Exchange", "Nonce"}, nil},
	{false, ikev2.ExchangeIKESAInit, true, "IKE_SA_INIT", []string{"Security Association", "Key Exchange", "Nonce"}, nil},
	{true, ikev2.ExchangeIKEAuth, false, "IKE_AUTH", []string{"Identification - Initiator", "Authentication", "Security Association", "Traffic Selector - Initiator", "Traffic Selector - Responder"}, []string{"Delete"}},
	{false, ikev2.ExchangeIKEAuth, true, "IKE_AUTH", []string{"Identification - Responder", "Authentication", "Security Association", "Traffic Selector - Initiator", "Traffic Selector - Responder"}, []string{"Delete"}},
	{true, ikev2.ExchangeInformational, false, "INFORMATIONAL", []string{"Delete"}, []string{"Authentication"}},
	// An empty response: in the clear, no payload at all.
	{false, ikev2.ExchangeInformational, true, "INFORMATIONAL", nil, []string{"Delete"}},
}

// checkCapture checks a file holding runs negotiations between a and b,
// read with gopacket and with tshark.
func checkCapture(t *testing.T, path string, a, b capSide, runs int) {
	t.Helper()
	aAP := netip.AddrPortFrom(netip.MustParseAddr(a.addr), a.port)
	bAP := netip.AddrPortFrom(netip.MustParseAddr(b.addr), b.port)
	msgs := readCapture(t, path)
	if len(msgs) != runs*len(capNegotiation) {
		t.Fatalf("gopacket reads %d records, want %d", len(msgs), runs*len(capNegotiation))
	}
	for i, m := range msgs {
		w := capNegotiation[i%len(capNegotiation)]
		src, dst := bAP, aAP
		if w.fromA {
			src, dst = aAP, bAP
		}
		if m.src != src || m.dst != dst {
			t.Errorf("record %d: %v -> %v, want %v -> %v", i+1, m.src, m.dst, src, dst)
		}
		h, err := ikev2.ParseHeader(m.ike)
		if err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
		if h.Exchange != w.x || h.IsResponse() != w.resp {
			t.Errorf("record %d: %v response=%v, want %v response=%v", i+1, h.Exchange, h.IsResponse(), w.x, w.resp)
		}
		if w.x != ikev2.ExchangeIKESAInit {
			if _, err := ikev2.ParseMessage(m.ike); err != nil {
				t.Errorf("record %d: the clear message does not decode: %v", i+1, err)
			}
		}
	}
	frames, all := tsharkFrames(t, path, a.port, b.port)
	if len(frames) != len(msgs) {
		t.Fatalf("tshark shows %d frames, want %d", len(frames), len(msgs))
	}
	for i, f := range frames {
		w := capNegotiation[i%len(capNegotiation)]
		if f.exchange != w.exchange {
			t.Errorf("frame %d: exchange %q, want %q", i+1, f.exchange, w.exchange)
		}
		for _, p := range w.has {
			if !slices.ContainsFunc(f.payloads, func(s string) bool { return strings.HasPrefix(s, p) }) {
				t.Errorf("frame %d (%s): payloads %q lack %q", i+1, f.exchange, f.payloads, p)
			}
		}
		// Encrypted messages are in the clear: the dissector lists their
		// inner payloads, never an SK payload.
		for _, p := range append(w.not, "Encrypted and Authenticated") {
			if slices.ContainsFunc(f.payloads, func(s string) bool { return strings.HasPrefix(s, p) }) {
				t.Errorf("frame %d (%s): payloads %q hold %q", i+1, f.exchange, f.payloads, p)
			}
		}
		if !strings.Contains(f.text, "[Checksum Status: Good]") {
			t.Errorf("frame %d: UDP checksum not verified good", i+1)
		}
		if netip.MustParseAddr(a.addr).Is4() && !strings.Contains(f.text, "[Header checksum status: Good]") {
			t.Errorf("frame %d: IPv4 header checksum not verified good", i+1)
		}
		for _, bad := range []string{"Malformed", "Expert Info (Error", "Bad]"} {
			if strings.Contains(f.text, bad) {
				t.Errorf("frame %d: tshark reports %q", i+1, bad)
			}
		}
	}
	if t.Failed() {
		t.Logf("tshark -V:\n%s", all)
	}
	for i, f := range frames {
		t.Logf("tshark frame %d: %s %s", i+1, f.exchange, strings.Join(f.payloads, ", "))
	}
}

// pcapHeaders counts pcap file headers (magic numbers at record
// boundaries) by walking the records: a second header would be read as a
// record and break the walk.
func pcapHeaders(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for off := 0; off < len(b); {
		if off+24 <= len(b) && slices.Contains([]uint32{0xa1b2c3d4, 0xa1b23c4d}, binary.LittleEndian.Uint32(b[off:])) {
			n++
			off += 24
			continue
		}
		if off+16 > len(b) {
			t.Fatalf("truncated record at %d", off)
		}
		off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
	}
	return n
}

// iked -P: a negotiation with a real peer process is recorded, both
// directions, encrypted messages in the clear; gopacket and tshark read
// the file back. A second run with -P +file appends without a second file
// header.
func TestProcessCaptureIPv4(t *testing.T) {
	port := freeUDPPort(t)
	a := capSide{addr: "127.0.0.1", port: port, dst: port}
	b := capSide{addr: "127.0.0.2", port: port, dst: port}
	path := filepath.Join(t.TempDir(), "ike.pcap")
	negotiate(t, a, b, path)
	checkCapture(t, path, a, b, 1)
	negotiate(t, a, b, "+"+path)
	if n := pcapHeaders(t, path); n != 1 {
		t.Fatalf("%d pcap file headers after appending", n)
	}
	checkCapture(t, path, a, b, 2)
}

// The same over IPv6, two iked on ::1 with their own ports (-p, -t).
func TestProcessCaptureIPv6(t *testing.T) {
	pa, pb := freeUDPPort(t), freeUDPPort(t)
	for pa == pb {
		pb = freeUDPPort(t)
	}
	a := capSide{addr: "::1", port: pa, dst: pb}
	b := capSide{addr: "::1", port: pb, dst: pa}
	path := filepath.Join(t.TempDir(), "ike6.pcap")
	negotiate(t, a, b, path)
	checkCapture(t, path, a, b, 1)
}

// The IPv6 capture between two addresses on one port, as between two
// hosts: ::1 and ::2 (added to lo), inside the test bed, whose kernel also
// takes the CHILD_SAs.
func TestKernelProcessCaptureIPv6(t *testing.T) {
	iketest.RequireKernel(t)
	ip := iketest.RequireBinary(t, "ip")
	if out, err := exec.Command(ip, "-6", "addr", "add", "::2/128", "dev", "lo", "nodad").CombinedOutput(); err != nil &&
		!strings.Contains(string(out), "File exists") {
		t.Fatalf("ip -6 addr add ::2: %v\n%s", err, out)
	}
	port := freeUDPPort(t)
	a := capSide{addr: "::1", port: port, dst: port}
	b := capSide{addr: "::2", port: port, dst: port}
	path := filepath.Join(t.TempDir(), "ike6.pcap")
	negotiate(t, a, b, path)
	checkCapture(t, path, a, b, 1)
	negotiate(t, a, b, "+"+path)
	if n := pcapHeaders(t, path); n != 1 {
		t.Fatalf("%d pcap file headers after appending", n)
	}
	checkCapture(t, path, a, b, 2)
}
