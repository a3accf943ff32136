package pfkey

import "github.com/racoon2go/iked/internal/ike"

// platformNotes marks what the layout's kernel cannot install correctly.
// Linux (l.linuxLimits), as the real-kernel tests establish
// (TestKernelTruncation, TestKernelRegister): HMAC-SHA2-256 gets a 96-bit
// ICV (a pre-RFC 4868 draft) where RFC 4868 peers use 128 bits, and no
// AEAD can be named at all. FreeBSD and NetBSD truncate HMAC-SHA2 ICVs as
// RFC 4868 says and install what REGISTER lists, AES-GCM with
// sadb_sa_auth 0 (FreeBSD's esp_init picks the GMAC half from the key
// length), so nothing is marked there.
func (l layout) platformNotes(a *ike.Algorithms) {
	if !l.linuxLimits {
		return
	}
	a.Integ[integSHA256_128] = false
	a.IntegNotes[integSHA256_128] = "Linux PF_KEY installs HMAC-SHA2-256 with a 96-bit ICV, not RFC 4868's 128 bits"
	for _, id := range []uint16{encrAESGCM8, encrAESGCM12, encrAESGCM16, encrAESCCM8,
		encrAESCCM12, encrAESCCM16, encrNullAESGMAC, encrChaCha20Poly} {
		a.Encr[id] = false
		a.EncrNotes[id] = "Linux PF_KEY cannot install AEAD transforms"
	}
}
