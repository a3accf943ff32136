package transport

// netinet/udp.h and netinet/in.h on FreeBSD.
const (
	udpEncap         = 1 // UDP_ENCAP
	udpEncapESPinUDP = 2 // UDP_ENCAP_ESPINUDP
	ipSendSrcAddr    = 7 // IP_SENDSRCADDR
)
