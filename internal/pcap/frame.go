package pcap

import (
	"errors"
	"net"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/racoon2go/iked/internal/ike"
)

var (
	errFamily = errors.New("pcap: source and destination are not of one address family")
	errAddr   = errors.New("pcap: invalid address")
)

// framer builds the synthetic Ethernet/IP/UDP frame around an IKE message.
// It keeps its layers and buffer between frames, so a frame costs no
// allocation once the buffer has grown; it belongs to one goroutine.
type framer struct {
	buf  gopacket.SerializeBuffer
	eth  layers.Ethernet
	ip4  layers.IPv4
	ip6  layers.IPv6
	udp  layers.UDP
	pl   gopacket.Payload
	src  [16]byte
	dst  [16]byte
	opts gopacket.SerializeOptions
}

func newFramer() *framer {
	f := &framer{
		buf:  gopacket.NewSerializeBuffer(),
		opts: gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
	}
	// All-zero MAC addresses, as racoon2 wrote them: the link layer is
	// only there because Wireshark and tcpdump expect one.
	f.eth.SrcMAC = make(net.HardwareAddr, 6)
	f.eth.DstMAC = make(net.HardwareAddr, 6)
	f.ip4 = layers.IPv4{Version: 4, IHL: 5, TTL: 64, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolUDP}
	f.ip6 = layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP}
	return f
}

// marker is the non-ESP marker (RFC 3948 section 2.2) that precedes IKE
// messages on port 4500.
var marker [4]byte

// hasMarker tells whether an IKE message between these ports carries the
// non-ESP marker on the wire: it does when it is sent from or to the NAT-T
// port (RFC 7296 section 2.23, RFC 3947 section 4), unless one side is
// port 500 (a NAT that happened to map a port-500 socket to 4500).
//
// The marker is written although the transport strips it on receive:
// Wireshark decodes UDP port 4500 as UDP encapsulation, where a payload
// without the marker is ESP, and the capture would show no IKE at all.
func hasMarker(src, dst uint16) bool {
	return (src == ike.PortNATT || dst == ike.PortNATT) && src != ike.PortIKE && dst != ike.PortIKE
}

// frame returns the frame for one IKE message sent from src to dst; data
// is the message preceded by a zeroed non-ESP marker, which the frame keeps
// or leaves out (hasMarker). The result is valid until the next call.
// IPv4-mapped IPv6 addresses (from a dual-stack socket) are written as
// IPv4.
func (f *framer) frame(src, dst netip.AddrPort, data []byte) ([]byte, error) {
	payload := data[len(marker):]
	if hasMarker(src.Port(), dst.Port()) {
		payload = data
	}
	sa, da := src.Addr().Unmap(), dst.Addr().Unmap()
	if !sa.IsValid() || !da.IsValid() {
		return nil, errAddr
	}
	if sa.Is4() != da.Is4() {
		return nil, errFamily
	}
	f.udp.SrcPort = layers.UDPPort(src.Port())
	f.udp.DstPort = layers.UDPPort(dst.Port())
	var ip gopacket.SerializableLayer
	if sa.Is4() {
		if len(payload) > 65535-20-8 {
			return nil, errTooLong
		}
		s, d := sa.As4(), da.As4()
		copy(f.src[:], s[:])
		copy(f.dst[:], d[:])
		f.ip4.SrcIP, f.ip4.DstIP = f.src[:4], f.dst[:4]
		f.eth.EthernetType = layers.EthernetTypeIPv4
		_ = f.udp.SetNetworkLayerForChecksum(&f.ip4)
		ip = &f.ip4
	} else {
		if len(payload) > 65535-8 {
			return nil, errTooLong
		}
		f.src, f.dst = sa.As16(), da.As16()
		f.ip6.SrcIP, f.ip6.DstIP = f.src[:], f.dst[:]
		f.eth.EthernetType = layers.EthernetTypeIPv6
		_ = f.udp.SetNetworkLayerForChecksum(&f.ip6)
		ip = &f.ip6
	}
	f.pl = payload // through a pointer: boxing a slice would allocate
	if err := gopacket.SerializeLayers(f.buf, f.opts, &f.eth, ip, &f.udp, &f.pl); err != nil {
		return nil, err
	}
	return f.buf.Bytes(), nil
}
