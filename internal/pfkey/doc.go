// Package pfkey is the PF_KEYv2 (RFC 2367) backend of ike.Kernel: a codec
// for every RFC 2367 message and extension plus the Linux/KAME SADB_X_*
// ones iked and spmd use, and a socket that matches replies to requests by
// sequence number and turns the kernel's ACQUIRE, EXPIRE and MIGRATE
// messages into ike.Event values.
//
// The codec is shared by all systems and reads the differences from the
// native layout (sockaddr.go), picked by per-OS files: sa_len and the
// AF_INET6/PF_KEY numbers of FreeBSD and NetBSD, KAME's 8-byte
// sadb_x_ipsecrequest with a 16-bit reqid, the replay window in bytes plus
// FreeBSD's SADB_X_EXT_SA_REPLAY, extension types 24-26 (NAT_T_OAR,
// NAT_T_FRAG, SA_REPLAY on the BSDs; SEC_CTX, KMADDRESS, FILTER on Linux),
// and what only Linux has: fwd policies and MIGRATE. The golden tests
// encode each system's messages on any host.
package pfkey
