// Package xfrm is the Linux XFRM netlink backend of ike.Kernel: SAs and
// policies go in through NETLINK_XFRM (with github.com/vishvananda/netlink
// where it covers the need), with the AEADs, RFC 4868 truncation lengths,
// ESN, replay windows, UDP encapsulation and marks that PF_KEY cannot
// carry; a raw socket on the ACQUIRE, EXPIRE and MIGRATE multicast groups
// turns the kernel's upcalls into ike.Event values.
package xfrm
