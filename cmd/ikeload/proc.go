package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat.
// Linux fixes it at 100 on every architecture Go supports (sysconf
// _SC_CLK_TCK), so no cgo is needed to ask for it.
const clockTick = 10 * time.Millisecond

// ProcSample is what ikeload reads about the responder process at one
// instant: CPU time spent so far and its resident memory.
type ProcSample struct {
	CPU    time.Duration `json:"cpu_ns"`  // utime + stime, all threads
	RSSKiB uint64        `json:"rss_kib"` // VmRSS from /proc/PID/status
	PSSKiB uint64        `json:"pss_kib"` // Pss from /proc/PID/smaps_rollup (0 when absent)
	// HasPSS is false on kernels without smaps_rollup (before 4.14).
	HasPSS bool `json:"has_pss"`
}

// sampleProc reads the three files of pid.
func sampleProc(pid int) (ProcSample, error) {
	var s ProcSample
	dir := "/proc/" + strconv.Itoa(pid)
	b, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return s, err
	}
	if s.CPU, err = parseStatCPU(b); err != nil {
		return s, fmt.Errorf("%s/stat: %w", dir, err)
	}
	f, err := os.Open(dir + "/status")
	if err != nil {
		return s, err
	}
	s.RSSKiB, err = parseKiBField(f, "VmRSS:")
	f.Close()
	if err != nil {
		return s, fmt.Errorf("%s/status: %w", dir, err)
	}
	if f, err := os.Open(dir + "/smaps_rollup"); err == nil {
		s.PSSKiB, err = parseKiBField(f, "Pss:")
		f.Close()
		if err != nil {
			return s, fmt.Errorf("%s/smaps_rollup: %w", dir, err)
		}
		s.HasPSS = true
	}
	return s, nil
}

// parseStatCPU returns utime+stime from the contents of /proc/PID/stat
// (proc(5)). The command name in parentheses may hold spaces and ')', so
// the fields are counted from the last ')'.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("no ')' after the command name")
	}
	// After ')': state(3) ppid(4) ... utime(14) stime(15).
	f := strings.Fields(string(b[i+1:]))
	const utime = 14 - 3
	if len(f) <= utime+1 {
		return 0, fmt.Errorf("%d fields after the command name, need %d", len(f), utime+2)
	}
	u, err := strconv.ParseUint(f[utime], 10, 63)
	if err != nil {
		return 0, fmt.Errorf("utime: %w", err)
	}
	s, err := strconv.ParseUint(f[utime+1], 10, 63)
	if err != nil {
		return 0, fmt.Errorf("stime: %w", err)
	}
	return time.Duration(u+s) * clockTick, nil
}

// parseKiBField finds the line "key   N kB" in a /proc key-value file
// (status, smaps_rollup) and returns N.
func parseKiBField(r io.Reader, key string) (uint64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, key)
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("%q: want \"%s N kB\"", line, key)
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s %w", key, err)
		}
		return n, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s line", key)
}
