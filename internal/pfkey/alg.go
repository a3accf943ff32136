package pfkey

import "github.com/racoon2go/iked/internal/ike"

// IKEv2 transform IDs (RFC 7296 section 3.3.2 and the IANA registry) that
// PF_KEY has numbers for.
const (
	encrDES          = 2
	encr3DES         = 3
	encrCAST         = 6
	encrBlowfish     = 7
	encrNull         = 11
	encrAESCBC       = 12
	encrAESCTR       = 13
	encrAESCCM8      = 14
	encrAESCCM12     = 15
	encrAESCCM16     = 16
	encrAESGCM8      = 18
	encrAESGCM12     = 19
	encrAESGCM16     = 20
	encrNullAESGMAC  = 21
	encrCamelliaCBC  = 23
	encrChaCha20Poly = 28

	integMD5        = 1
	integSHA1       = 2
	integAESXCBC    = 5
	integSHA256_128 = 12
	integSHA384_192 = 13
	integSHA512_256 = 14
)

// encrMap and integMap give the PF_KEY number of an IKEv2 transform. The
// numbers are the same on Linux, FreeBSD and NetBSD wherever a system
// defines them (see const.go); what a kernel lacks, its REGISTER reply does
// not list, and addSupported leaves out.
var encrMap = map[uint16]uint8{
	encrDES: EAlgDESCBC, encr3DES: EAlg3DESCBC, encrCAST: EAlgCASTCBC,
	encrBlowfish: EAlgBlowfish, encrNull: EAlgNull, encrAESCBC: EAlgAESCBC,
	encrAESCTR: EAlgAESCTR, encrAESCCM8: EAlgAESCCM8, encrAESCCM12: EAlgAESCCM12,
	encrAESCCM16: EAlgAESCCM16, encrAESGCM8: EAlgAESGCM8, encrAESGCM12: EAlgAESGCM12,
	encrAESGCM16: EAlgAESGCM16, encrNullAESGMAC: EAlgNullGMAC, encrCamelliaCBC: EAlgCamellia,
}

var integMap = map[uint16]uint8{
	integMD5: AAlgMD5HMAC, integSHA1: AAlgSHA1HMAC, integAESXCBC: AAlgAESXCBC,
	integSHA256_128: AAlgSHA256HMAC, integSHA384_192: AAlgSHA384HMAC,
	integSHA512_256: AAlgSHA512HMAC,
}

// IPComp transform IDs (RFC 7296 IPCOMP_*) and SADB_X_CALG_* agree.
var compMap = map[uint16]uint8{1: CAlgOUI, 2: CAlgDeflate, 3: CAlgLZS, 4: CAlgLZJH}

// EncrAlg returns the PF_KEY number of an IKEv2 ENCR transform.
func EncrAlg(id uint16) (uint8, bool) { v, ok := encrMap[id]; return v, ok }

// IntegAlg returns the PF_KEY number of an IKEv2 INTEG transform.
func IntegAlg(id uint16) (uint8, bool) { v, ok := integMap[id]; return v, ok }

// CompAlg returns the PF_KEY number of an IKEv2 IPCOMP transform.
func CompAlg(id uint16) (uint8, bool) { v, ok := compMap[id]; return v, ok }

func reverse(m map[uint16]uint8) map[uint8]uint16 {
	r := make(map[uint8]uint16, len(m))
	for k, v := range m {
		r[v] = k
	}
	return r
}

var (
	encrBack  = reverse(encrMap)
	integBack = reverse(integMap)
	compBack  = reverse(compMap)
)

// addSupported records the algorithms of a REGISTER reply in a, keyed by
// IKEv2 ID. PF_KEY algorithms with no IKEv2 number (serpent, twofish,
// RIPEMD-160) are left out: no IKEv2 proposal can name them.
func addSupported(a *ike.Algorithms, st SAType, m *Msg) {
	for _, x := range m.SupportedAuth {
		if id, ok := integBack[x.ID]; ok {
			a.Integ[id] = true
		}
	}
	for _, x := range m.SupportedEncrypt {
		back := encrBack
		if st == SATypeIPComp {
			back = compBack
		}
		if id, ok := back[x.ID]; ok {
			if st == SATypeIPComp {
				a.Comp[id] = true
			} else {
				a.Encr[id] = true
			}
		}
	}
}

// SATypeOf returns the PF_KEY SA type of an IPsec protocol.
func SATypeOf(p ike.Proto) (SAType, bool) {
	switch p {
	case ike.ProtoESP:
		return SATypeESP, true
	case ike.ProtoAH:
		return SATypeAH, true
	case ike.ProtoIPComp:
		return SATypeIPComp, true
	case 0:
		return SATypeUnspec, true
	}
	return 0, false
}

// ProtoOf returns the IPsec protocol of a PF_KEY SA type.
func ProtoOf(t SAType) ike.Proto {
	switch t {
	case SATypeESP:
		return ike.ProtoESP
	case SATypeAH:
		return ike.ProtoAH
	case SATypeIPComp:
		return ike.ProtoIPComp
	}
	return 0
}

func modeOf(m ike.Mode) uint8 {
	switch m {
	case ike.ModeTransport:
		return ModeTransport
	case ike.ModeTunnel:
		return ModeTunnel
	}
	return ModeAny
}

func ikeMode(m uint8) ike.Mode {
	switch m {
	case ModeTransport:
		return ike.ModeTransport
	case ModeTunnel:
		return ike.ModeTunnel
	}
	return ike.ModeAny
}
