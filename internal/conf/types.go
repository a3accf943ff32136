package conf

import (
	"net/netip"
	"slices"
	"time"
)

// Bool is racoon2's three-state boolean: a field is Unset until a remote,
// the default section or a built-in default gives it a value. Off is
// non-zero so that "off" overrides a default (racoon2's RCT_BOOL_OFF = 2).
type Bool uint8

const (
	Unset Bool = iota
	On
	Off
)

// On reports whether b is On.
func (b Bool) On() bool { return b == On }

func (b Bool) String() string {
	switch b {
	case On:
		return "on"
	case Off:
		return "off"
	}
	return "unset"
}

// BoolOf converts a Go bool.
func BoolOf(v bool) Bool {
	if v {
		return On
	}
	return Off
}

// KMP is a bit set of key-management protocols (acceptable_kmp).
type KMP uint8

const (
	KMPIKEv1 KMP = 1 << iota
	KMPIKEv2
	KMPKINK
)

func (k KMP) String() string {
	switch k {
	case KMPIKEv1:
		return "ikev1"
	case KMPIKEv2:
		return "ikev2"
	case KMPKINK:
		return "kink"
	}
	return "kmp?"
}

// AddrKind says what an address entry holds.
type AddrKind uint8

const (
	AddrIP    AddrKind = iota + 1 // a literal address or prefix
	AddrFQDN                      // a host name, kept unresolved
	AddrMacro                     // MY_IP, IP_ANY, ... (Macro, Iface)
	AddrUnix                      // unix "/path" (Name)
)

// Address is one addr_spec: "addr[/plen] [port p]", a macro, an FQDN or
// `unix "path"`.
type Address struct {
	// Prefix holds a literal address with its prefix length (the full
	// length when none was written).
	Prefix netip.Prefix
	// Name is the FQDN, the macro name (MY_IP, MY_IPV4, MY_IPV6,
	// MY_IPV6_GLOBAL, MY_IPV6_LINKLOCAL, IP_ANY, IP_RW) or the unix path.
	Name string
	// Iface is the interface after '%': a literal IPv6 address's zone
	// ("fe80::1%eth0") or a macro's ("MY_IP%eth0"). One field for both
	// keeps Address small: a large configuration holds many.
	Iface string
	Pos   Pos
	Kind  AddrKind // last, with Port: no padding (a large config holds many)
	// Port is the port; 0 means unspecified or "any".
	Port uint16
}

// Addr returns the literal address with its zone.
func (a Address) Addr() netip.Addr { return a.Prefix.Addr().WithZone(a.Iface) }

// IsMacro reports whether a is the named macro.
func (a Address) IsMacro(name string) bool { return a.Kind == AddrMacro && a.Name == name }

// IDType is the type of an identity (id_spec).
type IDType uint8

const (
	IDIPAddr IDType = iota + 1
	IDEmail
	IDFQDN
	IDKeyID
	IDX509Subject
)

var idTypeNames = [...]string{"", "ipaddr", "email", "fqdn", "keyid", "x509_subject"}

func (t IDType) String() string { return idTypeNames[t] }

// IDQualifier is the optional file/tag qualifier of an identity.
type IDQualifier uint8

const (
	QualNone IDQualifier = iota
	QualFile             // the value is a file whose content is the ID
	QualTag              // the value is the ID itself
)

// ID is one identity: "type [file|tag] value". For keyid without a
// qualifier the value is a file name, as with "file".
type ID struct {
	Type  IDType
	Qual  IDQualifier
	Value string
	Pos   Pos
}

// PubKeyType is the file format of my_public_key / peers_public_key.
type PubKeyType uint8

const (
	KeyX509PEM PubKeyType = iota + 1
	KeyPKCS12
	KeyASCII
)

var pubKeyNames = [...]string{"", "x509pem", "pkcs12", "ascii"}

func (t PubKeyType) String() string { return pubKeyNames[t] }

// KeyFiles is my_public_key (PubFile and PrivFile) or peers_public_key
// (PubFile only).
type KeyFiles struct {
	Type     PubKeyType
	PubFile  string
	PrivFile string
	Pos      Pos
}

// ScriptType indexes hook scripts.
type ScriptType uint8

