package ikev2

import "strconv"

// ExchangeType is the Exchange Type field of the IKE header (RFC 7296 3.1).
type ExchangeType uint8

func (e ExchangeType) String() string {
	if s, ok := exchangeTypeNames[e]; ok {
		return s
	}
	return "EXCHANGE(" + strconv.Itoa(int(e)) + ")"
}

// NotifyType is the Notify Message Type of a Notify payload (RFC 7296 3.10.1).
// Values below 16384 are errors, the rest status.
type NotifyType uint16

func (n NotifyType) String() string {
	if s, ok := notifyTypeNames[n]; ok {
		return s
	}
	return "NOTIFY(" + strconv.Itoa(int(n)) + ")"
}

// IsError reports whether n is an error type (RFC 7296 3.10.1: 0-16383).
func (n NotifyType) IsError() bool { return n < 16384 }

// CfgAttrType is a Configuration Attribute type (RFC 7296 3.15.1).
type CfgAttrType uint16

func (c CfgAttrType) String() string {
	if s, ok := cfgAttrTypeNames[c]; ok {
		return s
	}
	return "CFG_ATTR(" + strconv.Itoa(int(c)) + ")"
}

// PayloadType is a Next Payload value (RFC 7296 3.2, IANA "IKEv2 Payload Types").
type PayloadType uint8

// Payload types.
const (
	PayloadNone    PayloadType = 0  // No Next Payload
	PayloadSA      PayloadType = 33 // Security Association
	PayloadKE      PayloadType = 34 // Key Exchange
	PayloadIDi     PayloadType = 35 // Identification - Initiator
	PayloadIDr     PayloadType = 36 // Identification - Responder
	PayloadCERT    PayloadType = 37 // Certificate
	PayloadCERTREQ PayloadType = 38 // Certificate Request
	PayloadAUTH    PayloadType = 39 // Authentication
	PayloadNonce   PayloadType = 40 // Nonce (Ni, Nr)
	PayloadN       PayloadType = 41 // Notify
	PayloadD       PayloadType = 42 // Delete
	PayloadV       PayloadType = 43 // Vendor ID
	PayloadTSi     PayloadType = 44 // Traffic Selector - Initiator
	PayloadTSr     PayloadType = 45 // Traffic Selector - Responder
	PayloadSK      PayloadType = 46 // Encrypted and Authenticated
	PayloadCP      PayloadType = 47 // Configuration
	PayloadEAP     PayloadType = 48 // Extensible Authentication
	PayloadGSPM    PayloadType = 49 // Generic Secure Password Method (RFC 6467)
	PayloadIDg     PayloadType = 50 // Group Identification (RFC 9838)
	PayloadGSA     PayloadType = 51 // Group Security Association (RFC 9838)
	PayloadKD      PayloadType = 52 // Key Download (RFC 9838)
	PayloadSKF     PayloadType = 53 // Encrypted and Authenticated Fragment (RFC 7383)
	PayloadPS      PayloadType = 54 // Puzzle Solution (RFC 8019)
)

var payloadTypeNames = map[PayloadType]string{
	PayloadNone: "NONE", PayloadSA: "SA", PayloadKE: "KE", PayloadIDi: "IDi", PayloadIDr: "IDr",
	PayloadCERT: "CERT", PayloadCERTREQ: "CERTREQ", PayloadAUTH: "AUTH", PayloadNonce: "Nonce",
	PayloadN: "N", PayloadD: "D", PayloadV: "V", PayloadTSi: "TSi", PayloadTSr: "TSr",
	PayloadSK: "SK", PayloadCP: "CP", PayloadEAP: "EAP", PayloadGSPM: "GSPM", PayloadIDg: "IDg",
	PayloadGSA: "GSA", PayloadKD: "KD", PayloadSKF: "SKF", PayloadPS: "PS",
}

func (p PayloadType) String() string {
	if s, ok := payloadTypeNames[p]; ok {
		return s
	}
	return "PAYLOAD(" + strconv.Itoa(int(p)) + ")"
}

