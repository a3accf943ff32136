package ike

import "net/netip"

// PolicyService is spmd as iked sees it (racoon2's spmif; see
// internal/spmdclient). Calls are asynchronous: the reply is delivered to
// done on the event loop, so a slow spmd never blocks negotiations.
type PolicyService interface {
	// SLID resolves a kernel policy id to a selector index.
	SLID(policyID uint32, done func(selector string, err error))
	// PolicyAdd asks spmd to install the selector and its reverse for a
	// leased or road-warrior address (racoon2's POLICY ADD).
	PolicyAdd(req PolicyRequest, done func(err error))
	PolicyDelete(req PolicyRequest, done func(err error))
}

// PolicyRequest is the argument of POLICY ADD/DELETE.
type PolicyRequest struct {
	Selector     string // selector index
	Lifetime     uint64 // seconds; ADD only
	Mode         Mode
	Src, Dst     netip.Prefix
	SASrc, SADst netip.Addr // tunnel mode only
}
