// Package ike holds what the IKEv1 and IKEv2 engines share and nothing that
// does I/O: the clock and timer queue, the event loop and worker pool, the
// packet and transport types, and the interfaces the engines consume (Kernel
// for IPsec SAs and policies, PolicyService for spmd). Implementations live in
// pfkey, xfrm and spmdclient; fakes for tests live in ike/iketest.
package ike
