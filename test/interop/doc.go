// Package interop is iked's end-to-end interoperability suite: iked and
// spmd against strongSwan and libreswan, in network namespaces of the
// in-kernel test bed, with real ESP traffic. The tests are named
// TestInterop* and run through `make interop`; each run writes a results
// file that cmd/interop-matrix turns into the interoperability matrix.
package interop
