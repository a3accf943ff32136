package iketest

import (
	"fmt"
	"net/netip"
	"sync"
	"syscall"

	"github.com/racoon2go/iked/internal/ike"
)

// Kernel is a recording fake of ike.Kernel. It is safe for concurrent use.
type Kernel struct {
	mu       sync.Mutex
	nextSPI  uint32
	nextPol  uint32
	SAs      map[ike.SAID]*ike.SA
	Larval   map[ike.SAID]bool
	Policies map[uint32]*ike.Policy
	Failed   []*ike.Acquire
	Log      []string // one line per call, for assertions on order
	events   chan ike.Event
	// Fail makes the named operation ("AddSA", "GetSPI", ...) fail with EINVAL.
	Fail map[string]bool
}

// NewKernel returns an empty fake kernel. Its SPIs start at base so that two
// fakes in one test hand out different SPIs.
func NewKernel(base uint32) *Kernel {
	return &Kernel{
		nextSPI:  base,
		SAs:      map[ike.SAID]*ike.SA{},
		Larval:   map[ike.SAID]bool{},
		Policies: map[uint32]*ike.Policy{},
		events:   make(chan ike.Event, 64),
		Fail:     map[string]bool{},
	}
}

func (k *Kernel) op(name, format string, args ...any) error {
	k.Log = append(k.Log, name+" "+fmt.Sprintf(format, args...))
	if k.Fail[name] {
		return fmt.Errorf("fake kernel: %s: %w", name, syscall.EINVAL)
	}
	return nil
}

// GetSPI allocates the next SPI.
func (k *Kernel) GetSPI(src, dst netip.Addr, proto ike.Proto, mode ike.Mode, reqID uint32) (uint32, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.op("GetSPI", "%v %v->%v", proto, src, dst); err != nil {
		return 0, err
	}
	k.nextSPI++
	k.Larval[ike.SAID{Src: src, Dst: dst, Proto: proto, SPI: k.nextSPI}] = true
	return k.nextSPI, nil
}

// AddSA records sa.
func (k *Kernel) AddSA(sa *ike.SA) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	id := ike.SAID{Src: sa.Src, Dst: sa.Dst, Proto: sa.Proto, SPI: sa.SPI}
	if err := k.op("AddSA", "%v %08x", sa.Proto, sa.SPI); err != nil {
		return err
	}
	if _, dup := k.SAs[id]; dup {
		return fmt.Errorf("fake kernel: AddSA %08x: %w", sa.SPI, syscall.EEXIST)
	}
	k.SAs[id] = clone(sa)
	return nil
}

// clone copies sa and its keys, as a kernel does: callers zero their key
// buffers after installing.
func clone(sa *ike.SA) *ike.SA {
	c := *sa
	c.EncrKey = append([]byte(nil), sa.EncrKey...)
	c.IntegKey = append([]byte(nil), sa.IntegKey...)
	return &c
}

// UpdateSA completes a larval SA.
func (k *Kernel) UpdateSA(sa *ike.SA) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	id := ike.SAID{Src: sa.Src, Dst: sa.Dst, Proto: sa.Proto, SPI: sa.SPI}
	if err := k.op("UpdateSA", "%v %08x", sa.Proto, sa.SPI); err != nil {
		return err
	}
	if !k.Larval[id] {
		return fmt.Errorf("fake kernel: UpdateSA %08x: %w", sa.SPI, syscall.ESRCH)
	}
	delete(k.Larval, id)
	k.SAs[id] = clone(sa)
	return nil
}

// DeleteSA removes an SA.
func (k *Kernel) DeleteSA(id ike.SAID) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.op("DeleteSA", "%v %08x", id.Proto, id.SPI); err != nil {
		return err
	}
	if _, ok := k.SAs[id]; !ok && !k.Larval[id] {
		return fmt.Errorf("fake kernel: DeleteSA %08x: %w", id.SPI, syscall.ESRCH)
	}
	delete(k.SAs, id)
	delete(k.Larval, id)
	return nil
}

// QuerySA reports zero counters for a known SA.
func (k *Kernel) QuerySA(id ike.SAID) (ike.SAStats, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.SAs[id]; !ok {
		return ike.SAStats{}, fmt.Errorf("fake kernel: QuerySA %08x: %w", id.SPI, syscall.ESRCH)
	}
	return ike.SAStats{}, nil
}

// AddPolicy records p and gives it an id.
func (k *Kernel) AddPolicy(p *ike.Policy) (uint32, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.op("AddPolicy", "%v %v->%v", p.Dir, p.Selector.Src, p.Selector.Dst); err != nil {
		return 0, err
	}
	c := *p
	// Both backends install with update semantics (XFRM_MSG_UPDPOLICY,
	// SADB_X_SPDUPDATE): a policy with the same selector and direction is
	// replaced in place and, on Linux, keeps its id.
	for id, q := range k.Policies {
		if q.Dir == p.Dir && q.Selector == p.Selector {
			c.ID = id
			k.Policies[id] = &c
			return id, nil
		}
	}
	k.nextPol += 8
	c.ID = k.nextPol
	k.Policies[c.ID] = &c
	return c.ID, nil
}

// DeletePolicy removes the policy with p's id, or with p's selector and dir.
func (k *Kernel) DeletePolicy(p *ike.Policy) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.op("DeletePolicy", "%v %v->%v", p.Dir, p.Selector.Src, p.Selector.Dst); err != nil {
		return err
	}
	for id, q := range k.Policies {
		if id == p.ID || (q.Dir == p.Dir && q.Selector == p.Selector) {
			delete(k.Policies, id)
			return nil
		}
	}
	return fmt.Errorf("fake kernel: DeletePolicy: %w", syscall.ENOENT)
}

// Flush removes all SAs of proto (all when 0).
func (k *Kernel) Flush(proto ike.Proto) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.op("Flush", "%v", proto); err != nil {
		return err
	}
	for id := range k.SAs {
		if proto == 0 || id.Proto == proto {
			delete(k.SAs, id)
		}
	}
	return nil
}

// AcquireFailed records a.
func (k *Kernel) AcquireFailed(a *ike.Acquire, errno int) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.Failed = append(k.Failed, a)
	return k.op("AcquireFailed", "seq %d errno %d", a.Seq, errno)
}

// Supported reports that the fake can tell nothing.
func (k *Kernel) Supported() *ike.Algorithms { return nil }

// Events returns the upcall channel; Inject writes to it.
func (k *Kernel) Events() <-chan ike.Event { return k.events }

// Inject delivers a kernel event as if the kernel had sent it.
func (k *Kernel) Inject(e ike.Event) { k.events <- e }

// Close closes the event channel.
func (k *Kernel) Close() error {
	close(k.events)
	return nil
}

// Count returns the number of installed (non-larval) SAs.
func (k *Kernel) Count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.SAs)
}

var _ ike.Kernel = (*Kernel)(nil)
