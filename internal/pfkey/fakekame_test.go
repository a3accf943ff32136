//go:build linux || freebsd || netbsd

package pfkey

import (
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"golang.org/x/sys/unix"
)

// fakeKAME answers PF_KEY messages over a socket pair the way FreeBSD's
// sys/netipsec/key.c does, in the FreeBSD layout, so that the Kernel's
// request/reply path is exercised with BSD bytes on any host:
//   - REGISTER: FreeBSD's lists (key_register), AES-GCM-16 and GMAC
//     included, no CCM;
//   - SPDUPDATE/SPDADD (key_spdadd): directions in and out only, equal
//     address protocols, an equal policy unlinked (SPDADD: EEXIST) and the
//     new one inserted under a fresh id (key_getnewspid), the request's
//     extensions sent back with that id;
//   - SPDDELETE2 (key_spddelete2): EINVAL for an unknown id;
//   - anything else: EOPNOTSUPP. Errors are key_senderror's bare header.
type fakeKAME struct {
	f    *os.File
	mu   sync.Mutex
	next uint32
	pols map[uint32]*Msg
	seen []MsgType
}

func startFakeKAME(t *testing.T) (*Kernel, *fakeKAME) {
	t.Helper()
	withLayout(t, freebsdLayout)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Skipf("socketpair: %v", err)
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		t.Fatal(err)
	}
	fk := &fakeKAME{f: os.NewFile(uintptr(fds[1]), "fake-kame"), pols: map[uint32]*Msg{}}
	done := make(chan struct{})
	go func() { defer close(done); fk.serve() }()
	k, err := start(os.NewFile(uintptr(fds[0]), "pfkey-test"), slog.New(slog.DiscardHandler), WithTimeout(2*time.Second))
	if err != nil {
		fk.f.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		k.Close()
		fk.f.Close()
		<-done
	})
	return k, fk
}

func (fk *fakeKAME) serve() {
	buf := make([]byte, 1<<16)
	for {
		n, err := fk.f.Read(buf)
		if err != nil {
			return
		}
		m, err := Parse(append([]byte(nil), buf[:n]...))
		var r *Msg
		if err != nil {
			r = &Msg{Errno: uint8(syscall.EINVAL)}
		} else {
			r = fk.handle(m)
		}
		if r.Errno != 0 && m != nil {
			r = &Msg{Type: m.Type, SAType: m.SAType, Errno: r.Errno, Seq: m.Seq, PID: m.PID}
		}
		b, err := r.Marshal(nil)
		if err != nil {
			return
		}
		if _, err := fk.f.Write(b); err != nil {
			return
		}
	}
}

func fail(e syscall.Errno) *Msg { return &Msg{Errno: uint8(e)} }

func (fk *fakeKAME) handle(m *Msg) *Msg {
	fk.mu.Lock()
	defer fk.mu.Unlock()
	fk.seen = append(fk.seen, m.Type)
	switch m.Type {
	case Register:
		r := *m
		r.SupportedAuth = []Alg{{ID: AAlgMD5HMAC, MinBits: 128, MaxBits: 128}, {ID: AAlgSHA1HMAC, MinBits: 160, MaxBits: 160},
			{ID: AAlgSHA256HMAC, MinBits: 256, MaxBits: 256}, {ID: AAlgAESXCBC, MinBits: 128, MaxBits: 128},
			{ID: 11, MinBits: 160, MaxBits: 160}} // SADB_X_AALG_AES128GMAC: no IKEv2 INTEG
		r.SupportedEncrypt = []Alg{{ID: EAlgNull}, {ID: EAlgAESCBC, IVLen: 16, MinBits: 128, MaxBits: 256},
			{ID: EAlgAESCTR, IVLen: 8, MinBits: 160, MaxBits: 288}, {ID: EAlgAESGCM16, IVLen: 8, MinBits: 160, MaxBits: 288},
			{ID: EAlgNullGMAC, IVLen: 8, MinBits: 160, MaxBits: 288}}
		return &r
	case XSPDUpdate, XSPDAdd:
		if m.Src == nil || m.Dst == nil || m.Policy == nil {
			return fail(syscall.EINVAL)
		}
		if d := m.Policy.Dir; d != DirInbound && d != DirOutbound {
			return fail(syscall.EINVAL)
		}
		if m.Src.Proto != m.Dst.Proto {
			return fail(syscall.EINVAL)
		}
		for id, p := range fk.pols {
			if p.Policy.Dir == m.Policy.Dir && *p.Src == *m.Src && *p.Dst == *m.Dst {
				if m.Type == XSPDAdd {
					return fail(syscall.EEXIST)
				}
				delete(fk.pols, id)
			}
		}
		fk.next++
		r := *m
		pol := *m.Policy
		pol.ID = fk.next
		r.Policy = &pol
		fk.pols[pol.ID] = &r
		return &r
	case XSPDDelete2:
		if m.Policy == nil || fk.pols[m.Policy.ID] == nil {
			return fail(syscall.EINVAL)
		}
		delete(fk.pols, m.Policy.ID)
		return &Msg{Type: m.Type, Seq: m.Seq, PID: m.PID, Policy: m.Policy}
	}
	return fail(syscall.EOPNOTSUPP)
}

