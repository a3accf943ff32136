package pfkey

import (
	"errors"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

var addrA, addrB = kerneltest.A, kerneltest.B

func openTest(t *testing.T) *Kernel {
	t.Helper()
	k, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	if err := k.Flush(0); err != nil {
		t.Fatal(err)
	}
	if err := k.SPDFlush(); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestKernelRegister checks what Linux PF_KEY lists (RFC 2367 section
// 3.1.7), keyed by IKEv2 ID, and the notes for what it cannot install.
func TestKernelRegister(t *testing.T) {
	iketest.RequireKernel(t)
	a := openTest(t).Supported()
	for _, id := range []uint16{encrAESCBC, encr3DES, encrAESCTR, encrNull} {
		if !a.Encr[id] {
			t.Errorf("ENCR %d not supported", id)
		}
	}
	for _, id := range []uint16{integSHA1, integSHA384_192, integSHA512_256, integMD5, integAESXCBC} {
		if !a.Integ[id] {
			t.Errorf("INTEG %d not supported", id)
		}
	}
	for _, id := range []uint16{encrAESGCM16, encrChaCha20Poly} {
		if a.Encr[id] || a.EncrNotes[id] == "" {
			t.Errorf("AEAD %d: supported %v note %q", id, a.Encr[id], a.EncrNotes[id])
		}
	}
	if a.Integ[integSHA256_128] || a.IntegNotes[integSHA256_128] == "" {
		t.Errorf("HMAC-SHA2-256-128 must be refused with a note")
	}
	t.Logf("comp: %v", a.Comp)
}

// TestKernelRegisterNoAEAD shows that REGISTER(ESP) really lists no AEAD: the Linux fact
// the notes rest on.
func TestKernelRegisterNoAEAD(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	if _, err := k.Register(SATypeESP); !errors.Is(err, syscall.EEXIST) {
		t.Errorf("second REGISTER: %v, want EEXIST", err)
	}
	r := k.Registered(SATypeESP)
	var ids []uint8
	for _, a := range r.SupportedEncrypt {
		ids = append(ids, a.ID)
		switch a.ID {
		case EAlgAESGCM8, EAlgAESGCM12, EAlgAESGCM16, EAlgAESCCM8, EAlgAESCCM12, EAlgAESCCM16:
			t.Errorf("REGISTER lists AEAD %d", a.ID)
		}
	}
	t.Logf("SADB_REGISTER(ESP) encrypt ids %v", ids)
}

var saCases = []kerneltest.SACase{
	{Name: "esp-cbc-sha1-natt-transport", Proto: ike.ProtoESP, Mode: ike.ModeTransport, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(16, 1), integSHA1, key(20, 2)
		sa.Encap = &ike.Encap{SrcPort: 4500, DstPort: 4501, OrigAddr: netip.MustParseAddr("198.51.100.7")}
	}, // Linux af_key reads the NAT-T type and ports but drops NAT_T_OA on input.
		Want: []string{"encap type espinudp sport 4500 dport 4501 addr 0.0.0.0"}},
	{Name: "esp6-cbc-sha1-tunnel", Proto: ike.ProtoESP, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(16, 1), integSHA1, key(20, 2)
	}, Want: []string{"src 2001:db8::", "mode tunnel", "cbc(aes)"}},
	{Name: "ah6-sha1-transport", Proto: ike.ProtoAH, Mode: ike.ModeTransport, SA: func(sa *ike.SA) {
		sa.IntegID, sa.IntegKey = integSHA1, key(20, 3)
	}, Want: []string{"src 2001:db8::", "proto ah"}},
	{Name: "esp-cbc-sha1-tunnel", Proto: ike.ProtoESP, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(16, 1), integSHA1, key(20, 2)
	}, Want: []string{"mode tunnel", "cbc(aes)", "hmac(sha1)", "reqid 42"}},
	{Name: "esp-cbc-sha512-transport", Proto: ike.ProtoESP, Mode: ike.ModeTransport, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(32, 1), integSHA512_256, key(64, 2)
	}, Want: []string{"mode transport", "cbc(aes)", "hmac(sha512)", "256"}},
	{Name: "esp-3des-md5-tunnel", Proto: ike.ProtoESP, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encr3DES, key(24, 1), integMD5, key(16, 2)
	}, Want: []string{"mode tunnel", "cbc(des3_ede)", "hmac(md5)"}},
	{Name: "ah-sha1-transport", Proto: ike.ProtoAH, Mode: ike.ModeTransport, SA: func(sa *ike.SA) {
		sa.IntegID, sa.IntegKey = integSHA1, key(20, 3)
	}, Want: []string{"proto ah", "mode transport", "hmac(sha1)"}},
	{Name: "ah-sha384-tunnel", Proto: ike.ProtoAH, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.IntegID, sa.IntegKey = integSHA384_192, key(48, 3)
	}, Want: []string{"proto ah", "mode tunnel", "hmac(sha384)", "192"}},
	{Name: "ipcomp-deflate-tunnel", Proto: ike.ProtoIPComp, Mode: ike.ModeTunnel, SA: func(sa *ike.SA) {
		sa.CompID = 2
	}, Want: []string{"proto comp", "mode tunnel", "deflate"}},
	{Name: "ipcomp-deflate-transport", Proto: ike.ProtoIPComp, Mode: ike.ModeTransport, SA: func(sa *ike.SA) {
		sa.CompID = 2
	}, Want: []string{"proto comp", "mode transport", "deflate"}},
}

