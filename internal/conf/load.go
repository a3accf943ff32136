package conf

import (
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"syscall"
)

// Options tunes Load. The zero value is usable except for UID, where -1
// means the effective uid.
//
// Load may read part of a large file on another goroutine (split.go):
// LookupEnv may be called from both at once, so it must be safe for
// concurrent use, as os.LookupEnv is. ReadFile, Glob and Trace are used
// from one goroutine at a time.
type Options struct {
	// LookupEnv resolves $[VAR]; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Addrs lists the host's addresses for MY_IPV6_GLOBAL,
	// MY_IPV6_LINKLOCAL and MY_IP%iface; nil means the host's interfaces.
	Addrs func() ([]IfaceAddr, error)
	// NoHostAddrs leaves the macros that need the host's interface list
	// (MY_IPV6_GLOBAL, MY_IPV6_LINKLOCAL, MY_IP%iface) out of
	// Interface.IKE instead of asking the kernel; --check-config uses it
	// so that it opens no socket at all.
	NoHostAddrs bool
	// Trace receives the parse trace (iked -D 0x4); nil: none.
	Trace io.Writer
	// UID is the owner secret files must have; -1 means os.Geteuid().
	UID int
	// ReadFile reads configuration files; nil means os.ReadFile. Tests
	// and the fuzz target use it to stay off the disk. The Config keeps
	// referring to the returned bytes (names and values are views of
	// them, not copies): they must not be modified after Load.
	ReadFile func(string) ([]byte, error)
	// Glob expands include patterns; nil means filepath.Glob.
	Glob func(pattern string) ([]string, error)
	// NoSecretChecks skips the existence, owner and mode checks of key
	// and password files (the fuzz target and Dump round trips).
	NoSecretChecks bool
}

// IfaceAddr is one address of one interface.
type IfaceAddr struct {
	Iface string
	Addr  netip.Addr
}

// Load reads the configuration at path with its includes, expands
// variables, applies the default section and racoon2's built-in defaults,
// and checks the result. The Report is never nil; the Config is nil only
// when the main file cannot be read. A Config with errors in the Report
// must not be used to run the daemon.
func Load(path string, opts Options) (*Config, *Report) {
	rep := &Report{}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if opts.UID == -1 {
		opts.UID = os.Geteuid()
	}
	if opts.Addrs == nil {
		opts.Addrs = hostAddrs
	}
	if opts.ReadFile == nil {
		opts.ReadFile = readConfigFile
	}
	cfg := &Config{}
	b := &builder{rep: rep, env: opts.LookupEnv, cfg: cfg, once: map[string]Pos{}}
	if !opts.NoSecretChecks {
		b.secrets = newSecretStats(opts.UID)
		defer b.secrets.stop()
	}
	b.start()
	if opts.Glob == nil {
		opts.Glob = filepath.Glob
	}
	p := &parser{rep: rep, env: opts.LookupEnv, trace: opts.Trace, readSrc: opts.ReadFile, emit: b.top, globFn: opts.Glob}
	if !opts.NoSecretChecks {
		p.checkOwner = func(path string) { configFileSafety(p.rep, path, opts.UID) }
	}
	if parallel() && opts.Trace == nil {
		p.split = b
	}
	p.parseFile(path, nil)
	if len(p.files) == 0 {
		return nil, rep
	}
	cfg.Files = p.files
	b.secrets.start()
	b.finish()
	c := &checker{rep: rep, cfg: cfg, opts: &opts, pre: b.secrets, zeroLives: b.zeroLives}
	c.run()
	return cfg, rep
}

// readConfigFile reads a configuration file, refusing what is not a
// regular file (racoon2's rc_safefile).
func readConfigFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errNotRegular
	}
	return os.ReadFile(path)
}

// configFileSafety warns where racoon2's rc_safefile would refuse a
// configuration file: another owner than the daemon's user, or writable
// by group or others. (A warning: --check-config often runs as another
// user than the daemon.)
func configFileSafety(rep *Report, path string, uid int) {
	fi, err := os.Stat(path)
	if err != nil {
		return
	}
	pos := Pos{File: path, Line: 1, Col: 1}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != uid {
		rep.warnf(pos, "%s is owned by uid %d, not %d; racoon2 refuses such a file", path, st.Uid, uid)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		rep.warnf(pos, "%s is writable by group or others (mode %04o)", path, fi.Mode().Perm())
	}
}
