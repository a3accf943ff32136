package crypto

import "strconv"

// TransformType is the IKEv2 transform type (RFC 7296 3.3.2).
type TransformType uint8

// Transform types (IANA "Transform Type Values").
const (
	TransformEncr  TransformType = 1 // ENCR
	TransformPRF   TransformType = 2 // PRF
	TransformInteg TransformType = 3 // INTEG
	TransformDH    TransformType = 4 // D-H (Key Exchange Method)
	TransformESN   TransformType = 5 // Extended Sequence Numbers
)

func (t TransformType) String() string {
	switch t {
	case TransformEncr:
		return "ENCR"
	case TransformPRF:
		return "PRF"
	case TransformInteg:
		return "INTEG"
	case TransformDH:
		return "DH"
	case TransformESN:
		return "ESN"
	}
	return "TransformType(" + strconv.Itoa(int(t)) + ")"
}

// EncrID is a Transform Type 1 ID (IANA "Encryption Algorithm Transform IDs").
type EncrID uint16

// Encryption algorithm transform IDs.
const (
	EncrDES3             EncrID = 3  // ENCR_3DES
	EncrNULL             EncrID = 11 // ENCR_NULL (ESP only)
	EncrAESCBC           EncrID = 12 // ENCR_AES_CBC
	EncrAESCTR           EncrID = 13 // ENCR_AES_CTR (RFC 5930 for IKEv2)
	EncrAESGCM8          EncrID = 18 // ENCR_AES_GCM_8
	EncrAESGCM12         EncrID = 19 // ENCR_AES_GCM_12
	EncrAESGCM16         EncrID = 20 // ENCR_AES_GCM_16
	EncrNullAuthAESGMAC  EncrID = 21 // ENCR_NULL_AUTH_AES_GMAC (ESP only, not implemented here)
	EncrChaCha20Poly1305 EncrID = 28 // ENCR_CHACHA20_POLY1305
)

var encrNames = map[EncrID]string{
	1: "ENCR_DES_IV64", 2: "ENCR_DES", 3: "ENCR_3DES", 4: "ENCR_RC5", 5: "ENCR_IDEA",
	6: "ENCR_CAST", 7: "ENCR_BLOWFISH", 8: "ENCR_3IDEA", 9: "ENCR_DES_IV32",
	11: "ENCR_NULL", 12: "ENCR_AES_CBC", 13: "ENCR_AES_CTR", 14: "ENCR_AES_CCM_8",
	15: "ENCR_AES_CCM_12", 16: "ENCR_AES_CCM_16", 18: "ENCR_AES_GCM_8",
	19: "ENCR_AES_GCM_12", 20: "ENCR_AES_GCM_16", 21: "ENCR_NULL_AUTH_AES_GMAC",
	23: "ENCR_CAMELLIA_CBC", 24: "ENCR_CAMELLIA_CTR", 25: "ENCR_CAMELLIA_CCM_8",
	26: "ENCR_CAMELLIA_CCM_12", 27: "ENCR_CAMELLIA_CCM_16",
	28: "ENCR_CHACHA20_POLY1305", 29: "ENCR_AES_CCM_8_IIV", 30: "ENCR_AES_GCM_16_IIV",
	31: "ENCR_CHACHA20_POLY1305_IIV",
}

func (id EncrID) String() string { return name(encrNames, id, "ENCR") }

// PRFID is a Transform Type 2 ID (IANA "Pseudorandom Function Transform IDs").
type PRFID uint16

// Pseudorandom function transform IDs.
const (
	PRFHMACMD5      PRFID = 1 // PRF_HMAC_MD5 (RFC 2104)
	PRFHMACSHA1     PRFID = 2 // PRF_HMAC_SHA1 (RFC 2104)
	PRFAES128XCBC   PRFID = 4 // PRF_AES128_XCBC (RFC 4434)
	PRFHMACSHA2_256 PRFID = 5 // PRF_HMAC_SHA2_256 (RFC 4868)
	PRFHMACSHA2_384 PRFID = 6 // PRF_HMAC_SHA2_384 (RFC 4868)
	PRFHMACSHA2_512 PRFID = 7 // PRF_HMAC_SHA2_512 (RFC 4868)
	PRFAES128CMAC   PRFID = 8 // PRF_AES128_CMAC (RFC 4615)
)

var prfNames = map[PRFID]string{
	1: "PRF_HMAC_MD5", 2: "PRF_HMAC_SHA1", 3: "PRF_HMAC_TIGER", 4: "PRF_AES128_XCBC",
	5: "PRF_HMAC_SHA2_256", 6: "PRF_HMAC_SHA2_384", 7: "PRF_HMAC_SHA2_512",
	8: "PRF_AES128_CMAC", 9: "PRF_HMAC_STREEBOG_512",
}

func (id PRFID) String() string { return name(prfNames, id, "PRF") }

// IntegID is a Transform Type 3 ID (IANA "Integrity Algorithm Transform IDs").
type IntegID uint16

// Integrity algorithm transform IDs.
const (
	IntegNone             IntegID = 0  // NONE (with AEAD)
	IntegHMACMD5_96       IntegID = 1  // AUTH_HMAC_MD5_96 (RFC 2403)
	IntegHMACSHA1_96      IntegID = 2  // AUTH_HMAC_SHA1_96 (RFC 2404)
	IntegAESXCBC_96       IntegID = 5  // AUTH_AES_XCBC_96 (RFC 3566)
	IntegAESCMAC_96       IntegID = 8  // AUTH_AES_CMAC_96 (RFC 4494)
	IntegHMACSHA2_256_128 IntegID = 12 // AUTH_HMAC_SHA2_256_128 (RFC 4868)
	IntegHMACSHA2_384_192 IntegID = 13 // AUTH_HMAC_SHA2_384_192 (RFC 4868)
	IntegHMACSHA2_512_256 IntegID = 14 // AUTH_HMAC_SHA2_512_256 (RFC 4868)
)