// The Kernel over a FreeBSD-like PF_KEY: REGISTER's lists become IKEv2
// IDs with no Linux restriction (AES-GCM-16 and HMAC-SHA2-256-128 are
// usable), and an SPDUPDATE of the same selector comes back under a new
// id, the old id then being unknown to the kernel (racoon2's
// HAVE_SPDUPDATE_BUG, reference section 9.6).
func TestFakeFreeBSDKernel(t *testing.T) {
	k, fk := startFakeKAME(t)
	a := k.Supported()
	if !a.Encr[encrAESGCM16] || !a.Encr[encrAESCTR] || !a.Integ[integSHA256_128] || a.Encr[encrAESCCM16] || len(a.IntegNotes) != 0 {
		t.Errorf("supported %+v", a)
	}
	p := &ike.Policy{
		Selector: ike.Selector{Src: netip.MustParsePrefix("10.1.0.0/16"), Dst: netip.MustParsePrefix("10.2.0.0/16")},
		Dir:      ike.DirOut, Action: ike.ActionIPsec,
		Templates: []ike.Template{{Proto: ike.ProtoESP, Mode: ike.ModeTunnel, Level: ike.LevelUnique, ReqID: 9, Src: v4a, Dst: v4b}},
	}
	first, err := k.AddPolicy(p)
	if err != nil {
		t.Fatal(err)
	}
	again, err := k.AddPolicy(p)
	if err != nil {
		t.Fatal(err)
	}
	if first == again || p.ID != again {
		t.Fatalf("ids %d then %d, p.ID %d", first, again, p.ID)
	}
	if err := k.DeletePolicy(&ike.Policy{ID: first, Dir: ike.DirOut}); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("delete of the replaced id: %v", err)
	}
	if err := k.DeletePolicy(p); err != nil {
		t.Errorf("delete of the current id: %v", err)
	}
	// Refused before anything is sent.
	fwd := *p
	fwd.Dir = ike.DirFwd
	if _, err := k.AddPolicy(&fwd); !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Errorf("fwd: %v", err)
	}
	if _, err := k.GetSPI(v4a, v4b, ike.ProtoESP, ike.ModeTunnel, 0x10000); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("GETSPI reqid 0x10000: %v", err)
	}
	if err := k.Migrate(&ike.Migrate{Selector: p.Selector, Dir: ike.DirOut, OldSrc: v4a, OldDst: v4b, NewSrc: v4b, NewDst: v4a},
		ike.ProtoESP, ike.ModeTunnel); !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Errorf("MIGRATE: %v", err)
	}
	fk.mu.Lock()
	defer fk.mu.Unlock()
	want := []MsgType{Register, Register, Register, XSPDUpdate, XSPDUpdate, XSPDDelete2, XSPDDelete2}
	if len(fk.seen) != len(want) {
		t.Fatalf("kernel saw %v, want %v", fk.seen, want)
	}
	for i := range want {
		if fk.seen[i] != want[i] {
			t.Fatalf("kernel saw %v, want %v", fk.seen, want)
		}
	}
}
