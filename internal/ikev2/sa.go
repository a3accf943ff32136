package ikev2

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/racoon2go/iked/internal/ike"
)

// saState is where an IKE SA is in its life.
type saState uint8

const (
	stateInit        saState = iota // IKE_SA_INIT in progress
	stateAuth                       // IKE_AUTH in progress
	stateEstablished                // authenticated, usable
	stateDeleting                   // our Delete is in flight
	stateDead                       // removed from the table
)

func (s saState) String() string {
	switch s {
	case stateInit:
		return "IKE_SA_INIT"
	case stateAuth:
		return "IKE_AUTH"
	case stateEstablished:
		return "ESTABLISHED"
	case stateDeleting:
		return "DELETING"
	}
	return "DEAD"
}

// IKESA is one IKE SA. Everything the handshake alone needs (DH private value,
// nonces, the IKE_SA_INIT messages, SK_p keys) lives in *handshake and is
// dropped once IKE_AUTH is done, so an established SA keeps only what it
// uses: SPIs, addresses, the two SK ciphers, SK_d and its children.
type IKESA struct {
	spiI, spiR    uint64
	role          ike.Role
	state         saState
	halfOpen      bool
	natLocal      bool // we are behind a NAT
	natRemote     bool // the peer is behind a NAT
	fragOK        bool // peer sent IKEV2_FRAGMENTATION_SUPPORTED
	local, remote netip.AddrPort
	peer          *ike.PeerConfig
	suite         suite
	mgr           manager
	keys          keymat
	hs            *handshake
	children      []*childSA
	queue         []task
	reasm         *Reassembly
	reasmID       uint32
	reasmResp     bool
	peerID        ike.ID
	childCfg      *ike.ChildConfig // initiator: the selector to negotiate
	rk            *ikeRekey        // IKE SA rekey state (task_rekey.go)
	cp            *cpLease         // configuration payload lease (cp.go)
	contact       bool             // the peer sent INITIAL_CONTACT (contact.go)
	octetHard     bool             // octetMark is the hard byte limit (ikelifetime.go)
	collided      bool             // made by the peer's rekey while ours was in flight (task_rekey.go)
	redundant     bool             // the loser of a simultaneous rekey (RFC 7296 2.8.2): goes without phase1_down
	created       time.Time
	octets        uint64 // IKE traffic since established (ikelifetime.go)
	octetMark     uint64 // next byte lifetime point; 0: none
	log           saLog
}

// childSA is a pair of kernel SAs negotiated together.
type childSA struct {
	cfg           *ike.ChildConfig
	proto         ike.Proto
	mode          ike.Mode
	inSPI, outSPI uint32
	installed     bool
	encr          ike.EncrAlg
	integ         uint16
	softAt        time.Time   // rekey due (engine timer; task_child.go)
	hardAt        time.Time   // delete due (engine timer; task_child.go)
	rk            *childRekey // rekey in progress or done (task_child.go)
	redundant     bool        // the loser of a simultaneous rekey (RFC 7296 2.8.1): goes without phase2_down
	// pfs is the DH group its rekeys use when the configuration asks for
	// none: the peer's, learnt from a rekey it made with PFS or from its
	// refusal of ours without (task_child.go).
	pfs uint16

	local, peer netip.Addr         // addresses of its kernel SAs, as installed (natt.go)
	rw          *ike.PolicyRequest // dynamic policy announced to spmd (rwpolicy.go)
}

func (sa *IKESA) ourSPI() uint64 {
	if sa.role == ike.Initiator {
		return sa.spiI
	}
	return sa.spiR
}

func (sa *IKESA) peerSPI() uint64 {
	if sa.role == ike.Initiator {
		return sa.spiR
	}
	return sa.spiI
}

func (sa *IKESA) initiator() bool { return sa.role == ike.Initiator }

// child returns the child SA whose inbound or outbound SPI is spi.
func (sa *IKESA) childBySPI(proto ike.Proto, spi uint32, inbound bool) *childSA {
	for _, c := range sa.children {
		if c.proto != proto {
			continue
		}
		if (inbound && c.inSPI == spi) || (!inbound && c.outSPI == spi) {
			return c
		}
	}
	return nil
}

// setRemote moves sa to the peer's new address, which its log lines
// name from then on.
func (sa *IKESA) setRemote(a netip.AddrPort) { sa.remote, sa.log.peer = a, a }

// saLog logs with the SA's SPI and peer attached, without building a
// logger per SA: the attributes are added only when the level is enabled.
type saLog struct {
	l    *slog.Logger
	spi  uint64
	peer netip.AddrPort
}

func (s saLog) log(level slog.Level, msg string, args ...any) {
	if s.l == nil || !s.l.Enabled(context.Background(), level) {
		return
	}
	args = append(args, "ike-sa", spiString(s.spi), "peer", s.peer)
	s.l.Log(context.Background(), level, msg, args...)
}

func (s saLog) Debug(msg string, args ...any) { s.log(slog.LevelDebug, msg, args...) }
func (s saLog) Info(msg string, args ...any)  { s.log(slog.LevelInfo, msg, args...) }
func (s saLog) Error(msg string, args ...any) { s.log(slog.LevelError, msg, args...) }
