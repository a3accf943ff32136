//go:build !linux

package pfkey

import "github.com/racoon2go/iked/internal/ike"

// KAME's replay field is the window in bytes (8 packets each).
const maxReplay = 255 * 8

func replayField(w uint32) uint8 { return uint8((w + 7) / 8) }

// platformNotes adds nothing: the BSDs set the ICV length of RFC 4868
// transforms, and what REGISTER lists is what they install.
func platformNotes(*ike.Algorithms) {}
