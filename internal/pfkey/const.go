package pfkey

// Version is PF_KEY_V2, the only version RFC 2367 defines.
const Version = 2

// MsgType is sadb_msg_type.
type MsgType uint8

// Message types (RFC 2367 section 2.3, Linux/KAME SADB_X_*).
const (
	GetSPI          MsgType = 1
	Update          MsgType = 2
	Add             MsgType = 3
	Delete          MsgType = 4
	Get             MsgType = 5
	Acquire         MsgType = 6
	Register        MsgType = 7
	Expire          MsgType = 8
	Flush           MsgType = 9
	Dump            MsgType = 10
	XPromisc        MsgType = 11
	XPChange        MsgType = 12
	XSPDUpdate      MsgType = 13
	XSPDAdd         MsgType = 14
	XSPDDelete      MsgType = 15
	XSPDGet         MsgType = 16
	XSPDAcquire     MsgType = 17
	XSPDDump        MsgType = 18
	XSPDFlush       MsgType = 19
	XSPDSetIdx      MsgType = 20
	XSPDExpire      MsgType = 21
	XSPDDelete2     MsgType = 22
	XNATTNewMapping MsgType = 23
	XMigrate        MsgType = 24
)

var msgNames = [...]string{"RESERVED", "GETSPI", "UPDATE", "ADD", "DELETE", "GET",
	"ACQUIRE", "REGISTER", "EXPIRE", "FLUSH", "DUMP", "X_PROMISC", "X_PCHANGE",
	"X_SPDUPDATE", "X_SPDADD", "X_SPDDELETE", "X_SPDGET", "X_SPDACQUIRE",
	"X_SPDDUMP", "X_SPDFLUSH", "X_SPDSETIDX", "X_SPDEXPIRE", "X_SPDDELETE2",
	"X_NAT_T_NEW_MAPPING", "X_MIGRATE"}

func (t MsgType) String() string {
	if int(t) < len(msgNames) {
		return "SADB_" + msgNames[t]
	}
	return "SADB_" + utoa(uint64(t))
}

// SAType is sadb_msg_satype.
type SAType uint8

// SA types (RFC 2367 section 2.3.3, KAME SADB_X_SATYPE_IPCOMP).
const (
	SATypeUnspec SAType = 0
	SATypeAH     SAType = 2
	SATypeESP    SAType = 3
	SATypeRSVP   SAType = 5
	SATypeOSPFv2 SAType = 6
	SATypeRIPv2  SAType = 7
	SATypeMIP    SAType = 8
	SATypeIPComp SAType = 9
)

// ExtType is sadb_ext_type.
type ExtType uint16

// Extension types (RFC 2367 section 2.3, Linux/KAME SADB_X_EXT_*). 1 to 23
// agree on Linux, FreeBSD and NetBSD (23 is Linux's NAT_T_OA and KAME's
// NAT_T_OAI, "compat" for NAT_T_OA); 24 and up differ, and the codec reads
// them by the native layout.
const (
	ExtSA              ExtType = 1
	ExtLifetimeCurrent ExtType = 2
	ExtLifetimeHard    ExtType = 3
	ExtLifetimeSoft    ExtType = 4
	ExtAddressSrc      ExtType = 5
	ExtAddressDst      ExtType = 6
	ExtAddressProxy    ExtType = 7
	ExtKeyAuth         ExtType = 8
	ExtKeyEncrypt      ExtType = 9
	ExtIdentitySrc     ExtType = 10
	ExtIdentityDst     ExtType = 11
	ExtSensitivity     ExtType = 12
	ExtProposal        ExtType = 13
	ExtSupportedAuth   ExtType = 14
	ExtSupportedEncr   ExtType = 15
	ExtSPIRange        ExtType = 16
	ExtXKMPrivate      ExtType = 17
	ExtXPolicy         ExtType = 18
	ExtXSA2            ExtType = 19
	ExtXNATTType       ExtType = 20
	ExtXNATTSPort      ExtType = 21
	ExtXNATTDPort      ExtType = 22
	ExtXNATTOA         ExtType = 23
	ExtXSecCtx         ExtType = 24 // Linux; NetBSD/FreeBSD: NAT_T_OAR
	ExtXKMAddress      ExtType = 25 // Linux; NetBSD/FreeBSD: NAT_T_FRAG
	ExtXFilter         ExtType = 26 // Linux; FreeBSD: SA_REPLAY
	extMax             ExtType = 31

	ExtXNATTOAR  ExtType = 24 // FreeBSD, NetBSD: SADB_X_EXT_NAT_T_OAR
	ExtXNATTFrag ExtType = 25 // FreeBSD, NetBSD: SADB_X_EXT_NAT_T_FRAG
	ExtXSAReplay ExtType = 26 // FreeBSD: SADB_X_EXT_SA_REPLAY
)

