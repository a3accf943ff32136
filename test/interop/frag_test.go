//go:build linux

package interop

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

var (
	// iked's debug log (internal/ikev2/recv.go): a message cut into SKF
	// fragments, and one reassembled from the peer's.
	ikedFragSent  = regexp.MustCompile(`(?m)^.*message sent in fragments.*$`)
	ikedFragReasm = regexp.MustCompile(`(?m)^.*fragmented message reassembled.*$`)

	// charon (default log levels): message.c's fragmenting and
	// reassembly lines.
	swanFragSent  = regexp.MustCompile(`(?m)^.*splitting IKE message \(\d+ bytes\) into \d+ fragments.*$`)
	swanFragReasm = regexp.MustCompile(`(?m)^.*received fragment #\d+ of \d+, reassembled fragmented IKE message \(\d+ bytes\).*$`)

	// pluto: debug lines (plutodebug=base) of ikev2_send.c and
	// ikev2_message.c; at plutodebug=none it logs nothing on fragments.
	lswFragSent  = regexp.MustCompile(`(?m)^.*recording fragment \d+.*$`)
	lswFragReasm = regexp.MustCompile(`(?m)^.*reassembling incoming fragments.*$`)
)

// ikeCapture is dumpcap on IKE's ports in iked's namespace.
type ikeCapture struct {
	d    *daemon
	file string
}

// startCapture records the case's IKE datagrams as seen in iked's
// namespace, so the fragment sizes on the wire can be checked.
func (c *caseRun) startCapture(tp *topo) *ikeCapture {
	d := filepath.Join(c.dir, "capture")
	if err := os.MkdirAll(d, 0o700); err != nil {
		c.fail("%v", err)
	}
	k := &ikeCapture{file: d + "/ike.pcapng"}
	k.d = c.startDaemon("dumpcap", d+"/dumpcap.log", nil, "ip", "netns", "exec", tp.iked.ns,
		"dumpcap", "-i", "any", "-P", "-q", "-f", "udp port 500 or udp port 4500", "-w", k.file)
	c.waitLog(k.d, `Capturing on`, shortWait)
	c.note("dumpcap records IKE (UDP 500 and 4500) in %s", tp.iked.ns)
	return k
}

// skf is one IKE_AUTH datagram of the capture.
type skf struct {
	src         string
	ipLen       int // the whole IP datagram
	number, tot int // SKF Fragment Number and Total Fragments (0 in an SK message)
	port        int // UDP destination port
}

// ikeAuth stops the capture and returns its IKE_AUTH datagrams.
func (c *caseRun) ikeAuth(k *ikeCapture) []skf {
	k.d.stop(3 * time.Second)
	b, err := os.ReadFile(k.file)
	if err != nil {
		c.fail("capture: %v\n%s", err, k.d.output())
	}
	ds, err := parseIKEAuth(b)
	if err != nil {
		c.fail("capture %s: %v", k.file, err)
	}
	return ds
}

