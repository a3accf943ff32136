package conf

import "strconv"

// AlgClass says what an algorithm keyword names.
type AlgClass uint8

const (
	ClassEncryption  AlgClass = iota + 1 // ciphers and AEADs (kmp_enc_alg, esp_enc_alg)
	ClassIntegrity                       // MACs (IKEv2 kmp_hash_alg, kmp_prf_alg, esp/ah_auth_alg)
	ClassHash                            // hashes (IKEv1 kmp_hash_alg)
	ClassCompression                     // ipcomp_alg
	ClassDHGroup                         // kmp_dh_group
	ClassAuthMethod                      // kmp_auth_method
)

var classNames = [...]string{"", "encryption", "integrity", "hash", "compression", "DH group", "authentication method"}

func (c AlgClass) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "class" + strconv.Itoa(int(c))
}

// IKEv2 transform types (RFC 7296 section 3.3.2).
const (
	TransformENCR  = 1
	TransformPRF   = 2
	TransformINTEG = 3
	TransformDH    = 4
)

// AlgInfo describes one algorithm keyword: its class and the IANA numbers
// the engines use. The crypto package is keyed by these numbers only.
type AlgInfo struct {
	Name  string
	Class AlgClass
	// Encr is the IKEv2 ENCR transform ID (the same number is the ESP
	// transform ID); 0 when the keyword is not a cipher IKEv2 knows.
	Encr uint16
	// KeyLen is the fixed key length in bits; 0 when the keyword takes its
	// length from the ",keylen" field (aes_ctr, rijndael_cbc, aes_gcm_16, ...)
	// or has none.
	KeyLen int
	// NeedKeyLen: the ",keylen" field is required (aes_ctr and the
	// variable-length AEADs).
	NeedKeyLen bool
	// AEAD is set for combined-mode ciphers; ICV is then the tag in bytes.
	AEAD bool
	ICV  int
	PRF  uint16 // IKEv2 PRF transform ID (RFC 7296 3.3.2, RFC 4868)
	// Integ is the IKEv2 INTEG transform ID, also the ESP/AH authentication
	// algorithm number of the IKEv2 registry.
	Integ uint16
	// Group is the Diffie-Hellman group number (IKEv1 and IKEv2 share it).
	Group uint16
	// AuthMethod is the IKEv2 AUTH method (RFC 7296 3.8): 1 RSA, 2 PSK, 3 DSS.
	AuthMethod uint8
	// V1 is the IKEv1 phase 1 attribute value for this class (RFC 2409
	// appendix A: encryption, hash, authentication method, group); 0: none.
	V1 uint16
	// IPComp is the IPCOMP transform ID (RFC 2393).
	IPComp uint16
	// Extension marks keywords racoon2 never had.
	Extension bool
}

