package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Classic libpcap file format (the "pcap" file format, draft-ietf-opsawg-pcap).
const (
	fileHeaderLen   = 24
	recordHeaderLen = 16
	magicMicro      = 0xa1b2c3d4
	magicNano       = 0xa1b23c4d
	magicPcapng     = 0x0a0d0d0a
	// snaplen of the files we create: more than the longest frame
	// (14 + 40 + 8 + 65527 bytes).
	snaplen = 262144
	// maxRecord bounds a record's captured length when an existing file is
	// checked: anything larger is a corrupt record header, not a packet.
	maxRecord = 1 << 24
)

// openFile opens path for the capture: truncated, or for appending when
// appendMode is set (the -P "+file" form). A file that already holds data
// keeps its header, which must be a little-endian classic pcap header of
// link type Ethernet; a record cut short at the end (a full disk, a crash)
// is truncated so that appended records stay readable. A file that is empty
// gets a header. nanos reports the file's timestamp resolution.
func openFile(path string, appendMode bool, log *slog.Logger) (f *os.File, nanos bool, err error) {
	flag := os.O_RDWR | os.O_CREATE
	if appendMode {
		flag |= os.O_APPEND
	} else {
		flag |= os.O_TRUNC
	}
	// 0600: captures hold decrypted negotiations (identities, AUTH data,
	// configuration payloads).
	f, err = os.OpenFile(path, flag, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("pcap: %w", err)
	}
	nanos, err = prepare(f, path, log)
	if err != nil {
		f.Close()
		return nil, false, err
	}
	return f, nanos, nil
}

func prepare(f *os.File, path string, log *slog.Logger) (nanos bool, err error) {
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("pcap: %w", err)
	}
	if !fi.Mode().IsRegular() {
		// A FIFO (Wireshark reading live) or a device: it cannot hold old
		// data, so it gets a header.
		return false, writeFileHeader(f, path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return false, fmt.Errorf("pcap: %s: %w", path, err)
		}
		log.Info("pcap: capture file made private", "file", path, "was", fi.Mode().Perm().String())
	}
	if fi.Size() == 0 {
		return false, writeFileHeader(f, path)
	}
	nanos, err = checkFileHeader(f, path, fi.Size())
	if err != nil {
		return false, err
	}
	end, err := lastRecordEnd(f, path, fi.Size())
	if err != nil {
		return false, err
	}
	if end < fi.Size() {
		log.Warn("pcap: truncating an incomplete record at the end of the capture file",
			"file", path, "offset", end, "size", fi.Size())
		if err := f.Truncate(end); err != nil {
			return false, fmt.Errorf("pcap: %s: %w", path, err)
		}
	}
	return nanos, nil
}

func writeFileHeader(f *os.File, path string) error {
	if err := pcapgo.NewWriter(f).WriteFileHeader(snaplen, layers.LinkTypeEthernet); err != nil {
		return fmt.Errorf("pcap: %s: write header: %w", path, err)
	}
	return nil
}

// checkFileHeader accepts what this package can append to: a little-endian
// classic pcap file, version 2, link type Ethernet (racoon2's files on
// little-endian hosts qualify). pcapgo writes little-endian records only.
func checkFileHeader(f *os.File, path string, size int64) (nanos bool, err error) {
	if size < fileHeaderLen {
		return false, fmt.Errorf("pcap: %s: not a pcap file (%d bytes, shorter than a pcap header)", path, size)
	}
	var h [fileHeaderLen]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return false, fmt.Errorf("pcap: %s: read header: %w", path, err)
	}
	switch magic := binary.LittleEndian.Uint32(h[0:4]); magic {
	case magicMicro:
	case magicNano:
		nanos = true
	case magicPcapng:
		return false, fmt.Errorf("pcap: %s: a pcapng file: cannot append classic pcap records to it", path)
	default:
		if be := binary.BigEndian.Uint32(h[0:4]); be == magicMicro || be == magicNano {
			return false, fmt.Errorf("pcap: %s: a big-endian pcap file: cannot append little-endian records to it", path)
		}
		return false, fmt.Errorf("pcap: %s: not a pcap file (magic %#08x)", path, magic)
	}
	if major := binary.LittleEndian.Uint16(h[4:6]); major != 2 {
		return false, fmt.Errorf("pcap: %s: pcap version %d, want 2", path, major)
	}
	// The low 16 bits are the link type; the high bits may carry FCS
	// information.
	if lt := binary.LittleEndian.Uint32(h[20:24]) & 0xffff; lt != uint32(layers.LinkTypeEthernet) {
		return false, fmt.Errorf("pcap: %s: link type %d, want Ethernet (1)", path, lt)
	}
	return nanos, nil
}

// lastRecordEnd walks the record headers and returns the offset where the
// last complete record ends.
func lastRecordEnd(f *os.File, path string, size int64) (int64, error) {
	off := int64(fileHeaderLen)
	var h [recordHeaderLen]byte
	for off+recordHeaderLen <= size {
		if _, err := f.ReadAt(h[:], off); err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("pcap: %s: read record at offset %d: %w", path, off, err)
		}
		caplen := binary.LittleEndian.Uint32(h[8:12])
		if caplen > maxRecord || caplen > binary.LittleEndian.Uint32(h[12:16]) {
			return 0, fmt.Errorf("pcap: %s: corrupt record header at offset %d", path, off)
		}
		next := off + recordHeaderLen + int64(caplen)
		if next > size {
			break
		}
		off = next
	}
	return off, nil
}
