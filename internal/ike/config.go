package ike

import (
	"crypto"
	"net/netip"
	"time"
)

// The values in this file are what the engines see of racoon2.conf: conf
// builds them (internal/conf/ike.go) with every racoon2 default applied, so
// an engine never interprets config syntax or falls back to defaults itself.

// AuthMethod is how a peer authenticates (racoon2's kmp_auth_method).
type AuthMethod uint8

// Authentication methods. AuthSignature covers RSA and ECDSA keys; the
// engine picks the wire method from the key type.
const (
	AuthPSK AuthMethod = iota + 1
	AuthRSASig
	AuthDSS
	AuthECDSA
)

func (m AuthMethod) String() string {
	switch m {
	case AuthPSK:
		return "psk"
	case AuthRSASig:
		return "rsasig"
	case AuthDSS:
		return "dss"
	case AuthECDSA:
		return "ecdsa"
	}
	return "auth(" + itoa(uint64(m)) + ")"
}

// IDType is an identification type. IKEv1 (RFC 2407 4.6.2.1) and IKEv2
// (RFC 7296 3.5) number the types racoon2 uses identically.
type IDType uint8

// Identification types (RFC 7296 section 3.5).
const (
	IDIPv4        IDType = 1
	IDFQDN        IDType = 2
	IDRFC822      IDType = 3
	IDIPv6        IDType = 5
	IDDERASN1DN   IDType = 9
	IDDERASN1GN   IDType = 10
	IDKeyID       IDType = 11
	IDUnspecified IDType = 0
)

// ID is an identity as sent in an ID payload: the type and its data in
// wire form (4 or 16 address bytes, a string, a DER Name, key-id bytes).
type ID struct {
	Type IDType
	Data []byte
}

// Equal reports whether two identities are the same.
func (a ID) Equal(b ID) bool {
	return a.Type == b.Type && string(a.Data) == string(b.Data)
}

// IDFromAddr returns the ID_IPV4_ADDR or ID_IPV6_ADDR identity of an address.
func IDFromAddr(a netip.Addr) ID {
	if a.Is4() || a.Is4In6() {
		b := a.Unmap().As4()
		return ID{Type: IDIPv4, Data: b[:]}
	}
	b := a.As16()
	return ID{Type: IDIPv6, Data: b[:]}
}

// EncrAlg is an encryption transform with its key length in bits (0 for
// fixed-length ciphers), named by its IKEv2 transform ID.
type EncrAlg struct {
	ID      uint16
	KeyBits uint16
}

// IKEProposal lists the transforms for an IKE SA in configuration order
// (kmp_enc_alg, kmp_prf_alg, kmp_hash_alg, kmp_dh_group), as IKEv2 IDs.
type IKEProposal struct {
	Encr  []EncrAlg
	PRF   []uint16
	Integ []uint16
	DH    []uint16
}

// ChildProposal is one sa{} of an ipsec{}: a protocol and its algorithms.
type ChildProposal struct {
	Proto Proto
	Encr  []EncrAlg
	Integ []uint16
	SPI   uint32 // manual SPI (sa{spi}); 0 means ask the kernel
}

// ProposalCheck is racoon2's proposal_check: how a responder weighs the
// initiator's proposals against its own configuration.
type ProposalCheck uint8

// Proposal check modes. Obey takes the initiator's order, Strict and Claim
// take ours, Exact accepts only a proposal that is exactly our own.
const (
	ProposalObey ProposalCheck = iota
	ProposalStrict
	ProposalClaim
	ProposalExact
)

// Retransmit is racoon2's retransmission policy (interval_to_send,
// times_per_send, max_retry_to_send).
type Retransmit struct {
	Interval     time.Duration // first wait; doubles up to 64 times this
	TimesPerSend int           // copies sent per transmission
	MaxRetry     int           // retransmissions before giving up
}

// DefaultRetransmit is racoon2's IKEv2 default: 1 s, 1 copy, 10 retries.
var DefaultRetransmit = Retransmit{Interval: time.Second, TimesPerSend: 1, MaxRetry: 10}

// maxBackoff is the largest multiplier of Interval between transmissions.
const maxBackoff = 64

// Wait returns how long to wait after transmission n (0 is the first send)
// before the next one: Interval x {1, 2, 4, 8, 16, 32, 64, 64, ...}.
func (r Retransmit) Wait(n int) time.Duration {
	m := time.Duration(maxBackoff)
	if n < 6 {
		m = 1 << n
	}
	return r.Interval * m
}

// Copies returns times_per_send, at least 1.
func (r Retransmit) Copies() int {
	if r.TimesPerSend < 1 {
		return 1
	}
	return r.TimesPerSend
}