// algorithms is racoon2's keyword table (cfparse.y algorithm_type) with the
// IANA numbers, followed by our extensions.
var algorithms = []AlgInfo{
	// encryption
	{Name: "des_cbc_iv64", Class: ClassEncryption, Encr: 1, KeyLen: 64},
	{Name: "des_cbc", Class: ClassEncryption, Encr: 2, KeyLen: 64, V1: 1},
	{Name: "3des_cbc", Class: ClassEncryption, Encr: 3, KeyLen: 192, V1: 5},
	{Name: "rc5_cbc", Class: ClassEncryption, Encr: 4, V1: 4},
	{Name: "idea_cbc", Class: ClassEncryption, Encr: 5, KeyLen: 128, V1: 2},
	{Name: "cast128_cbc", Class: ClassEncryption, Encr: 6, V1: 6},
	{Name: "blowfish_cbc", Class: ClassEncryption, Encr: 7, V1: 3},
	{Name: "3idea_cbc", Class: ClassEncryption, Encr: 8},
	{Name: "des_cbc_iv32", Class: ClassEncryption, Encr: 9, KeyLen: 64},
	{Name: "rc4_cbc", Class: ClassEncryption, Encr: 10},
	{Name: "null_enc", Class: ClassEncryption, Encr: 11},
	{Name: "rijndael_cbc", Class: ClassEncryption, Encr: 12, V1: 7},
	{Name: "aes128_cbc", Class: ClassEncryption, Encr: 12, KeyLen: 128, V1: 7},
	{Name: "aes192_cbc", Class: ClassEncryption, Encr: 12, KeyLen: 192, V1: 7},
	{Name: "aes256_cbc", Class: ClassEncryption, Encr: 12, KeyLen: 256, V1: 7},
	{Name: "aes_ctr", Class: ClassEncryption, Encr: 13, NeedKeyLen: true},
	{Name: "twofish_cbc", Class: ClassEncryption},
	// authentication (MACs); PRF IDs where IKEv2 has the PRF
	{Name: "non_auth", Class: ClassIntegrity},
	{Name: "hmac_md5", Class: ClassIntegrity, Integ: 1, PRF: 1},
	{Name: "hmac_sha1", Class: ClassIntegrity, Integ: 2, PRF: 2},
	{Name: "hmac_sha2_256", Class: ClassIntegrity, Integ: 12, PRF: 5},
	{Name: "hmac_sha2_384", Class: ClassIntegrity, Integ: 13, PRF: 6},
	{Name: "hmac_sha2_512", Class: ClassIntegrity, Integ: 14, PRF: 7},
	{Name: "aes_xcbc", Class: ClassIntegrity, Integ: 5, PRF: 4},
	{Name: "des_mac", Class: ClassIntegrity, Integ: 3},
	{Name: "aes_cmac", Class: ClassIntegrity, Integ: 8, PRF: 8},
	{Name: "kpdk_md5", Class: ClassIntegrity, Integ: 4},
	// hashes (IKEv1)
	{Name: "md5", Class: ClassHash, V1: 1},
	{Name: "sha1", Class: ClassHash, V1: 2},
	{Name: "tiger", Class: ClassHash, V1: 3},
	{Name: "sha2_256", Class: ClassHash, V1: 4},
	{Name: "sha2_384", Class: ClassHash, V1: 5},
	{Name: "sha2_512", Class: ClassHash, V1: 6},
	// compression
	{Name: "oui", Class: ClassCompression, IPComp: 1},
	{Name: "deflate", Class: ClassCompression, IPComp: 2},
	{Name: "lzs", Class: ClassCompression, IPComp: 3},
	// Diffie-Hellman groups
	{Name: "modp768", Class: ClassDHGroup, Group: 1, V1: 1},
	{Name: "modp1024", Class: ClassDHGroup, Group: 2, V1: 2},
	{Name: "ec2n155", Class: ClassDHGroup, Group: 3, V1: 3},
	{Name: "ec2n185", Class: ClassDHGroup, Group: 4, V1: 4},
	{Name: "modp1536", Class: ClassDHGroup, Group: 5, V1: 5},
	{Name: "modp2048", Class: ClassDHGroup, Group: 14, V1: 14},
	{Name: "modp3072", Class: ClassDHGroup, Group: 15, V1: 15},
	{Name: "modp4096", Class: ClassDHGroup, Group: 16, V1: 16},
	{Name: "modp6144", Class: ClassDHGroup, Group: 17, V1: 17},
	{Name: "modp8192", Class: ClassDHGroup, Group: 18, V1: 18},
	// authentication methods
	{Name: "psk", Class: ClassAuthMethod, AuthMethod: 2, V1: 1},
	{Name: "dss", Class: ClassAuthMethod, AuthMethod: 3, V1: 2},
	{Name: "rsasig", Class: ClassAuthMethod, AuthMethod: 1, V1: 3},
	{Name: "rsaenc", Class: ClassAuthMethod, V1: 4},
	{Name: "rsarev", Class: ClassAuthMethod, V1: 5},
	{Name: "gssapi_krb", Class: ClassAuthMethod, V1: 65001},

	// Extensions (not in racoon2): AEADs (RFC 4106, RFC 5282, RFC 7634),
	// ECP groups (RFC 5903) and Curve25519 (RFC 8031).
	{Name: "aes_gcm_8", Class: ClassEncryption, Encr: 18, AEAD: true, ICV: 8, NeedKeyLen: true, Extension: true},
	{Name: "aes_gcm_12", Class: ClassEncryption, Encr: 19, AEAD: true, ICV: 12, NeedKeyLen: true, Extension: true},
	{Name: "aes_gcm_16", Class: ClassEncryption, Encr: 20, AEAD: true, ICV: 16, NeedKeyLen: true, Extension: true},
	{Name: "aes128_gcm_8", Class: ClassEncryption, Encr: 18, AEAD: true, ICV: 8, KeyLen: 128, Extension: true},
	{Name: "aes128_gcm_12", Class: ClassEncryption, Encr: 19, AEAD: true, ICV: 12, KeyLen: 128, Extension: true},
	{Name: "aes128_gcm_16", Class: ClassEncryption, Encr: 20, AEAD: true, ICV: 16, KeyLen: 128, Extension: true},
	{Name: "aes192_gcm_16", Class: ClassEncryption, Encr: 20, AEAD: true, ICV: 16, KeyLen: 192, Extension: true},
	{Name: "aes256_gcm_8", Class: ClassEncryption, Encr: 18, AEAD: true, ICV: 8, KeyLen: 256, Extension: true},
	{Name: "aes256_gcm_12", Class: ClassEncryption, Encr: 19, AEAD: true, ICV: 12, KeyLen: 256, Extension: true},
	{Name: "aes256_gcm_16", Class: ClassEncryption, Encr: 20, AEAD: true, ICV: 16, KeyLen: 256, Extension: true},
	{Name: "chacha20_poly1305", Class: ClassEncryption, Encr: 28, AEAD: true, ICV: 16, KeyLen: 256, Extension: true},
	{Name: "ecp256", Class: ClassDHGroup, Group: 19, V1: 19, Extension: true},
	{Name: "ecp384", Class: ClassDHGroup, Group: 20, V1: 20, Extension: true},
	{Name: "ecp521", Class: ClassDHGroup, Group: 21, V1: 21, Extension: true},
	{Name: "curve25519", Class: ClassDHGroup, Group: 31, V1: 31, Extension: true},
}

