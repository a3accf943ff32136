package spmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// spdKernel is a fake SPD with the two SPDUPDATE behaviours (reference
// section 9.6). newID: FreeBSD's and NetBSD's key_spdadd unlink a policy
// with the same selector and direction and insert the new one under a
// fresh id (key_getnewspid); otherwise, as Linux, the replaced policy's id
// is kept. Deleting an unknown id fails (key_spddelete2: EINVAL).
type spdKernel struct {
	*iketest.Kernel // SA calls, unused by spmd
	newID           bool
	mu              sync.Mutex
	next            uint32
	pols            map[uint32]ike.Policy
}

func newSPDKernel(newID bool) *spdKernel {
	return &spdKernel{Kernel: iketest.NewKernel(0), newID: newID, pols: map[uint32]ike.Policy{}}
}

func (k *spdKernel) AddPolicy(p *ike.Policy) (uint32, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var id uint32
	for old, q := range k.pols {
		if q.Dir == p.Dir && q.Selector == p.Selector {
			delete(k.pols, old)
			if !k.newID {
				id = old
			}
		}
	}
	if id == 0 {
		k.next++
		id = k.next
	}
	c := *p
	c.ID = id
	k.pols[id] = c
	return id, nil
}

func (k *spdKernel) DeletePolicy(p *ike.Policy) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.pols[p.ID]; p.ID == 0 || !ok {
		return fmt.Errorf("spdKernel: no policy id %d: %w", p.ID, syscall.EINVAL)
	}
	delete(k.pols, p.ID)
	return nil
}

func (k *spdKernel) ids() map[uint32]bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := map[uint32]bool{}
	for id := range k.pols {
		out[id] = true
	}
	return out
}

// Installing the same selectors again (a restart over a live SPD, or POLICY
// ADD of a boot-time selector) must leave spmd's table naming exactly the
// kernel's policies: on a BSD-like kernel every SPDUPDATE changes the id,
// and a stale entry would make SLID answer with a dead id and the exit
// flush fail (racoon2's HAVE_SPDUPDATE_BUG, reference sections 4.4, 9.6).
func TestSPDUpdateNewIDs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		newID bool
	}{{"BSD", true}, {"Linux", false}} {
		t.Run(tc.name, func(t *testing.T) {
			k := newSPDKernel(tc.newID)
			d := testDir(t)
			pw := filepath.Join(d, "pw")
			if err := os.WriteFile(pw, testPassword, 0o600); err != nil {
				t.Fatal(err)
			}
			srv, err := New(NewStaticConfig(testSelectors()), k, Options{PasswordFile: pw})
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.InstallBoot(); err != nil {
				t.Fatal(err)
			}
			first := srv.Policies()
			for range 2 {
				if err := srv.InstallBoot(); err != nil {
					t.Fatal(err)
				}
			}
			got := srv.Policies()
			if len(got) != len(first) || len(got) != len(k.ids()) {
				t.Fatalf("table %v after re-install, first %v, kernel %v", got, first, k.ids())
			}
			kern := k.ids()
			for i, p := range got {
				id, _ := strconv.ParseUint(p[1], 10, 32)
				if !kern[uint32(id)] {
					t.Errorf("entry %v names no kernel policy (kernel %v)", p, kern)
				}
				if changed := p[1] != first[i][1]; changed != tc.newID {
					t.Errorf("%v: id changed %v, first %v", p, changed, first[i])
				}
			}
			// SLID finds each selector under its current id.
			ss := &session{loggedIn: true}
			for _, p := range got {
				out, _ := srv.handle(ss, []byte("SLID "+p[1]+"\r\n"), nil)
				if want := "250 " + p[0] + "\r\n"; string(out) != want {
					t.Errorf("SLID %s: %q, want %q", p[1], out, want)
				}
			}
			if n := srv.Flush(); n != 0 || len(k.ids()) != 0 {
				t.Errorf("flush: %d failed, kernel left %v", n, k.ids())
			}
		})
	}
}