// SA states (RFC 2367 section 2.3.1).
const (
	StateLarval = 0
	StateMature = 1
	StateDying  = 2
	StateDead   = 3
)

// PF_KEY authentication algorithm numbers (SADB_AALG_*, SADB_X_AALG_*).
// FreeBSD and NetBSD sys/net/pfkeyv2.h use the same numbers for these
// (their SADB_X_AALG_SHA2_256 is 5, AES_XCBC_MAC 9, NULL 251); their 11-13
// are the GMAC halves of AES-GCM, which the kernel sets itself.
const (
	AAlgNone       = 0
	AAlgMD5HMAC    = 2
	AAlgSHA1HMAC   = 3
	AAlgSHA256HMAC = 5
	AAlgSHA384HMAC = 6
	AAlgSHA512HMAC = 7
	AAlgRIPEMD160  = 8
	AAlgAESXCBC    = 9
	AAlgNull       = 251
)

// PF_KEY encryption algorithm numbers (SADB_EALG_*, SADB_X_EALG_*).
// FreeBSD (11 and later) and NetBSD define the same numbers for CAST,
// Blowfish, NULL, AES-CBC (RIJNDAELCBC 12), AES-CTR 13, AES-GCM 18-20,
// Camellia 22 and AES-GMAC 23; they have no CCM (14-16), serpent or
// twofish, and FreeBSD 10 and older numbered AES-CTR 250 (NetBSD's 250 is
// SKIPJACK). REGISTER tells what a kernel has: a number not listed there
// is never offered.
const (
	EAlgNone       = 0
	EAlgDESCBC     = 2
	EAlg3DESCBC    = 3
	EAlgCASTCBC    = 6
	EAlgBlowfish   = 7
	EAlgNull       = 11
	EAlgAESCBC     = 12
	EAlgAESCTR     = 13
	EAlgAESCCM8    = 14
	EAlgAESCCM12   = 15
	EAlgAESCCM16   = 16
	EAlgAESGCM8    = 18
	EAlgAESGCM12   = 19
	EAlgAESGCM16   = 20
	EAlgCamellia   = 22
	EAlgNullGMAC   = 23
	EAlgSerpentCBC = 252
	EAlgTwofishCBC = 253
)

// PF_KEY compression algorithm numbers (SADB_X_CALG_*).
const (
	CAlgNone    = 0
	CAlgOUI     = 1
	CAlgDeflate = 2
	CAlgLZS     = 3
	CAlgLZJH    = 4
)

// IPsec modes of SA2 and ipsecrequests (IPSEC_MODE_*).
const (
	ModeAny       = 0
	ModeTransport = 1
	ModeTunnel    = 2
)

// Policy types (IPSEC_POLICY_*).
const (
	PolicyDiscard = 0
	PolicyNone    = 1
	PolicyIPsec   = 2
	PolicyEntrust = 3
	PolicyBypass  = 4
)

// Policy directions (IPSEC_DIR_*); DirFwd is Linux only.
const (
	DirAny      = 0
	DirInbound  = 1
	DirOutbound = 2
	DirFwd      = 3
)

// Levels of an ipsecrequest (IPSEC_LEVEL_*).
const (
	LevelDefault = 0
	LevelUse     = 1
	LevelRequire = 2
	LevelUnique  = 3
)

// ProtoAny is IPSEC_PROTO_ANY / IPSEC_ULPROTO_ANY, the "any upper-layer
// protocol" value of sadb_address_proto.
const ProtoAny = 255

// NATTEspInUDP is UDP_ENCAP_ESPINUDP, the NAT-T type of RFC 3948.
const NATTEspInUDP = 2

func utoa(v uint64) string {
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
