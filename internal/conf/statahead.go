package conf

import "sync"

// secretStats checks key files on another goroutine while the checker
// runs. A file system lookup costs microseconds (3 on this project's
// test VM), and a configuration with thousands of remotes names
// thousands of key files: done one after the other by the checker, they
// cost more than reading the file. The builder queues each path as it
// reads it; once the sections are read (start), a goroutine checks them
// from the last one back, while the checker, which meets them from the
// first one on, checks those not done yet itself: the two meet in the
// middle. What the checker reports, and in which order, does not depend
// on how far the other goroutine got. The goroutine starts when the
// reading ends, or when the second half of a file read in two (split.go)
// is done and its CPU free: earlier, it would take a CPU from the reading.
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
	if !s.stopped {
		s.queue = append(s.queue, path)
		s.wake.Signal()
	}
}

// start starts checking the queued paths, once.
func (s *secretStats) start() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running && !s.stopped {
		s.running = true
		go s.run()
	}
}

// run checks the queued paths, the last first, until stop.
func (s *secretStats) run() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		for len(s.queue) == 0 && !s.stopped {
			s.wake.Wait()
		}
		if s.stopped {
			return
		}
		p := s.queue[len(s.queue)-1]
		s.queue = s.queue[:len(s.queue)-1]
		if _, done := s.res[p]; done {
			continue
		}
		s.mu.Unlock()
		e := checkSecretFile(p, s.uid)
		s.mu.Lock()
		s.res[p] = e
	}
}

// check returns checkSecretFile(path, uid): the result found ahead, or a
// fresh check, which the other goroutine then skips.
func (s *secretStats) check(path string, uid int) error {
	if s == nil || uid != s.uid {
		return checkSecretFile(path, uid)
	}
	s.mu.Lock()
	e, ok := s.res[path]
	s.mu.Unlock()
	if ok {
		return e
	}
	e = checkSecretFile(path, uid)
	s.mu.Lock()
	s.res[path] = e
	s.mu.Unlock()
	return e
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
