package ikev2

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"net/netip"
	"time"
)

// cookieJar makes and checks stateless cookies (RFC 7296 section 2.6):
//
//	Cookie = <VersionIDofSecret> | HMAC-SHA256(secret, Ni | IPi | SPIi)[:16]
//
// The secret rotates lazily every period (no timer); a cookie made with the
// previous secret is still accepted, so an initiator that got its cookie just
// before a rotation is not turned away.
type cookieJar struct {
	period  time.Duration
	rand    io.Reader
	cur     [32]byte
	prev    [32]byte
	ver     uint8
	hasPrev bool
	born    time.Time
	ready   bool
}

const cookieLen = 1 + 16

// rotate renews the secret if it is older than the period.
func (j *cookieJar) rotate(now time.Time) error {
	if j.ready && now.Sub(j.born) < j.period {
		return nil
	}
	if j.ready {
		j.prev, j.hasPrev = j.cur, true
		// A jar idle for two periods keeps no previous secret.
		if now.Sub(j.born) >= 2*j.period {
			j.hasPrev = false
		}
	}
	if _, err := io.ReadFull(j.rand, j.cur[:]); err != nil {
		return err
	}
	j.ver++
	j.born = now
	j.ready = true
	return nil
}

func cookieMAC(secret *[32]byte, ver uint8, ni []byte, peer netip.Addr, spiI uint64) [cookieLen]byte {
	h := hmac.New(sha256.New, secret[:])
	h.Write(ni)
	a := peer.Unmap().AsSlice()
	h.Write(a)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], spiI)
	h.Write(s[:])
	var out [cookieLen]byte
	out[0] = ver
	var sum [sha256.Size]byte
	copy(out[1:], h.Sum(sum[:0]))
	return out
}

// make returns the cookie for an initiator.
func (j *cookieJar) make(now time.Time, ni []byte, peer netip.Addr, spiI uint64) ([]byte, error) {
	if err := j.rotate(now); err != nil {
		return nil, err
	}
	c := cookieMAC(&j.cur, j.ver, ni, peer, spiI)
	return c[:], nil
}

// check reports whether c is a cookie we made for this initiator with the
// current or the previous secret.
func (j *cookieJar) check(now time.Time, c, ni []byte, peer netip.Addr, spiI uint64) bool {
	if len(c) != cookieLen || j.rotate(now) != nil {
		return false
	}
	if c[0] == j.ver {
		want := cookieMAC(&j.cur, j.ver, ni, peer, spiI)
		return hmac.Equal(c, want[:])
	}
	if j.hasPrev && c[0] == j.ver-1 {
		want := cookieMAC(&j.prev, j.ver-1, ni, peer, spiI)
		return hmac.Equal(c, want[:])
	}
	return false
}
