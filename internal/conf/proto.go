package conf

// protocols maps upper_layer_protocol names to numbers. racoon2 asks
// getprotobyname(), so its answer depends on the host; we use a fixed
// table with the names of the netbase /etc/protocols that Debian and
// most Linux systems ship (so "icmp6", a BSD-only alias, is unknown, as
// on Linux).
var protocols = map[string]uint8{
	"ip": 0, "hopopt": 0, "icmp": 1, "igmp": 2, "ggp": 3, "ipencap": 4, "st": 5,
	"tcp": 6, "egp": 8, "igp": 9, "pup": 12, "udp": 17, "hmp": 20, "xns-idp": 22,
	"rdp": 27, "iso-tp4": 29, "dccp": 33, "xtp": 36, "ddp": 37, "idpr-cmtp": 38,
	"ipv6": 41, "ipv6-route": 43, "ipv6-frag": 44, "idrp": 45, "rsvp": 46, "gre": 47,
	"esp": 50, "ah": 51, "skip": 57, "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60,
	"rspf": 73, "vmtp": 81, "eigrp": 88, "ospf": 89, "ax.25": 93, "ipip": 94,
	"etherip": 97, "encap": 98, "pim": 103, "ipcomp": 108, "vrrp": 112, "l2tp": 115,
	"isis": 124, "sctp": 132, "fc": 133, "mobility-header": 135, "udplite": 136,
	"mpls-in-ip": 137, "manet": 138, "hip": 139, "shim6": 140, "wesp": 141, "rohc": 142,
	// netbase aliases
	"IP": 0, "HOPOPT": 0, "ICMP": 1, "IGMP": 2, "GGP": 3, "IP-ENCAP": 4, "ST": 5,
	"TCP": 6, "EGP": 8, "IGP": 9, "PUP": 12, "UDP": 17, "HMP": 20, "XNS-IDP": 22,
	"RDP": 27, "ISO-TP4": 29, "DCCP": 33, "XTP": 36, "DDP": 37, "IDPR-CMTP": 38,
	"IPv6": 41, "IPv6-Route": 43, "IPv6-Frag": 44, "IDRP": 45, "RSVP": 46, "GRE": 47,
	"IPSEC-ESP": 50, "IPSEC-AH": 51, "SKIP": 57, "IPv6-ICMP": 58, "IPv6-NoNxt": 59,
	"IPv6-Opts": 60, "RSPF": 73, "VMTP": 81, "EIGRP": 88, "OSPFIGP": 89, "AX.25": 93,
	"IPIP": 94, "ETHERIP": 97, "ENCAP": 98, "PIM": 103, "IPCOMP": 108, "VRRP": 112,
	"L2TP": 115, "IS-IS": 124, "SCTP": 132, "FC": 133, "Mobility-Header": 135,
	"UDPLite": 136, "MPLS-in-IP": 137, "HIP": 139, "Shim6": 140, "WESP": 141, "ROHC": 142,
}

// protoName returns a canonical name for messages and Dump.
func protoKnown(name string) (uint8, bool) {
	if name == "any" {
		return ProtoAny, true
	}
	p, ok := protocols[name]
	return p, ok
}