// ProtocolID is a Security Protocol Identifier (RFC 7296 3.3.1, 3.10).
type ProtocolID uint8

// Security protocols.
const (
	ProtoNone ProtocolID = 0
	ProtoIKE  ProtocolID = 1
	ProtoAH   ProtocolID = 2
	ProtoESP  ProtocolID = 3
)

func (p ProtocolID) String() string {
	switch p {
	case ProtoNone:
		return "NONE"
	case ProtoIKE:
		return "IKE"
	case ProtoAH:
		return "AH"
	case ProtoESP:
		return "ESP"
	}
	return "PROTO(" + strconv.Itoa(int(p)) + ")"
}

// TransformType is the Transform Type of a transform substructure (RFC 7296 3.3.2).
type TransformType uint8

// Transform types.
const (
	TransformENCR  TransformType = 1 // Encryption Algorithm
	TransformPRF   TransformType = 2 // Pseudorandom Function
	TransformINTEG TransformType = 3 // Integrity Algorithm
	TransformKE    TransformType = 4 // Key Exchange Method (formerly Diffie-Hellman Group)
	TransformESN   TransformType = 5 // Sequence Numbers (Extended Sequence Numbers)
)

func (t TransformType) String() string {
	switch t {
	case TransformENCR:
		return "ENCR"
	case TransformPRF:
		return "PRF"
	case TransformINTEG:
		return "INTEG"
	case TransformKE:
		return "KE"
	case TransformESN:
		return "ESN"
	}
	if t >= 6 && t <= 12 {
		return "ADDKE" + strconv.Itoa(int(t)-5)
	}
	return "TRANSFORM(" + strconv.Itoa(int(t)) + ")"
}

// AttrKeyLength is the Key Length transform attribute, in bits (RFC 7296 3.3.5).
const AttrKeyLength uint16 = 14

// IDType is the ID Type of an Identification payload (RFC 7296 3.5).
type IDType uint8

// Identification types.
const (
	IDIPv4Addr   IDType = 1
	IDFQDN       IDType = 2
	IDRFC822Addr IDType = 3
	IDIPv6Addr   IDType = 5
	IDDERASN1DN  IDType = 9
	IDDERASN1GN  IDType = 10
	IDKeyID      IDType = 11
	IDFCName     IDType = 12 // RFC 4595
	IDNull       IDType = 13 // RFC 7619
)

var idTypeNames = map[IDType]string{
	IDIPv4Addr: "ID_IPV4_ADDR", IDFQDN: "ID_FQDN", IDRFC822Addr: "ID_RFC822_ADDR",
	IDIPv6Addr: "ID_IPV6_ADDR", IDDERASN1DN: "ID_DER_ASN1_DN", IDDERASN1GN: "ID_DER_ASN1_GN",
	IDKeyID: "ID_KEY_ID", IDFCName: "ID_FC_NAME", IDNull: "ID_NULL",
}

func (t IDType) String() string {
	if s, ok := idTypeNames[t]; ok {
		return s
	}
	return "ID(" + strconv.Itoa(int(t)) + ")"
}

// CertEncoding is the Cert Encoding of CERT and CERTREQ payloads (RFC 7296 3.6).
type CertEncoding uint8

// Certificate encodings.
const (
	CertPKCS7             CertEncoding = 1
	CertPGP               CertEncoding = 2
	CertDNSSignedKey      CertEncoding = 3
	CertX509Signature     CertEncoding = 4
	CertKerberos          CertEncoding = 6
	CertCRL               CertEncoding = 7
	CertARL               CertEncoding = 8
	CertSPKI              CertEncoding = 9
	CertX509Attribute     CertEncoding = 10
	CertRawRSAKey         CertEncoding = 11
	CertHashURLX509       CertEncoding = 12
	CertHashURLX509Bundle CertEncoding = 13
	CertOCSPContent       CertEncoding = 14 // RFC 4806
	CertRawPublicKey      CertEncoding = 15 // RFC 7670
)