const (
	ScriptPhase1Up ScriptType = iota // ike_sa_up
	ScriptPhase1Down
	ScriptPhase1Rekey
	ScriptPhase2Up // child_up
	ScriptPhase2Down
	ScriptPhase2Rekey
	ScriptMigration
	NumScripts
)

var scriptNames = [NumScripts]string{"phase1_up", "phase1_down", "phase1_rekey", "phase2_up", "phase2_down", "phase2_rekey", "migration"}

func (s ScriptType) String() string { return scriptNames[s] }

// Request is the bit set of the IKEv2 configuration payload request
// (racoon2's RCF_REQ_* values).
type Request uint16

const (
	ReqIP4DNS   Request = 0x01
	ReqIP6DNS   Request = 0x02
	ReqIP4DHCP  Request = 0x04
	ReqIP6DHCP  Request = 0x08
	ReqAppVer   Request = 0x10
	ReqMIP6Home Request = 0x20
	ReqIP4      Request = 0x40
	ReqIP6      Request = 0x80
	ReqDNS              = ReqIP4DNS | ReqIP6DNS
	ReqDHCP             = ReqIP4DHCP | ReqIP6DHCP
	ReqIP               = ReqIP4 | ReqIP6
	requestAll          = 0xff
)

// Provide is the responder side of the configuration payload.
type Provide struct {
	AddressPool    string
	Pool           *AddressPool // resolved
	DNS            []Address
	DHCP           []Address
	AppVersion     string
	MIP6HomePrefix []Address
}

// LogMode is logmode normal|debug.
type LogMode uint8

const (
	LogUnset LogMode = iota
	LogNormal
	LogDebug
)

// Check is selector_check / proposal_check.
type Check uint8

const (
	CheckUnset Check = iota
	CheckObey
	CheckStrict
	CheckClaim
	CheckExact
)

var checkNames = [...]string{"unset", "obey", "strict", "claim", "exact"}

func (c Check) String() string { return checkNames[c] }

// ExchangeMode is the IKEv1 phase 1 mode.
type ExchangeMode uint8

const (
	ModeUnset ExchangeMode = iota
	ModeMain
	ModeAggressive
	ModeBase
)

// MobilityRole is the MIPv6 role.
type MobilityRole uint8

const (
	RoleUnset MobilityRole = iota
	RoleAgent
	RoleMobile
	RoleCorrespondent
)

// KMPConf is one ikev1{}, ikev2{} or kink{} block. After Load the fields
// are effective: the remote's value, else the default remote's, else
// racoon2's built-in default (Appendix A). Zero means unset (racoon2's "0
// means unset" rule: `infinite` cannot override a built-in default).
type KMPConf struct {
	Proto KMP // KMPIKEv1, KMPIKEv2 or KMPKINK

	LogMode LogMode
	LogFile string

	Passive      Bool
	UseCoA       Bool
	PeersIPAddr  []Address
	PeersKMPPort int

	VerifyID       Bool
	VerifyPubkey   Bool
	SendCert       Bool
	SendCertReq    Bool
	NonceSize      int // bytes
	InitialContact Bool
	SupportProxy   Bool
	NATTraversal   Bool

	MyID    []ID
	PeersID []ID

	SelectorCheck Check
	ProposalCheck Check

	RandomPadContent Bool
	RandomPadlen     Bool
	MaxPadlen        int // bytes

	MaxRetryToSend int
	IntervalToSend time.Duration
	TimesPerSend   int

	KMPSALifetimeTime    time.Duration
	KMPSALifetimeByte    uint64
	KMPSANegoTimeLimit   time.Duration
	KMPSAGracePeriod     time.Duration
	IPsecSANegoTimeLimit time.Duration

	EncAlg     []Algorithm // kmp_enc_alg
	HashAlg    []Algorithm // kmp_hash_alg: hashes (IKEv1) or integrity (IKEv2)
	PRFAlg     []Algorithm
	DHGroup    []Algorithm
	AuthMethod []Algorithm

	MobilityRole MobilityRole
	Scripts      [NumScripts]string

	// IKEv1 only.
	ExchangeMode ExchangeMode
	MyGSSAPIID   string
	DPD          Bool
	DPDRetry     time.Duration
	DPDMaxFail   int

	// IKEv1 and IKEv2.
	NeedPFS        Bool
	MyPublicKey    *KeyFiles
	PeersPublicKey *KeyFiles
	PreSharedKey   string // path of the key file
	DPDDelay       time.Duration

	// IKEv2 only.
	CookieRequired Bool
	SendPeersID    Bool
	Provide        *Provide
	Request        Request
	IKEFragSize    int // ike_frag_size (extension): largest IP datagram before RFC 7383 fragmentation

	// KINK only.
	MyPrincipal    string
	PeersPrincipal string

	Pos Pos
}