// PeerConfig is one remote{} with its ikev2{} (or ikev1{}) block merged with
// the default section and racoon2's built-in defaults.
type PeerConfig struct {
	Name     string       // remote index; empty for default{remote}
	Addrs    []netip.Addr // peers_ipaddr; initiator target and responder match
	AnyAddr  bool         // peers_ipaddr is IP_ANY or IP_RW
	Port     uint16       // destination port when initiating (-t, default 500)
	Passive  bool
	MyID     ID
	PeersIDs []ID
	Auth     AuthMethod // the first kmp_auth_method
	PSK      []byte     // pre_shared_key file contents

	// Certificate authentication: our key and certificate chain (DER,
	// leaf first) and the peer's certificate from peers_public_key.
	PrivateKey crypto.Signer
	CertChain  [][]byte
	PeerCerts  [][]byte

	Proposal      IKEProposal
	NonceSize     int           // nonce_size, 16..256
	Lifetime      time.Duration // kmp_sa_lifetime_time
	LifetimeBytes uint64        // kmp_sa_lifetime_byte
	NegoLimit     time.Duration // kmp_sa_nego_time_limit
	ChildNego     time.Duration // ipsec_sa_nego_time_limit
	Retransmit    Retransmit
	DPDDelay      time.Duration // liveness polling interval
	NATTraversal  bool
	CookieReq     bool // cookie_required
	SendPeersID   bool // send_peers_id: the initiator sends IDr
	VerifyID      bool // verify_id: check the peer's ID against PeersIDs
	SendCert      bool
	SendCertReq   bool
	NeedPFS       bool
	ProposalCheck ProposalCheck
	// FragmentSize is the largest IP datagram, headers included, of a
	// message sent whole once the peer supports RFC 7383 fragmentation
	// (ike_frag_size); 0 means the engine's default.
	FragmentSize int
}

// ChildConfig is one outbound selector{} with its policy{}, ipsec{} and
// sa{} sections: what a CHILD_SA for that selector is made of.
type ChildConfig struct {
	Selector  string   // selector index (the key shared with spmd)
	Remote    string   // remote index of its policy
	Sel       Selector // Src is our side, Dst the peer's
	Mode      Mode
	SALocal   netip.Addr      // my_sa_ipaddr (tunnel mode)
	SAPeer    netip.Addr      // peers_sa_ipaddr (tunnel mode)
	Proposals []ChildProposal // one per ipsec_index, in order
	Lifetime  Lifetime
	PFSGroup  uint16 // 0: no PFS
	Replay    uint32 // replay window, in packets
	ReqID     uint32

	// ReverseSelector is the inbound selector of the same remote with the
	// addresses swapped, which spmd installs along with this one on POLICY
	// ADD and which iked names in a POLICY DELETE of its own (racoon2 5.4);
	// empty when there is none.
	ReverseSelector string
	// DynamicPolicy: peers_sa_ipaddr or my_sa_ipaddr is IP_RW and there is
	// a ReverseSelector, so spmd installs no boot-time policy and iked
	// announces it with POLICY ADD for each new child (racoon2 5.4 (b)).
	DynamicPolicy bool
}

// Config is what an engine needs of the whole configuration.
type Config struct {
	Peers    []*PeerConfig
	Default  *PeerConfig // default{remote}: responder fallback; may be nil
	Children []*ChildConfig
	Port     uint16 // IKE port we use and target (-t)
}

// PeerByName returns the remote with the given index.
func (c *Config) PeerByName(name string) *PeerConfig {
	for _, p := range c.Peers {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// PeerByAddr returns the first remote whose peers_ipaddr holds a, then the
// first one that accepts any address, then the default remote (racoon2's
// rcf_get_remotebyaddr, ports ignored).
func (c *Config) PeerByAddr(a netip.Addr) *PeerConfig {
	a = a.Unmap()
	for _, p := range c.Peers {
		for _, x := range p.Addrs {
			if x.Unmap() == a {
				return p
			}
		}
	}
	for _, p := range c.Peers {
		if p.AnyAddr {
			return p
		}
	}
	return c.Default
}

// PeerByID returns the first remote listing id among its peers_id.
func (c *Config) PeerByID(id ID) *PeerConfig {
	for _, p := range c.Peers {
		for _, x := range p.PeersIDs {
			if x.Equal(id) {
				return p
			}
		}
	}
	return nil
}

// ChildBySelector returns the selector with the given index.
func (c *Config) ChildBySelector(idx string) *ChildConfig {
	for _, ch := range c.Children {
		if ch.Selector == idx {
			return ch
		}
	}
	return nil
}

// ChildrenOf returns the outbound selectors whose policy uses remote name.
func (c *Config) ChildrenOf(name string) []*ChildConfig {
	var out []*ChildConfig
	for _, ch := range c.Children {
		if ch.Remote == name {
			out = append(out, ch)
		}
	}
	return out
}

// ChildByAddrs returns the first selector whose local and remote prefixes
// hold local and peer (racoon2's ike_conf_find_selector_by_addr for -I).
func (c *Config) ChildByAddrs(local, peer netip.Addr) *ChildConfig {
	for _, ch := range c.Children {
		if ch.Sel.Src.Contains(local) && ch.Sel.Dst.Contains(peer) {
			return ch
		}
	}
	return nil
}
