package pfkey

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/kernel/kerneltest"
)

var (
	addrA = netip.MustParseAddr("192.0.2.1")
	addrB = netip.MustParseAddr("192.0.2.2")
)

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

func xfrmState(t *testing.T, ns string, id ike.SAID) string {
	t.Helper()
	proto := id.Proto.String()
	if id.Proto == ike.ProtoIPComp {
		proto = "comp"
	}
	return kerneltest.Cmd(t, ns, "ip", "xfrm", "state", "get", "src", id.Src.String(), "dst", id.Dst.String(),
		"proto", proto, "spi", fmt.Sprintf("0x%08x", id.SPI))
}

type saCase struct {
	name  string
	proto ike.Proto
	mode  ike.Mode
	sa    func(*ike.SA)
	want  []string // in `ip xfrm state get` output
}

var saCases = []saCase{
	{"esp-cbc-sha1-natt-transport", ike.ProtoESP, ike.ModeTransport, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(16, 1), integSHA1, key(20, 2)
		sa.Encap = &ike.Encap{SrcPort: 4500, DstPort: 4501, OrigAddr: netip.MustParseAddr("198.51.100.7")}
	}, // Linux af_key reads the NAT-T type and ports but drops NAT_T_OA on input.
		[]string{"encap type espinudp sport 4500 dport 4501 addr 0.0.0.0"}},
	{"esp6-cbc-sha1-tunnel", ike.ProtoESP, ike.ModeTunnel, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(16, 1), integSHA1, key(20, 2)
	}, []string{"src 2001:db8::", "mode tunnel", "cbc(aes)"}},
	{"ah6-sha1-transport", ike.ProtoAH, ike.ModeTransport, func(sa *ike.SA) {
		sa.IntegID, sa.IntegKey = integSHA1, key(20, 3)
	}, []string{"src 2001:db8::", "proto ah"}},
	{"esp-cbc-sha1-tunnel", ike.ProtoESP, ike.ModeTunnel, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(16, 1), integSHA1, key(20, 2)
	}, []string{"mode tunnel", "cbc(aes)", "hmac(sha1)", "reqid 42"}},
	{"esp-cbc-sha512-transport", ike.ProtoESP, ike.ModeTransport, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encrAESCBC, key(32, 1), integSHA512_256, key(64, 2)
	}, []string{"mode transport", "cbc(aes)", "hmac(sha512)", "256"}},
	{"esp-3des-md5-tunnel", ike.ProtoESP, ike.ModeTunnel, func(sa *ike.SA) {
		sa.EncrID, sa.EncrKey, sa.IntegID, sa.IntegKey = encr3DES, key(24, 1), integMD5, key(16, 2)
	}, []string{"mode tunnel", "cbc(des3_ede)", "hmac(md5)"}},
	{"ah-sha1-transport", ike.ProtoAH, ike.ModeTransport, func(sa *ike.SA) {
		sa.IntegID, sa.IntegKey = integSHA1, key(20, 3)
	}, []string{"proto ah", "mode transport", "hmac(sha1)"}},
	{"ah-sha384-tunnel", ike.ProtoAH, ike.ModeTunnel, func(sa *ike.SA) {
		sa.IntegID, sa.IntegKey = integSHA384_192, key(48, 3)
	}, []string{"proto ah", "mode tunnel", "hmac(sha384)", "192"}},
	{"ipcomp-deflate-tunnel", ike.ProtoIPComp, ike.ModeTunnel, func(sa *ike.SA) {
		sa.CompID = 2
	}, []string{"proto comp", "mode tunnel", "deflate"}},
	{"ipcomp-deflate-transport", ike.ProtoIPComp, ike.ModeTransport, func(sa *ike.SA) {
		sa.CompID = 2
	}, []string{"proto comp", "mode transport", "deflate"}},
}

// TestKernelSA runs GETSPI, UPDATE, GET, ADD, DELETE (RFC 2367 sections
// 3.1.1-3.1.5) for ESP, AH and IPComp in both modes.
func TestKernelSA(t *testing.T) {
	iketest.RequireKernel(t)
	k := openTest(t)
	for _, c := range saCases {
		t.Run(c.name, func(t *testing.T) {
			addrA, addrB := addrA, addrB
			if strings.Contains(c.name, "6-") {
				addrA, addrB = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
			}
			spi, err := k.GetSPI(addrB, addrA, c.proto, c.mode, 42)
			if err != nil {
				t.Fatal(err)
			}
			max := uint32(SPIMax)
			if c.proto == ike.ProtoIPComp {
				max = cpiMax
			}
			if spi < SPIMin || spi > max {
				t.Fatalf("SPI %#x outside racoon2's range", spi)
			}
			in := &ike.SA{Src: addrB, Dst: addrA, Proto: c.proto, SPI: spi, Mode: c.mode, ReqID: 42, ReplayWindow: 32,
				Lifetime: ike.Lifetime{SoftTime: time.Hour, HardTime: 2 * time.Hour}}
			c.sa(in)
			if err := k.UpdateSA(in); err != nil {
				t.Fatal(err)
			}
			id := ike.SAID{Src: addrB, Dst: addrA, Proto: c.proto, SPI: spi}
			st := xfrmState(t, "", id)
			for _, w := range c.want {
				if !strings.Contains(st, w) {
					t.Errorf("state lacks %q:\n%s", w, st)
				}
			}
			if _, err := k.QuerySA(id); err != nil {
				t.Fatal(err)
			}
			out := *in
			out.Src, out.Dst, out.SPI = addrA, addrB, spi+1
			if c.proto == ike.ProtoIPComp {
				out.SPI = 0x2000 + spi%0x1000
			}
			if err := k.AddSA(&out); err != nil {
				t.Fatal(err)
			}
			if err := k.AddSA(&out); !errors.Is(err, syscall.EEXIST) {
				t.Errorf("second ADD: %v, want EEXIST", err)
			}
			oid := ike.SAID{Src: addrA, Dst: addrB, Proto: c.proto, SPI: out.SPI}
			for _, x := range []ike.SAID{id, oid} {
				if err := k.DeleteSA(x); err != nil {
					t.Fatal(err)
				}
				if _, err := k.QuerySA(x); !errors.Is(err, syscall.ESRCH) {
					t.Errorf("GET after DELETE: %v, want ESRCH", err)
				}
			}
		})
	}
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