// Remote is a remote section (or the default remote when Name is "").
type Remote struct {
	Name          string
	AcceptableKMP []KMP // in order; the first is the one iked initiates with
	SelectorIndex string
	IKEv1         *KMPConf
	IKEv2         *KMPConf
	KINK          *KMPConf
	// Used is set when an auto_ipsec policy reached from a selector
	// names this remote.
	Used bool
	Pos  Pos
}

// InitiateKMP is the protocol iked initiates with: the first
// acceptable_kmp entry, IKEv2 when none is configured.
func (r *Remote) InitiateKMP() KMP {
	if len(r.AcceptableKMP) > 0 {
		return r.AcceptableKMP[0]
	}
	return KMPIKEv2
}

// Accepts reports whether the remote accepts k (every protocol when
// acceptable_kmp is not configured anywhere).
func (r *Remote) Accepts(k KMP) bool {
	if len(r.AcceptableKMP) == 0 {
		return true
	}
	for _, a := range r.AcceptableKMP {
		if a == k {
			return true
		}
	}
	return false
}

// Direction is a selector's direction.
type Direction uint8

const (
	DirUnset Direction = iota
	DirOutbound
	DirInbound
)

// ProtoAny is upper_layer_protocol "any" (racoon2's RC_PROTO_ANY).
const ProtoAny = 255

// Selector is a selector section.
type Selector struct {
	Name      string
	Order     int64
	Direction Direction
	Src, Dst  []Address
	// ULP is the upper-layer protocol number, ProtoAny by default.
	ULP uint8
	// ULPName is the protocol as written (for messages and Dump).
	ULPName string
	// ULPArgs holds the numbers after the protocol: ICMP type and code,
	// or the MH type; -1 when absent. racoon2 stores them in the src and
	// dst port fields.
	ULPArgs             [2]int
	NextHeaderIncluding []string
	Tagged              string
	PolicyIndex         string
	Policy              *Policy // resolved
	Reqid               uint32
	Pos                 Pos
	PolicyIndexPos      Pos
}

// Action is a policy's action.
type Action uint8

const (
	ActionUnset Action = iota
	ActionAutoIPsec
	ActionStaticIPsec
	ActionDiscard
	ActionNone // "none" and its alias "bypass"
)

var actionNames = [...]string{"unset", "auto_ipsec", "static_ipsec", "discard", "none"}

func (a Action) String() string { return actionNames[a] }

// Mode is ipsec_mode.
type Mode uint8

const (
	ModeUnsetIPsec Mode = iota
	ModeTransport
	ModeTunnel
)

// Level is ipsec_level.
type Level uint8

const (
	LevelUnset Level = iota
	LevelUnique
	LevelRequire
	LevelUse
)

// Policy is a policy section, merged with default{policy}.
type Policy struct {
	Name          string
	Action        Action
	Install       Bool
	RemoteIndex   string
	Remote        *Remote // resolved; nil when not named or kink-only
	IPsecIndex    []string
	IPsecs        []*IPsec // resolved, one per proposal, in order
	IPsecMode     Mode
	MySAIPAddr    []Address
	PeersSAIPAddr []Address
	IPsecLevel    Level
	Pos           Pos
}

// IPsec is an ipsec section, merged with default{ipsec}.
type IPsec struct {
	Name                string
	IPsecSALifetimeTime time.Duration // 0: none
	IPsecSALifetimeByte uint64
	ExtSequence         Bool
	SAIndex             []string
	SAs                 []*SA // resolved bundle
	Pos                 Pos
}

// SAProto is sa_protocol.
type SAProto uint8

const (
	SAProtoUnset SAProto = iota
	SAProtoESP
	SAProtoAH
	SAProtoIPComp
)

var saProtoNames = [...]string{"unset", "esp", "ah", "ipcomp"}

func (p SAProto) String() string { return saProtoNames[p] }

