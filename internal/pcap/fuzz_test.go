package pcap

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// FuzzAppendClear: never panics; on success the layout is the header, with
// a consistent Length, then the payloads.
func FuzzAppendClear(f *testing.F) {
	for _, c := range append(v2Negotiation(v4i, v4r), v1Negotiation(v4i, v4r)...) {
		if c.hdr != nil {
			f.Add(c.hdr, c.first, c.payloads)
		}
	}
	f.Add([]byte{}, uint8(0), []byte{})
	f.Fuzz(func(t *testing.T, hdr []byte, first uint8, payloads []byte) {
		got, err := AppendClear([]byte{0xee}, hdr, first, payloads)
		if err != nil {
			if !bytes.Equal(got, []byte{0xee}) {
				t.Fatal("dst changed on error")
			}
			return
		}
		got = got[1:]
		if len(got) != HeaderLen+len(payloads) || int(binary.BigEndian.Uint32(got[offLength:])) != len(got) {
			t.Fatalf("length %d, field %d", len(got), binary.BigEndian.Uint32(got[offLength:]))
		}
		if got[offNextPayload] != first || !bytes.Equal(got[HeaderLen:], payloads) {
			t.Fatal("wrong layout")
		}
		if got[offVersion]>>4 == 1 && got[offFlags]&flagEncryption != 0 {
			t.Fatal("IKEv1 E bit left set")
		}
	})
}

// FuzzOpenAppend: whatever an existing file holds, Open("+file") never
// panics; it refuses the file and leaves it alone, or appends a record
// after its last complete one, so the file is a well-formed record chain.
func FuzzOpenAppend(f *testing.F) {
	valid := fileHeader(magicMicro, binary.LittleEndian, 2, 1)
	f.Add(valid)
	f.Add(append(bytes.Clone(valid), 1, 2, 3))
	rec := binary.LittleEndian.AppendUint32(make([]byte, 8), 4)
	rec = binary.LittleEndian.AppendUint32(rec, 4)
	f.Add(append(append(bytes.Clone(valid), rec...), 1, 2, 3, 4))
	f.Add(fileHeader(magicNano, binary.LittleEndian, 2, 1))
	f.Add(fileHeader(magicMicro, binary.BigEndian, 2, 1))
	f.Add([]byte("not a capture"))
	f.Add([]byte{}) // an empty file gets a header (found by the fuzzer: a test bug)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(dir, "f")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		w, err := Open("+"+path, quietLog())
		if err != nil {
			if b, _ := os.ReadFile(path); !bytes.Equal(b, content) {
				t.Fatal("refused file changed")
			}
			return
		}
		w.Write(t0, v4i, v4r, []byte("ike"))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		fi, _ := fh.Stat()
		if _, err := checkFileHeader(fh, path, fi.Size()); err != nil {
			t.Fatal(err)
		}
		end, err := lastRecordEnd(fh, path, fi.Size())
		if err != nil || end != fi.Size() {
			t.Fatalf("record chain ends at %d of %d: %v", end, fi.Size(), err)
		}
		if len(content) > 0 && !bytes.Equal(content[:fileHeaderLen], mustRead(t, path)[:fileHeaderLen]) {
			t.Fatal("file header changed")
		}
	})
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
