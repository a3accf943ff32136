package transport

// netinet/udp.h on NetBSD; it has no IP_SENDSRCADDR.
const (
	udpEncap         = 100 // UDP_ENCAP
	udpEncapESPinUDP = 2   // UDP_ENCAP_ESPINUDP
	ipSendSrcAddr    = 0
)