var algByName = map[string]*AlgInfo{}

// groupByNumber maps kmp_dh_group numbers to keywords (racoon2's
// rcf_dhgroupnumer_fromname plus 19, 20, 21 and 31).
var groupByNumber = map[int64]string{}

func init() {
	for i := range algorithms {
		a := &algorithms[i]
		algByName[a.Name] = a
		if a.Class == ClassDHGroup {
			groupByNumber[int64(a.Group)] = a.Name
		}
	}
}

// LookupAlgorithm returns the table entry for a keyword.
func LookupAlgorithm(name string) (*AlgInfo, bool) {
	a, ok := algByName[name]
	return a, ok
}

// Algorithms returns the whole keyword table, racoon2's entries first.
func Algorithms() []AlgInfo { return append([]AlgInfo(nil), algorithms...) }

// KeyLenNone is the key length of the "alg,,key" form (racoon2's
// RC_KEYLEN_NONE).
const KeyLenNone = -1

// Algorithm is one element of an algorithm list: "name[,keylen[,key]]".
type Algorithm struct {
	Name string
	// KeyLen is the key length in bits as written: 0 when absent,
	// KeyLenNone for "name,,key".
	KeyLen int
	// Key is the third field (a manual key); HasKey tells it was given.
	Key    string
	HasKey bool
}

// Info returns the keyword's table entry; nil for an unknown name (the
// parser never produces one).
func (a Algorithm) Info() *AlgInfo { return algInfo(a.Name) }

// Bits returns the effective key length in bits: the written length when
// given, else the keyword's fixed length, else 0.
func (a Algorithm) Bits() int {
	if a.KeyLen > 0 {
		return a.KeyLen
	}
	if i := a.Info(); i != nil {
		return i.KeyLen
	}
	return 0
}