// parseIKEAuth reads a classic pcap file (dumpcap -P) of Ethernet or
// Linux cooked frames and returns its IKEv2 IKE_AUTH datagrams.
func parseIKEAuth(b []byte) ([]skf, error) {
	if len(b) < 24 {
		return nil, errors.New("short pcap header")
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return nil, errors.New("not a pcap file")
	}
	var link int
	switch lt := bo.Uint32(b[20:]); lt {
	case 1: // Ethernet
		link = 14
	case 113: // LINUX_SLL
		link = 16
	case 276: // LINUX_SLL2
		link = 20
	default:
		return nil, fmt.Errorf("link type %d", lt)
	}
	var ds []skf
	for b = b[24:]; len(b) >= 16; {
		n := int(bo.Uint32(b[8:]))
		if len(b) < 16+n {
			break
		}
		f := b[16 : 16+n]
		b = b[16+n:]
		if len(f) < link+1 {
			continue
		}
		ip := f[link:]
		var d skf
		var udp []byte
		switch ip[0] >> 4 {
		case 4:
			hl := int(ip[0]&0x0f) * 4
			if len(ip) < hl+8 || ip[9] != 17 {
				continue
			}
			d.src = netip.AddrFrom4([4]byte(ip[12:16])).String()
			d.ipLen, udp = int(binary.BigEndian.Uint16(ip[2:])), ip[hl:]
		case 6:
			if len(ip) < 48 || ip[6] != 17 {
				continue
			}
			d.src = netip.AddrFrom16([16]byte(ip[8:24])).String()
			d.ipLen, udp = 40+int(binary.BigEndian.Uint16(ip[4:])), ip[40:]
		default:
			continue
		}
		sport, dport := binary.BigEndian.Uint16(udp), binary.BigEndian.Uint16(udp[2:])
		ike := udp[8:]
		if sport == 4500 || dport == 4500 {
			if len(ike) < 4 || binary.BigEndian.Uint32(ike) != 0 {
				continue // ESP in UDP or a keepalive
			}
			ike = ike[4:]
		}
		const exchIKEAuth, payloadSKF = 35, 53
		if len(ike) < 28 || ike[18] != exchIKEAuth {
			continue
		}
		d.port = int(dport)
		if ike[16] == payloadSKF && len(ike) >= 36 {
			d.number, d.tot = int(binary.BigEndian.Uint16(ike[32:])), int(binary.BigEndian.Uint16(ike[34:]))
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// checkFrag requires RFC 7383 fragments both ways: iked sent a message
// in fragments and the peer reassembled it; the peer sent one in
// fragments and iked reassembled it; on the wire, IKE_AUTH went as SKF
// fragments each way, in datagrams no larger than the fragment size.
func (c *caseRun) checkFrag(tp *topo, ik *ikedSide, p peerSide, k *ikeCapture) {
	b, _ := os.ReadFile(ik.iked.log)
	log := string(b)
	sent, reasm := ikedFragSent.FindString(log), ikedFragReasm.FindString(log)
	pSent, pReasm := p.fragments()
	c.note("iked sent fragments: %s", orNone(sent))
	c.note("the peer reassembled: %s", orNone(pReasm))
	c.note("the peer sent fragments: %s", orNone(pSent))
	c.note("iked reassembled: %s", orNone(reasm))
	switch {
	case sent == "":
		c.fail("iked's log shows no message sent in fragments (ike_frag_size %d)", c.sc.fragSize)
	case pReasm == "":
		c.fail("the peer's log shows no fragmented message reassembled from iked")
	case pSent == "":
		c.fail("the peer's log shows no message sent in fragments")
	case reasm == "":
		c.fail("iked's log shows no fragmented message reassembled from the peer")
	}
	ds := c.ikeAuth(k)
	for _, dir := range []struct{ who, src string }{{"iked", tp.iked.addr}, {"the peer", tp.peer.addr}} {
		var sizes []string
		frags := 0
		for _, d := range ds {
			if d.src != dir.src {
				continue
			}
			sizes = append(sizes, fmt.Sprintf("%d/%d:%dB@%d", d.number, d.tot, d.ipLen, d.port))
			if d.tot > 0 {
				frags++
			}
			if d.ipLen > c.sc.fragSize {
				c.fail("%s sent an IKE_AUTH datagram of %d bytes, over the fragment size %d", dir.who, d.ipLen, c.sc.fragSize)
			}
		}
		c.note("on the wire, %s's IKE_AUTH datagrams (fragment/total:IP length@UDP port): %s", dir.who, strings.Join(sizes, " "))
		if frags < 2 {
			c.fail("the capture shows %d IKE_AUTH fragments from %s", frags, dir.who)
		}
	}
}

func orNone(s string) string {
	if s = strings.TrimSpace(s); s == "" {
		return "(none)"
	}
	return s
}

func (s *strongSwan) fragments() (sent, received string) {
	b, _ := os.ReadFile(s.dir + "/charon.log")
	return swanFragSent.FindString(string(b)), swanFragReasm.FindString(string(b))
}

func (l *libreswan) fragments() (sent, received string) {
	b, _ := os.ReadFile(l.dir + "/pluto.log")
	return lswFragSent.FindString(string(b)), lswFragReasm.FindString(string(b))
}
