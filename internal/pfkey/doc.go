// Package pfkey is the PF_KEYv2 (RFC 2367) backend of ike.Kernel: a codec
// for every RFC 2367 message and extension plus the Linux/KAME SADB_X_*
// ones iked and spmd use, and a socket that matches replies to requests by
// sequence number and turns the kernel's ACQUIRE, EXPIRE and MIGRATE
// messages into ike.Event values.
//
// The codec is shared by all systems; only the sockaddr layout (sa_len on
// the BSDs), the AF_KEY number and a few KAME constants differ, and those
// live in per-OS files.
package pfkey
