package pcap

import (
	"encoding/binary"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/racoon2go/iked/internal/ike/iketest"
)

// dissected is what tshark shows of one frame.
type dissected struct {
	exchange string
	payloads []string // top-level ISAKMP payloads, by name
	goodSums int      // checksums tshark verified
	text     string
}

var (
	reExchange = regexp.MustCompile(`^    Exchange type: (.+) \(\d+\)$`)
	rePayload  = regexp.MustCompile(`^    Payload: (.+?) \(\d+\)`)
)

// tshark dissects path with checksum verification on and returns each
// frame's exchange and top-level payload names.
func tshark(t *testing.T, path string) []dissected {
	t.Helper()
	bin := iketest.RequireBinary(t, "tshark")
	cmd := exec.Command(bin, "-r", path, "-V",
		"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	var frames []dissected
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(line, "Frame ") {
			frames = append(frames, dissected{})
		}
		if len(frames) == 0 {
			continue
		}
		f := &frames[len(frames)-1]
		f.text += line + "\n"
		if m := reExchange.FindStringSubmatch(line); m != nil {
			f.exchange = m[1]
		}
		if m := rePayload.FindStringSubmatch(line); m != nil {
			f.payloads = append(f.payloads, m[1])
		}
		if strings.Contains(line, "[Checksum Status: Good]") || strings.Contains(line, "[Header checksum status: Good]") {
			f.goodSums++
		}
	}
	return frames
}

// TestTshark is the "done when": tshark lists every exchange of a
// full IKEv2 negotiation (RFC 7296 sections 1.2 to 1.4), and an IKEv1 Main
// Mode (RFC 2409 section 5), with the inner payloads of the encrypted
// messages, over IPv4 and IPv6, on port 500 and, after NAT detection, on
// port 4500.
func TestTshark(t *testing.T) {
	natI := netip.MustParseAddrPort("192.0.2.1:4500")
	natR := netip.MustParseAddrPort("198.51.100.7:31234")
	for _, tc := range []struct {
		name  string
		msgs  []captured
		sums  int // checksums per frame: IPv4 header and UDP, or UDP
		proto string
	}{
		{"IPv4", append(v2Negotiation(v4i, v4r), v1Negotiation(v4i, v4r)...), 2, "Internet Protocol Version 4"},
		{"IPv6", append(v2Negotiation(v6i, v6r), v1Negotiation(v6i, v6r)...), 1, "Internet Protocol Version 6"},
		{"IPv4 NAT-T", append(v2Negotiation(natI, natR), v1Negotiation(natI, natR)...), 2, "UDP Encapsulation of IPsec Packets"},
		{"IPv6 NAT-T", v2Negotiation(netip.AddrPortFrom(v6i.Addr(), 4500), netip.AddrPortFrom(v6r.Addr(), 4500)), 1, "UDP Encapsulation of IPsec Packets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frames := tshark(t, capture(t, tc.msgs))
			if len(frames) != len(tc.msgs) {
				t.Fatalf("tshark shows %d frames, want %d", len(frames), len(tc.msgs))
			}
			for k, c := range tc.msgs {
				f := frames[k]
				if f.exchange != c.exchange {
					t.Errorf("%s: exchange %q, want %q", c.name, f.exchange, c.exchange)
				}
				if !slices.Equal(f.payloads, c.inner) {
					t.Errorf("%s: payloads %q, want %q", c.name, f.payloads, c.inner)
				}
				if f.goodSums != tc.sums {
					t.Errorf("%s: %d good checksums, want %d", c.name, f.goodSums, tc.sums)
				}
				for _, bad := range []string{"Malformed", "Expert Info (Error", "Expert Info (Warning", "Bad]"} {
					if strings.Contains(f.text, bad) {
						t.Errorf("%s: tshark reports %q", c.name, bad)
					}
				}
				if !strings.Contains(f.text, tc.proto) || !strings.Contains(f.text, "Internet Security Association and Key Management Protocol") {
					t.Errorf("%s: not dissected as %s and ISAKMP", c.name, tc.proto)
				}
				if t.Failed() {
					t.Logf("frame %d:\n%s", k+1, f.text)
					return
				}
			}
		})
	}
}

// TestTsharkRacoon2File: a file started by racoon2 (little-endian, snaplen
// 0, Ethernet; racoon2-reference 6.4) is appended to, and tshark reads both
// its old records and ours.
func TestTsharkRacoon2File(t *testing.T) {
	old := v2Negotiation(v4i, v4r)[:1]
	path := capture(t, old)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(b[16:20], 0) // racoon2's snaplen
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := Open("+"+path, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	msgs := v2Negotiation(v4i, v4r)
	for _, c := range msgs[1:] {
		c.write(w, t0)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	frames := tshark(t, path)
	if len(frames) != len(msgs) {
		t.Fatalf("tshark shows %d frames, want %d", len(frames), len(msgs))
	}
	for k, c := range msgs {
		if frames[k].exchange != c.exchange || !slices.Equal(frames[k].payloads, c.inner) {
			t.Errorf("%s: tshark shows %s %q", c.name, frames[k].exchange, frames[k].payloads)
		}
	}
}
