package ike

import (
	"errors"
	"net/netip"
	"syscall"
	"time"
)

// Proto is an IPsec protocol, numbered as in the IP protocol field.
type Proto uint8

// IPsec protocols.
const (
	ProtoESP    Proto = 50
	ProtoAH     Proto = 51
	ProtoIPComp Proto = 108
)

func (p Proto) String() string {
	switch p {
	case ProtoESP:
		return "esp"
	case ProtoAH:
		return "ah"
	case ProtoIPComp:
		return "ipcomp"
	}
	return "proto(" + itoa(uint64(p)) + ")"
}

// Mode is the IPsec encapsulation mode.
type Mode uint8

// IPsec modes. ModeAny is only meaningful in an ACQUIRE.
const (
	ModeAny Mode = iota
	ModeTransport
	ModeTunnel
)

func (m Mode) String() string {
	switch m {
	case ModeTransport:
		return "transport"
	case ModeTunnel:
		return "tunnel"
	}
	return "any"
}

// Selector is a traffic selector as the kernel sees it. A zero port means
// any port; Proto 0 means any upper-layer protocol.
type Selector struct {
	Src, Dst         netip.Prefix
	Proto            uint8
	SrcPort, DstPort uint16
}

// Lifetime bounds an SA by time and by bytes; zero means unlimited.
type Lifetime struct {
	SoftTime, HardTime   time.Duration
	SoftBytes, HardBytes uint64
}

// Encap is UDP encapsulation of ESP (RFC 3948), used only when a NAT was
// detected between the peers.
type Encap struct {
	SrcPort, DstPort uint16
	OrigAddr         netip.Addr // NAT-OA, for transport-mode checksum fixup
}

// Algorithms are named by their IKEv2 transform IDs (RFC 7296 section 3.3.2,
// IANA "Transform Type Values"): that is the one numbering every backend can
// map from, and IKEv1 maps its own IDs onto it.
type SA struct {
	Src, Dst netip.Addr
	Proto    Proto
	SPI      uint32
	Mode     Mode
	ReqID    uint32

	EncrID      uint16 // ENCR transform ID; 0 for AH
	EncrKeyBits int    // key length for variable-length ciphers (AES), excluding salt
	EncrKey     []byte // cipher key, followed by the salt/nonce for AEAD and CTR modes
	IntegID     uint16 // INTEG transform ID; 0 (NONE) with AEAD
	IntegKey    []byte
	CompID      uint16 // IPComp transform ID (RFC 7296 IPCOMP_*), for ProtoIPComp

	ReplayWindow   uint32
	ESN            bool
	Lifetime       Lifetime
	Encap          *Encap    // nil: plain ESP
	Selector       *Selector // nil: no selector on the SA (as racoon2)
	Mark, MarkMask uint32
}

// SAID identifies an SA in the kernel.
type SAID struct {
	Src, Dst netip.Addr
	Proto    Proto
	SPI      uint32
}

// SAStats is what the kernel reports of an SA in use. Packets is PF_KEY's
// "allocations" count, which Linux fills with packets.
type SAStats struct {
	Bytes, Packets uint64
	AddTime        time.Time
	UseTime        time.Time
}

// Dir is a policy direction.
type Dir uint8

// Policy directions. DirFwd exists on Linux only.
const (
	DirOut Dir = iota + 1
	DirIn
	DirFwd
)

func (d Dir) String() string {
	switch d {
	case DirOut:
		return "out"
	case DirIn:
		return "in"
	case DirFwd:
		return "fwd"
	}
	return "dir?"
}

// Action is what a policy does with matching traffic.
type Action uint8

// Policy actions.
const (
	ActionIPsec Action = iota + 1
	ActionBypass
	ActionDiscard
)

// Level is the IPsec level of a policy template.
type Level uint8

// Policy template levels (KAME/Linux).
const (
	LevelRequire Level = iota + 1
	LevelUse
	LevelUnique
)

// Template is one IPsec transform a policy requires, outermost last.
type Template struct {
	Proto    Proto
	Mode     Mode
	Level    Level
	ReqID    uint32
	Src, Dst netip.Addr // tunnel endpoints; invalid in transport mode
}