var integNames = map[IntegID]string{
	0: "NONE", 1: "AUTH_HMAC_MD5_96", 2: "AUTH_HMAC_SHA1_96", 3: "AUTH_DES_MAC",
	4: "AUTH_KPDK_MD5", 5: "AUTH_AES_XCBC_96", 6: "AUTH_HMAC_MD5_128",
	7: "AUTH_HMAC_SHA1_160", 8: "AUTH_AES_CMAC_96", 9: "AUTH_AES_128_GMAC",
	10: "AUTH_AES_192_GMAC", 11: "AUTH_AES_256_GMAC", 12: "AUTH_HMAC_SHA2_256_128",
	13: "AUTH_HMAC_SHA2_384_192", 14: "AUTH_HMAC_SHA2_512_256",
}

func (id IntegID) String() string { return name(integNames, id, "INTEG") }

// DHID is a Transform Type 4 ID (IANA "Key Exchange Method Transform IDs",
// formerly "Diffie-Hellman Group Transform IDs").
type DHID uint16

// Diffie-Hellman group transform IDs.
const (
	DHNone       DHID = 0
	DHMODP768    DHID = 1  // RFC 2409 6.1 (Oakley group 1)
	DHMODP1024   DHID = 2  // RFC 2409 6.2 (Oakley group 2)
	DHMODP1536   DHID = 5  // RFC 3526 2
	DHMODP2048   DHID = 14 // RFC 3526 3
	DHMODP3072   DHID = 15 // RFC 3526 4
	DHMODP4096   DHID = 16 // RFC 3526 5
	DHMODP6144   DHID = 17 // RFC 3526 6
	DHMODP8192   DHID = 18 // RFC 3526 7
	DHECP256     DHID = 19 // RFC 5903 3.1
	DHECP384     DHID = 20 // RFC 5903 3.2
	DHECP521     DHID = 21 // RFC 5903 3.3
	DHCurve25519 DHID = 31 // RFC 8031
)

var dhNames = map[DHID]string{
	0: "NONE", 1: "MODP_768", 2: "MODP_1024", 5: "MODP_1536", 14: "MODP_2048",
	15: "MODP_3072", 16: "MODP_4096", 17: "MODP_6144", 18: "MODP_8192",
	19: "ECP_256", 20: "ECP_384", 21: "ECP_521", 22: "MODP_1024_160",
	23: "MODP_2048_224", 24: "MODP_2048_256", 25: "ECP_192", 26: "ECP_224",
	27: "BRAINPOOL_P224R1", 28: "BRAINPOOL_P256R1", 29: "BRAINPOOL_P384R1",
	30: "BRAINPOOL_P512R1", 31: "CURVE25519", 32: "CURVE448",
	35: "ML_KEM_512", 36: "ML_KEM_768", 37: "ML_KEM_1024",
}

func (id DHID) String() string { return name(dhNames, id, "DH") }

// AuthMethod is the IKEv2 Auth Method of the AUTH payload (RFC 7296 3.8;
// IANA "IKEv2 Authentication Method").
type AuthMethod uint8

// Authentication methods.
const (
	AuthRSASig           AuthMethod = 1  // RSA Digital Signature (PKCS#1 v1.5, SHA-1)
	AuthSharedKey        AuthMethod = 2  // Shared Key Message Integrity Code
	AuthDSS              AuthMethod = 3  // DSS Digital Signature (SHA-1)
	AuthECDSA256         AuthMethod = 9  // ECDSA with SHA-256 on P-256 (RFC 4754)
	AuthECDSA384         AuthMethod = 10 // ECDSA with SHA-384 on P-384 (RFC 4754)
	AuthECDSA521         AuthMethod = 11 // ECDSA with SHA-512 on P-521 (RFC 4754)
	AuthNULL             AuthMethod = 13 // NULL Authentication (RFC 7619)
	AuthDigitalSignature AuthMethod = 14 // Digital Signature (RFC 7427)
)

var authNames = map[AuthMethod]string{
	1: "RSA_SIG", 2: "SHARED_KEY_MIC", 3: "DSS_SIG", 9: "ECDSA_SHA256_P256",
	10: "ECDSA_SHA384_P384", 11: "ECDSA_SHA512_P521", 12: "GSPAM", 13: "NULL_AUTH",
	14: "DIGITAL_SIGNATURE",
}

func (m AuthMethod) String() string { return name(authNames, m, "AUTH") }

// HashAlgorithm is a SIGNATURE_HASH_ALGORITHMS value (RFC 7427 4;
// IANA "IKEv2 Hash Algorithms").
type HashAlgorithm uint16

// Hash algorithms.
const (
	HashSHA1     HashAlgorithm = 1
	HashSHA2_256 HashAlgorithm = 2
	HashSHA2_384 HashAlgorithm = 3
	HashSHA2_512 HashAlgorithm = 4
	HashIdentity HashAlgorithm = 5 // RFC 8420, for Ed25519
)

var hashNames = map[HashAlgorithm]string{
	1: "SHA1", 2: "SHA2_256", 3: "SHA2_384", 4: "SHA2_512", 5: "IDENTITY",
	6: "STREEBOG_256", 7: "STREEBOG_512",
}

func (h HashAlgorithm) String() string { return name(hashNames, h, "HASH") }

func name[K ~uint8 | ~uint16](m map[K]string, k K, prefix string) string {
	if s, ok := m[k]; ok {
		return s
	}
	return prefix + "(" + strconv.Itoa(int(k)) + ")"
}
