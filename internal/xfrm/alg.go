package xfrm

// Transform is how the kernel names an IKEv2 transform: its crypto API
// name and the ICV (AEAD) or truncation (integrity) length in bits.
type Transform struct {
	Name string
	Bits int
	AEAD bool
}

// IKEv2 transform IDs (RFC 7296 section 3.3.2, IANA registry) mapped to
// the Linux crypto API names ip-xfrm(8) uses; integrity truncation per
// RFC 2404, RFC 3566, RFC 4494 and RFC 4868; AEAD ICVs per RFC 4106,
// RFC 4309, RFC 4543 and RFC 7634.
var (
	Encr = map[uint16]Transform{
		2:  {Name: "cbc(des)"},
		3:  {Name: "cbc(des3_ede)"},
		6:  {Name: "cbc(cast5)"},
		7:  {Name: "cbc(blowfish)"},
		11: {Name: "ecb(cipher_null)"},
		12: {Name: "cbc(aes)"},
		13: {Name: "rfc3686(ctr(aes))"},
		14: {Name: "rfc4309(ccm(aes))", Bits: 64, AEAD: true},
		15: {Name: "rfc4309(ccm(aes))", Bits: 96, AEAD: true},
		16: {Name: "rfc4309(ccm(aes))", Bits: 128, AEAD: true},
		18: {Name: "rfc4106(gcm(aes))", Bits: 64, AEAD: true},
		19: {Name: "rfc4106(gcm(aes))", Bits: 96, AEAD: true},
		20: {Name: "rfc4106(gcm(aes))", Bits: 128, AEAD: true},
		21: {Name: "rfc4543(gcm(aes))", Bits: 128, AEAD: true},
		23: {Name: "cbc(camellia)"},
		28: {Name: "rfc7539esp(chacha20,poly1305)", Bits: 128, AEAD: true},
	}
	Integ = map[uint16]Transform{
		1:  {Name: "hmac(md5)", Bits: 96},
		2:  {Name: "hmac(sha1)", Bits: 96},
		5:  {Name: "xcbc(aes)", Bits: 96},
		6:  {Name: "hmac(md5)", Bits: 128},
		7:  {Name: "hmac(sha1)", Bits: 160},
		8:  {Name: "cmac(aes)", Bits: 96},
		12: {Name: "hmac(sha256)", Bits: 128},
		13: {Name: "hmac(sha384)", Bits: 192},
		14: {Name: "hmac(sha512)", Bits: 256},
	}
	Comp = map[uint16]string{2: "deflate", 3: "lzs", 4: "lzjh"}
)