// TestKernelSA runs GETSPI, UPDATE, GET, ADD, DELETE (RFC 2367 sections
// 3.1.1-3.1.5) for ESP, AH and IPComp in both modes.
func TestKernelSA(t *testing.T) {
	iketest.RequireKernel(t)
	kerneltest.RunSA(t, openTest(t), kerneltest.SAConfig{
		SPIMin: SPIMin, SPIMax: SPIMax, CPIMax: cpiMax, ReplayWindow: 32,
		OutSPI: func(proto ike.Proto, in uint32) uint32 {
			if proto == ike.ProtoIPComp {
				return 0x2000 + in%0x1000
			}
			return in + 1
		},
		Add: "ADD", Get: "GET", Delete: "DELETE",
	}, saCases)
}

// TestKernelUpdateUnknown: UPDATE of an SA no GETSPI made fails (RFC 2367
// section 3.1.2) with the errno carried.
func TestKernelUpdateUnknown(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	sa := &ike.SA{Src: addrB, Dst: addrA, Proto: ike.ProtoESP, SPI: 0x777, Mode: ike.ModeTunnel,
		EncrID: encrAESCBC, EncrKey: key(16, 1), IntegID: integSHA1, IntegKey: key(20, 1)}
	err := k.UpdateSA(sa)
	var errno syscall.Errno
	if !errors.As(err, &errno) || !strings.Contains(err.Error(), "00000777") {
		t.Fatalf("UPDATE unknown: %v", err)
	}
}

// TestKernelFlushDump: FLUSH removes every SA, DUMP lists them (sections
// 3.1.9, 3.1.10).
func TestKernelFlushDump(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	for i := range 5 {
		sa := &ike.SA{Src: addrA, Dst: addrB, Proto: ike.ProtoESP, SPI: 0x1000 + uint32(i), Mode: ike.ModeTransport,
			EncrID: encrAESCBC, EncrKey: key(16, 1), IntegID: integSHA1, IntegKey: key(20, 1)}
		if err := k.AddSA(sa); err != nil {
			t.Fatal(err)
		}
	}
	ah := &ike.SA{Src: addrA, Dst: addrB, Proto: ike.ProtoAH, SPI: 0x2000, Mode: ike.ModeTransport,
		IntegID: integSHA1, IntegKey: key(20, 1)}
	if err := k.AddSA(ah); err != nil {
		t.Fatal(err)
	}
	d, err := k.Dump(SATypeUnspec)
	if err != nil || len(d) != 6 {
		t.Fatalf("DUMP: %d messages, %v", len(d), err)
	}
	if err := k.Flush(ike.ProtoESP); err != nil {
		t.Fatal(err)
	}
	if d, err = k.Dump(SATypeUnspec); err != nil || len(d) != 1 || d[0].SA.SPI != 0x2000 {
		t.Fatalf("DUMP after FLUSH ESP: %d messages, %v", len(d), err)
	}
	if err := k.Flush(0); err != nil {
		t.Fatal(err)
	}
	if d, err = k.Dump(SATypeUnspec); err != nil || len(d) != 0 {
		t.Fatalf("DUMP after FLUSH: %d messages, %v", len(d), err)
	}
}

// TestKernelConcurrent: requests from many goroutines each get their own
// reply (sequence matching, reference section 4.1).
func TestKernelConcurrent(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	const workers, each = 8, 25
	spis := make(chan uint32, workers*each)
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for range each {
				spi, err := k.GetSPI(addrB, addrA, ike.ProtoESP, ike.ModeTunnel, uint32(w))
				if err != nil {
					errs <- err
					return
				}
				spis <- spi
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(spis)
	seen := map[uint32]bool{}
	for s := range spis {
		if seen[s] {
			t.Fatalf("SPI %#x handed out twice", s)
		}
		seen[s] = true
	}
	if len(seen) != workers*each {
		t.Fatalf("%d SPIs", len(seen))
	}
}
