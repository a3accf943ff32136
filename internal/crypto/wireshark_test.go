package crypto

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWiresharkOpensSK is an interoperability check of the SK payload
// layout (RFC 7296 3.14, RFC 5282) against an independent implementation:
// messages sealed here are decrypted and integrity-checked by Wireshark's
// IKEv2 dissector, given the keys through its ikev2_decryption_table.
func TestWiresharkOpensSK(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	spii, spir := seq(0xc0, 8), seq(0xd0, 8)
	for _, v := range []struct {
		c          skConfig
		encr, auth string // Wireshark's names
	}{
		{skConfigs[0], "AES-CBC-128 [RFC3602]", "HMAC_SHA2_256_128 [RFC4868]"},
		{skConfigs[1], "AES-CBC-256 [RFC3602]", "HMAC_SHA2_512_256 [RFC4868]"},
		{skConfigs[3], "AES-CTR-128 [RFC5930]", "HMAC_SHA2_256_128 [RFC4868]"},
		{skConfigs[4], "3DES [RFC2451]", "HMAC_SHA1_96 [RFC2404]"},
		{skConfigs[5], "AES-GCM-128 with 16 octet ICV [RFC5282]", "NONE [RFC4306]"},
		{skConfigs[6], "AES-GCM-256 with 16 octet ICV [RFC5282]", "NONE [RFC4306]"},
		{skConfigs[7], "AES-GCM-128 with 8 octet ICV [RFC5282]", "NONE [RFC4306]"},
	} {
		t.Run(v.c.name, func(t *testing.T) {
			sk := v.c.new(t)
			ek := seq(1, v.c.encrLen)
			var ik []byte
			if v.c.integ != IntegNone {
				it, _ := LookupTransform(TransformInteg, uint16(v.c.integ))
				ik = seq(9, it.KeySize)
			}
			msg := informational(t, sk, spii, spir)
			// SK_ei is what the initiator sends with; SK_er is unused here.
			uat := fmt.Sprintf(`uat:ikev2_decryption_table:%s,%s,%s,%s,"%s",%s,%s,"%s"`,
				hex.EncodeToString(spii), hex.EncodeToString(spir), hex.EncodeToString(ek), hex.EncodeToString(ek),
				v.encr, hex.EncodeToString(ik), hex.EncodeToString(ik), v.auth)
			dissect := func(msg []byte) string {
				pcap := filepath.Join(t.TempDir(), "sk.pcap")
				if err := os.WriteFile(pcap, pcapOf(msg), 0o600); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(tshark, "-n", "-r", pcap, "-o", uat, "-V").CombinedOutput()
				if err != nil {
					t.Fatalf("tshark: %v\n%s", err, out)
				}
				return string(out)
			}
			s := dissect(msg)
			if !strings.Contains(s, "Notify Message Type: SET_WINDOW_SIZE (16385)") {
				t.Fatalf("Wireshark did not decrypt the SK payload:\n%s", s)
			}
			if strings.Contains(s, "incorrect") || strings.Contains(s, "Malformed") {
				t.Fatalf("Wireshark reports a problem:\n%s", s)
			}
			// Control: a flipped ICV bit must be noticed, or the check above
			// proves nothing about the ICV.
			msg[len(msg)-1] ^= 1
			if s := dissect(msg); !strings.Contains(s, "incorrect") && strings.Contains(s, "SET_WINDOW_SIZE") {
				t.Fatalf("Wireshark accepted a corrupted ICV:\n%s", s)
			}
		})
	}
}

// informational builds an INFORMATIONAL request from the initiator whose SK
// payload carries one Notify SET_WINDOW_SIZE(10), sealed by sk.
func informational(t *testing.T, sk SKCipher, spii, spir []byte) []byte {
	notify := []byte{0, 0, 0, 12, 0, 0, 0x40, 0x01, 0, 0, 0, 10}
	padded := len(notify) + 1
	padded = (padded + sk.BlockSize() - 1) / sk.BlockSize() * sk.BlockSize()
	skLen := 4 + sk.IVSize() + padded + sk.ICVSize()
	msg := make([]byte, 28+skLen)
	copy(msg, spii)
	copy(msg[8:], spir)
	msg[16], msg[17], msg[18], msg[19] = 46, 0x20, 37, 0x08 // SK, 2.0, INFORMATIONAL, Initiator
	binary.BigEndian.PutUint32(msg[20:], 1)
	binary.BigEndian.PutUint32(msg[24:], uint32(len(msg)))
	msg[28] = 41 // Notify follows inside
	binary.BigEndian.PutUint16(msg[30:], uint16(skLen))
	pt := msg[32+sk.IVSize():]
	copy(pt, notify)
	pt[padded-1] = byte(padded - 1 - len(notify)) // pad length; pad bytes are zero
	if err := sk.Seal(msg, 32); err != nil {
		t.Fatal(err)
	}
	return msg
}

// pcapOf wraps an IKE message in IPv4/UDP port 500 in a one-packet pcap file
// with LINKTYPE_RAW.
func pcapOf(ike []byte) []byte {
	udp := make([]byte, 8+len(ike))
	binary.BigEndian.PutUint16(udp[0:], 500)
	binary.BigEndian.PutUint16(udp[2:], 500)
	binary.BigEndian.PutUint16(udp[4:], uint16(len(udp)))
	copy(udp[8:], ike)
	ip := make([]byte, 20+len(udp))
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
	copy(ip[12:], []byte{192, 0, 2, 1, 192, 0, 2, 2})
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	sum = (sum & 0xffff) + sum>>16
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum+sum>>16))
	copy(ip[20:], udp)
	f := make([]byte, 24+16, 24+16+len(ip))
	binary.LittleEndian.PutUint32(f[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(f[4:], 2)
	binary.LittleEndian.PutUint16(f[6:], 4)
	binary.LittleEndian.PutUint32(f[16:], 65535)
	binary.LittleEndian.PutUint32(f[20:], 101) // LINKTYPE_RAW
	binary.LittleEndian.PutUint32(f[24+8:], uint32(len(ip)))
	binary.LittleEndian.PutUint32(f[24+12:], uint32(len(ip)))
	return append(f, ip...)
}
