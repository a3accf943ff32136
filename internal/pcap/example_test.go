package pcap_test

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/racoon2go/iked/internal/pcap"
)

// An engine's three calls: a message in the clear as on the wire, an
// encrypted one received (after decryption) and one sent (before
// encryption).
func Example() {
	dir, _ := os.MkdirTemp("", "pcap")
	defer os.RemoveAll(dir)
	w, err := pcap.Open("+"+filepath.Join(dir, "ike.pcap"), slog.Default())
	if err != nil {
		fmt.Println(err)
		return
	}
	local := netip.MustParseAddrPort("192.0.2.1:500")
	remote := netip.MustParseAddrPort("192.0.2.2:500")
	now := time.Now() // the engine's ike.Clock

	// IKE_SA_INIT request received (RFC 7296 section 1.2): as on the wire.
	initReq := make([]byte, pcap.HeaderLen)
	initReq[17], initReq[18], initReq[27] = 0x20, 34, pcap.HeaderLen
	w.Write(now, remote, local, initReq)

	// IKE_AUTH request received: hdr is the message's header (Next
	// Payload SK), first the SK payload's Next Payload, chain the
	// decrypted payloads without padding.
	hdr := make([]byte, pcap.HeaderLen)
	hdr[16], hdr[17], hdr[18] = 46, 0x20, 35
	first, chain := uint8(41), []byte{0, 0, 0, 8, 0, 0, 0x40, 0x00} // N(INITIAL_CONTACT)
	w.WriteDecrypted(now, remote, local, hdr, first, chain)

	// Its response, sent: the same call before encryption, local to remote.
	w.WriteDecrypted(now, local, remote, hdr, first, chain)

	err = w.Close()
	fmt.Printf("%v %+v\n", err, w.Stats())
	// Output: <nil> {Written:3 Dropped:0 Invalid:0}
}