// SA is an sa section, merged with default{sa}.
type SA struct {
	Name       string
	Protocol   SAProto
	EncAlg     []Algorithm // esp_enc_alg
	ESPAuthAlg []Algorithm
	AHAuthAlg  []Algorithm
	IPCompAlg  []Algorithm
	SPI        int64 // manual SPI, 0: none
	Pos        Pos
}

// AddressRange is one addresspool range.
type AddressRange struct {
	Start, End netip.Addr
}

// AddressPool is an addresspool section. Ranges are in file order (racoon2
// stores them reversed; see Reversed).
type AddressPool struct {
	Name   string
	Ranges []AddressRange
	Pos    Pos
}

// Interface is the interface section.
type Interface struct {
	// IKE is where iked listens: an unspecified address (0.0.0.0 or ::)
	// means every address of that family (MY_IP gives both); port 0 means
	// the default port (-p, 500).
	IKE []netip.AddrPort
	// IKEAddrs is the ike list as written (macros unexpanded).
	IKEAddrs []Address
	KINK     []Address
	// Spmd holds the unix socket paths of spmd; SpmdAddrs everything written.
	Spmd              []string
	SpmdAddrs         []Address
	SpmdPassword      string // file path
	SpmdPasswordPos   Pos
	ApplicationBypass Bool // Unset behaves as On
}

// Resolver is the resolver section (spmd only).
type Resolver struct {
	Enable     Bool
	Nameserver []Address
	DNSQuery   []Address
	Present    bool
}

// Defaults is the default section as written (not merged with built-ins).
type Defaults struct {
	Remote *Remote
	Policy *Policy
	IPsec  *IPsec
	SA     *SA
}

// Config is a whole racoon2.conf after includes, variables, default
// merging and checks. Treat it as read-only: remotes share the slices they
// take from the default section. A new Load gives a new Config (reload).
type Config struct {
	Interface Interface
	Resolver  Resolver
	// Vars is the setval table (first definition of each name).
	Vars map[string]string
	// VarOrder lists the setval names in file order.
	VarOrder []string
	Default  Defaults
	// DefaultRemote is default{remote} merged with the built-in defaults:
	// the configuration for an IKEv2 peer that matches no remote (nil when
	// there is no default remote).
	DefaultRemote *Remote
	Remotes       []*Remote
	Selectors     []*Selector
	Policies      []*Policy
	IPsecs        []*IPsec
	SAs           []*SA
	AddressPools  []*AddressPool
	// Files lists every file read, the main one first.
	Files []string

	// rawText maps an expanded value that contains "${" or "$[" (from
	// the environment) to its quoted text as written, for Dump.
	rawText map[string]string

	idx     *index // name lookups, built by Load
	peerIdx map[KMP]*peerIndex
}

// index maps names to the position in the Config's list of the first
// section of that name (racoon2's lookups return the first match).
// Positions rather than pointers let the checker keep per-section flags
// in plain slices.
type index struct {
	remotes   map[string]int32
	selectors map[string]int32
	policies  map[string]int32
	ipsecs    map[string]int32
	sas       map[string]int32
	pools     map[string]int32
}

// named is what every section type offers the index.
type named interface {
	*Remote | *Selector | *Policy | *IPsec | *SA | *AddressPool
}

func nameOf[T named](v T) (string, Pos) {
	switch v := any(v).(type) {
	case *Remote:
		return v.Name, v.Pos
	case *Selector:
		return v.Name, v.Pos
	case *Policy:
		return v.Name, v.Pos
	case *IPsec:
		return v.Name, v.Pos
	case *SA:
		return v.Name, v.Pos
	case *AddressPool:
		return v.Name, v.Pos
	}
	return "", Pos{}
}

// firstBy maps names to the position of the first element of that name;
// dup (if not nil) is told about every later one.
func firstBy[T named](l []T, kind string, dup func(kind, name string, first, again Pos)) map[string]int32 {
	m := make(map[string]int32, len(l))
	var dups map[string]int32 // first positions of the names seen again
	for i, v := range l {
		n, p := nameOf(v)
		// One map operation per name: a name seen before does not grow
		// the map, and its first position is then put back.
		before := len(m)
		m[n] = int32(i)
		if len(m) > before {
			continue
		}
		f, known := dups[n]
		if !known {
			f = int32(firstNamed(l[:i], n))
			if dups == nil {
				dups = map[string]int32{}
			}
			dups[n] = f
		}
		m[n] = f
		if dup != nil {
			_, fp := nameOf(l[f])
			dup(kind, n, fp, p)
		}
	}
	return m
}