// Policy is a security policy database entry.
type Policy struct {
	ID        uint32 // kernel policy id; set by AddPolicy, used by SLID
	Selector  Selector
	Dir       Dir
	Action    Action
	Priority  uint32
	Templates []Template
	Lifetime  Lifetime
}

// Kernel is the IPsec SA and policy interface that pfkey and xfrm implement
// and the engines and spmd consume. Calls are synchronous; asynchronous
// kernel messages arrive on Events. Errors wrap the errno (errors.Is works
// with syscall.Errno) and say which SA they concern.
type Kernel interface {
	// GetSPI reserves an inbound SPI for an SA from src to dst (a larval SA).
	GetSPI(src, dst netip.Addr, proto Proto, mode Mode, reqID uint32) (uint32, error)
	// AddSA installs a new SA (outbound SAs).
	AddSA(sa *SA) error
	// UpdateSA completes a larval SA made by GetSPI (inbound SAs).
	UpdateSA(sa *SA) error
	DeleteSA(id SAID) error
	QuerySA(id SAID) (SAStats, error)
	AddPolicy(p *Policy) (id uint32, err error)
	DeletePolicy(p *Policy) error
	// Flush removes all SAs of a protocol; 0 means all protocols.
	Flush(proto Proto) error
	// AcquireFailed tells the kernel that the negotiation an ACQUIRE started
	// failed, so that it can drop the larval state early.
	AcquireFailed(a *Acquire, errno int) error
	// Supported lists the algorithms the kernel can install, for the
	// configuration check. A nil map means the backend cannot tell.
	Supported() *Algorithms
	// Events delivers Acquire, Expire and Migrate values until Close.
	Events() <-chan Event
	Close() error
}

// Algorithms is what a kernel supports, keyed by IKEv2 transform ID.
type Algorithms struct {
	Encr  map[uint16]bool
	Integ map[uint16]bool
	Comp  map[uint16]bool
	// Notes explain algorithms a backend refuses on purpose (for example the
	// 96-bit HMAC-SHA2-256 of Linux PF_KEY), keyed by ENCR/INTEG ID.
	EncrNotes, IntegNotes map[uint16]string
}

// Event is a kernel upcall: *Acquire, *Expire or *Migrate.
type Event interface{ kernelEvent() }

// Acquire asks for an SA for traffic that hit an IPsec policy.
type Acquire struct {
	Seq      uint32 // kernel sequence number, echoed by AcquireFailed
	PolicyID uint32 // resolved to a selector through spmd (SLID)
	Src, Dst netip.Addr
	Proto    Proto
	Mode     Mode
	ReqID    uint32
	// Selector is zero when the backend does not carry it (Linux PF_KEY
	// sends only the endpoints and the policy id): resolve PolicyID
	// through spmd (SLID) instead.
	Selector Selector
}

// Expire reports a soft or hard lifetime hit.
type Expire struct {
	SAID
	Hard        bool
	Bytes       uint64 // bytes processed so far; 0 means the SA was never used
	Allocations uint32
}

// Migrate is a kernel SADB_X_MIGRATE / XFRM_MSG_MIGRATE report.
type Migrate struct {
	Selector       Selector
	Dir            Dir
	ReqID          uint32
	OldSrc, OldDst netip.Addr
	NewSrc, NewDst netip.Addr
}

func (*Acquire) kernelEvent() {}
func (*Expire) kernelEvent()  {}
func (*Migrate) kernelEvent() {}

// ErrNoKernel is returned by backends that are absent on this platform.
var ErrNoKernel = errors.New("kernel IPsec interface not available")

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// IsNoSA reports whether a Kernel error says that the SA does not exist
// (ESRCH from PF_KEY and XFRM, ENOENT from some kernels). Deleting such an
// SA is not a failure: the kernel already removed it, for example at its
// hard lifetime while the peer's Delete was on its way.
func IsNoSA(err error) bool {
	return errors.Is(err, syscall.ESRCH) || errors.Is(err, syscall.ENOENT)
}
