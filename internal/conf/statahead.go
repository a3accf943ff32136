package conf

import "sync"

// secretStats checks key files on another goroutine while the rest of
// the configuration is still being read. A file system lookup costs
// microseconds, and a configuration with thousands of remotes names
// thousands of key files: done one after the other by the checker, they
// cost more than reading the file. The builder announces each path as it
// reads it; the checker takes the result if it is there and otherwise
// checks the file itself, so what it reports, and in which order, does
// not depend on how far the other goroutine got.
type secretStats struct {
	uid     int
	mu      sync.Mutex
	wake    sync.Cond
	queue   []string
	res     map[string]error
	running bool
	stopped bool
}

func newSecretStats(uid int) *secretStats {
	s := &secretStats{uid: uid, res: map[string]error{}}
	s.wake.L = &s.mu
	return s
}

// want queues path for checking.
func (s *secretStats) want(path string) {
	if s == nil || path == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.queue = append(s.queue, path)
	if !s.running {
		s.running = true
		go s.run()
	}
	s.wake.Signal()
}

// run checks the queued paths until stop.
func (s *secretStats) run() {
	var batch []string
	s.mu.Lock()
	for {
		for len(s.queue) == 0 && !s.stopped {
			s.wake.Wait()
		}
		if s.stopped {
			s.mu.Unlock()
			return
		}
		batch, s.queue = s.queue, batch[:0]
		s.mu.Unlock()
		for i, p := range batch {
			s.mu.Lock()
			_, done := s.res[p]
			stopped := s.stopped
			s.mu.Unlock()
			if stopped {
				return
			}
			if done {
				continue
			}
			e := checkSecretFile(p, s.uid)
			s.mu.Lock()
			s.res[p] = e
			s.mu.Unlock()
			batch[i] = ""
		}
		s.mu.Lock()
	}
}

// check returns checkSecretFile(path, uid): the result found ahead, or a
// fresh check.
func (s *secretStats) check(path string, uid int) error {
	if s != nil && uid == s.uid {
		s.mu.Lock()
		e, ok := s.res[path]
		s.mu.Unlock()
		if ok {
			return e
		}
	}
	return checkSecretFile(path, uid)
}

// stop ends the checking goroutine; results found so far stay usable.
func (s *secretStats) stop() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.stopped = true
	s.queue = nil
	s.wake.Broadcast()
	s.mu.Unlock()
}
