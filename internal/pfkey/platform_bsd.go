//go:build !linux

package pfkey

import "github.com/racoon2go/iked/internal/ike"

// platformNotes adds nothing: FreeBSD and NetBSD truncate HMAC-SHA2 ICVs
// as RFC 4868 says, and what REGISTER lists is what they install (AES-GCM
// with sadb_sa_auth 0: the kernel picks the GMAC half from the key length).
func platformNotes(*ike.Algorithms) {}
