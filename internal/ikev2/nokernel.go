package ikev2

import (
	"encoding/binary"
	"io"
	"net/netip"

	"github.com/racoon2go/iked/internal/ike"
)

// noKernel stands in when the daemon runs without a kernel interface (the
// Env's Kernel is nil): SPIs are random, nothing is installed, so the
// engine negotiates as usual.
type noKernel struct{ rand io.Reader }

var _ ike.Kernel = (*noKernel)(nil)

func (k *noKernel) GetSPI(netip.Addr, netip.Addr, ike.Proto, ike.Mode, uint32) (uint32, error) {
	var b [4]byte
	for {
		if _, err := io.ReadFull(k.rand, b[:]); err != nil {
			return 0, err
		}
		// SPIs 1-255 are reserved (RFC 4303 2.1).
		if v := binary.BigEndian.Uint32(b[:]); v > 255 {
			return v, nil
		}
	}
}

func (*noKernel) AddSA(*ike.SA) error                   { return nil }
func (*noKernel) UpdateSA(*ike.SA) error                { return nil }
func (*noKernel) DeleteSA(ike.SAID) error               { return nil }
func (*noKernel) QuerySA(ike.SAID) (ike.SAStats, error) { return ike.SAStats{}, nil }
func (*noKernel) AddPolicy(*ike.Policy) (uint32, error) { return 0, nil }
func (*noKernel) DeletePolicy(*ike.Policy) error        { return nil }
func (*noKernel) Flush(ike.Proto) error                 { return nil }
func (*noKernel) AcquireFailed(*ike.Acquire, int) error { return nil }
func (*noKernel) Supported() *ike.Algorithms            { return nil }
func (*noKernel) Events() <-chan ike.Event              { return nil }
func (*noKernel) Close() error                          { return nil }