func (c CertEncoding) String() string {
	switch c {
	case CertPKCS7:
		return "PKCS7"
	case CertPGP:
		return "PGP"
	case CertDNSSignedKey:
		return "DNS_SIGNED_KEY"
	case CertX509Signature:
		return "X509_SIGNATURE"
	case CertKerberos:
		return "KERBEROS"
	case CertCRL:
		return "CRL"
	case CertARL:
		return "ARL"
	case CertSPKI:
		return "SPKI"
	case CertX509Attribute:
		return "X509_ATTRIBUTE"
	case CertRawRSAKey:
		return "RAW_RSA_KEY"
	case CertHashURLX509:
		return "HASH_URL_X509"
	case CertHashURLX509Bundle:
		return "HASH_URL_X509_BUNDLE"
	case CertOCSPContent:
		return "OCSP_CONTENT"
	case CertRawPublicKey:
		return "RAW_PUBLIC_KEY"
	}
	return "CERT(" + strconv.Itoa(int(c)) + ")"
}

// AuthMethod is the Auth Method of an AUTH payload (RFC 7296 3.8, RFC 7427).
type AuthMethod uint8

// Authentication methods.
const (
	AuthRSASignature     AuthMethod = 1
	AuthSharedKeyMIC     AuthMethod = 2
	AuthDSSSignature     AuthMethod = 3
	AuthECDSASHA256P256  AuthMethod = 9  // RFC 4754
	AuthECDSASHA384P384  AuthMethod = 10 // RFC 4754
	AuthECDSASHA512P521  AuthMethod = 11 // RFC 4754
	AuthGSPM             AuthMethod = 12 // RFC 6467
	AuthNull             AuthMethod = 13 // RFC 7619
	AuthDigitalSignature AuthMethod = 14 // RFC 7427
)

func (a AuthMethod) String() string {
	switch a {
	case AuthRSASignature:
		return "RSA_SIG"
	case AuthSharedKeyMIC:
		return "SHARED_KEY_MIC"
	case AuthDSSSignature:
		return "DSS_SIG"
	case AuthECDSASHA256P256:
		return "ECDSA_SHA256_P256"
	case AuthECDSASHA384P384:
		return "ECDSA_SHA384_P384"
	case AuthECDSASHA512P521:
		return "ECDSA_SHA512_P521"
	case AuthGSPM:
		return "GSPM"
	case AuthNull:
		return "NULL"
	case AuthDigitalSignature:
		return "DIGITAL_SIGNATURE"
	}
	return "AUTH(" + strconv.Itoa(int(a)) + ")"
}

// TSType is a Traffic Selector type (RFC 7296 3.13.1).
type TSType uint8

// Traffic selector types.
const (
	TSIPv4AddrRange TSType = 7
	TSIPv6AddrRange TSType = 8
	TSFCAddrRange   TSType = 9  // RFC 4595
	TSSecLabel      TSType = 10 // RFC 9478
)

func (t TSType) String() string {
	switch t {
	case TSIPv4AddrRange:
		return "TS_IPV4_ADDR_RANGE"
	case TSIPv6AddrRange:
		return "TS_IPV6_ADDR_RANGE"
	case TSFCAddrRange:
		return "TS_FC_ADDR_RANGE"
	case TSSecLabel:
		return "TS_SECLABEL"
	}
	return "TS(" + strconv.Itoa(int(t)) + ")"
}

// CfgType is the CFG Type of a Configuration payload (RFC 7296 3.15).
type CfgType uint8

// Configuration payload types.
const (
	CfgRequest CfgType = 1
	CfgReply   CfgType = 2
	CfgSet     CfgType = 3
	CfgAck     CfgType = 4
)

func (c CfgType) String() string {
	switch c {
	case CfgRequest:
		return "CFG_REQUEST"
	case CfgReply:
		return "CFG_REPLY"
	case CfgSet:
		return "CFG_SET"
	case CfgAck:
		return "CFG_ACK"
	}
	return "CFG(" + strconv.Itoa(int(c)) + ")"
}

func itoa(v int) string { return strconv.Itoa(v) }