// firstNamed is the position of the first element of l named n.
func firstNamed[T named](l []T, n string) int {
	for i, v := range l {
		if name, _ := nameOf(v); name == n {
			return i
		}
	}
	return -1
}

// reindex rebuilds the name lookups. dup, when not nil, is called for
// each section whose name was used before.
func (c *Config) reindex(dup func(kind, name string, first, again Pos)) {
	c.idx = &index{
		remotes:   firstBy(c.Remotes, "remote", dup),
		selectors: firstBy(c.Selectors, "selector", dup),
		policies:  firstBy(c.Policies, "policy", dup),
		ipsecs:    firstBy(c.IPsecs, "ipsec", dup),
		sas:       firstBy(c.SAs, "sa", dup),
		pools:     firstBy(c.AddressPools, "addresspool", dup),
	}
}

// dupRecord is one call reindex would make to its dup function.
type dupRecord struct {
	kind, name   string
	first, again Pos
}

// reindexSplit is reindex with the selector and sa lookups (the largest
// in a big configuration) built on another goroutine while before runs
// and the other lookups are built. before must not change section names.
// dup is called as reindex calls it, in the same order.
func (c *Config) reindexSplit(before func(), dup func(kind, name string, first, again Pos)) {
	var far, near []dupRecord
	x := &index{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		rec := func(kind, name string, first, again Pos) { far = append(far, dupRecord{kind, name, first, again}) }
		x.selectors = firstBy(c.Selectors, "selector", rec)
		x.sas = firstBy(c.SAs, "sa", rec)
	}()
	before()
	rec := func(kind, name string, first, again Pos) { near = append(near, dupRecord{kind, name, first, again}) }
	x.remotes = firstBy(c.Remotes, "remote", rec)
	x.policies = firstBy(c.Policies, "policy", rec)
	x.ipsecs = firstBy(c.IPsecs, "ipsec", rec)
	x.pools = firstBy(c.AddressPools, "addresspool", rec)
	<-done
	c.idx = x
	all := slices.Concat(near, far)
	for _, kind := range []string{"remote", "selector", "policy", "ipsec", "sa", "addresspool"} {
		for _, d := range all {
			if d.kind == kind {
				dup(d.kind, d.name, d.first, d.again)
			}
		}
	}
}

func (c *Config) index() *index {
	if c.idx == nil {
		c.reindex(nil)
	}
	return c.idx
}

// at returns l[i] for a position found in an index, nil when not found.
func at[T any](l []*T, m map[string]int32, name string) *T {
	if i, ok := m[name]; ok {
		return l[i]
	}
	return nil
}

// NATTraversal reports whether any remote (or the default remote) enables
// nat_traversal for IKEv1 or IKEv2, so iked must listen on port 4500 too.
func (c *Config) NATTraversal() bool {
	check := func(r *Remote) bool {
		if r == nil {
			return false
		}
		for _, k := range []*KMPConf{r.IKEv1, r.IKEv2} {
			if k != nil && k.NATTraversal.On() {
				return true
			}
		}
		return false
	}
	if check(c.DefaultRemote) {
		return true
	}
	for _, r := range c.Remotes {
		if check(r) {
			return true
		}
	}
	return false
}

// Remote returns the first remote with this name (racoon2's lookup).
func (c *Config) Remote(name string) *Remote {
	return at(c.Remotes, c.index().remotes, name)
}

// Selector returns the first selector with this name.
func (c *Config) Selector(name string) *Selector {
	return at(c.Selectors, c.index().selectors, name)
}

// Policy returns the first policy with this name.
func (c *Config) Policy(name string) *Policy {
	return at(c.Policies, c.index().policies, name)
}

// IPsec returns the first ipsec section with this name.
func (c *Config) IPsec(name string) *IPsec {
	return at(c.IPsecs, c.index().ipsecs, name)
}

// SA returns the first sa section with this name.
func (c *Config) SA(name string) *SA {
	return at(c.SAs, c.index().sas, name)
}

// AddressPool returns the first address pool with this name.
func (c *Config) AddressPool(name string) *AddressPool {
	return at(c.AddressPools, c.index().pools, name)
}
