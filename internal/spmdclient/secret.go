package spmdclient

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// racoon2's safe-file reasons (lib/safefile.c), kept so that operators see
// the same words from either implementation.
var (
	ErrSetuid     = errors.New("access from setuid'ed process is not allowed")
	ErrOwner      = errors.New("different ownership between the file and the process")
	ErrNotRegular = errors.New("not a regular file")
	ErrNotDir     = errors.New("not a directory")
	ErrWeakPerm   = errors.New("weak file permission")
)

// MaxPassword bounds the password file: racoon2 takes any length, but a
// multi-megabyte "password" is a configuration mistake, not a key.
const MaxPassword = 64 << 10

// ReadPassword reads the spmd_password file raw (the whole file, a trailing
// newline included), after racoon2's secret-file checks: the process is not
// set-uid, and the file is a regular file owned by our real uid with no
// group or other permission bits.
func ReadPassword(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkOwned(path, fi); err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", path, ErrNotRegular)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrWeakPerm)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxPassword+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxPassword {
		return nil, fmt.Errorf("%s: longer than %d bytes", path, MaxPassword)
	}
	return b, nil
}

// CheckPrivateDir is racoon2's check of the spmif socket's parent
// directory: owned by our real uid, no group or other permission bits.
func CheckPrivateDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if err := checkOwned(dir, fi); err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: %w", dir, ErrNotDir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s: %w", dir, ErrWeakPerm)
	}
	return nil
}

func checkOwned(path string, fi os.FileInfo) error {
	if os.Geteuid() != os.Getuid() {
		return fmt.Errorf("%s: %w", path, ErrSetuid)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: cannot read ownership", path)
	}
	if int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s: %w", path, ErrOwner)
	}
	return nil
}
