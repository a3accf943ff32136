package pfkey

import "math"

// Replay windows are counted in packets by ike.SA. Linux af_key reads
// sadb_sa_replay as packets into a 32-bit bitmap (a larger window would be
// cut to 32 without a word); KAME's key_setsaval reads it as bytes (8
// packets each), so 255 bytes = 2040 packets at most, and FreeBSD adds
// SADB_X_EXT_SA_REPLAY (sys/net/pfkeyv2.h, struct sadb_x_sa_replay: the
// window in packets, refused above UINT32_MAX-32 by key_setsaval).

// maxReplay is the largest window, in packets, the layout can install.
func (l layout) maxReplay() uint32 {
	switch {
	case l.replayExt:
		return math.MaxUint32 - 32
	case l.replayBytes:
		return 255 * 8
	}
	return 32
}

// replay returns sadb_sa_replay for a window of w packets and, when that
// field cannot hold it, the SADB_X_EXT_SA_REPLAY value (nil otherwise, so
// that kernels older than the extension get the messages they know).
func (l layout) replay(w uint32) (uint8, *uint32) {
	if !l.replayBytes {
		return uint8(w), nil
	}
	if w <= 255*8 {
		return uint8((w + 7) / 8), nil
	}
	ext := w
	return 255, &ext
}
