package ikev2

import "encoding/binary"

// reader is a cursor over a byte slice in the style of cryptobyte.String:
// every read advances it and returns false, leaving it unchanged, when the
// input is too short.
type reader []byte

func (r *reader) u8(v *uint8) bool {
	if len(*r) < 1 {
		return false
	}
	*v = (*r)[0]
	*r = (*r)[1:]
	return true
}

func (r *reader) u16(v *uint16) bool {
	if len(*r) < 2 {
		return false
	}
	*v = binary.BigEndian.Uint16(*r)
	*r = (*r)[2:]
	return true
}

func (r *reader) u32(v *uint32) bool {
	if len(*r) < 4 {
		return false
	}
	*v = binary.BigEndian.Uint32(*r)
	*r = (*r)[4:]
	return true
}

func (r *reader) u64(v *uint64) bool {
	if len(*r) < 8 {
		return false
	}
	*v = binary.BigEndian.Uint64(*r)
	*r = (*r)[8:]
	return true
}

// bytes takes the next n bytes as a view (capacity clipped, so appends to
// it cannot overwrite the input).
func (r *reader) bytes(n int, v *[]byte) bool {
	if n < 0 || len(*r) < n {
		return false
	}
	if n == 0 {
		*v = nil // so that decoded and built payloads compare equal
		return true
	}
	*v = (*r)[:n:n]
	*r = (*r)[n:]
	return true
}

func (r *reader) skip(n int) bool {
	if n < 0 || len(*r) < n {
		return false
	}
	*r = (*r)[n:]
	return true
}

// rest takes everything left.
func (r *reader) rest() []byte {
	if len(*r) == 0 {
		return nil
	}
	v := (*r)[:len(*r):len(*r)]
	*r = (*r)[len(*r):]
	return v
}

func (r reader) empty() bool { return len(r) == 0 }

func appendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func putU16(b []byte, v uint16)           { binary.BigEndian.PutUint16(b, v) }
func putU32(b []byte, v uint32)           { binary.BigEndian.PutUint32(b, v) }

// view returns b, or nil if it is empty (see reader.bytes).
func view(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
