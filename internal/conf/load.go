package conf

import (
	"io"
	"net/netip"
	"os"
)

// Options tunes Load. The zero value is usable except for UID, where -1
// means the effective uid.
type Options struct {
	// LookupEnv resolves $[VAR]; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Addrs lists the host's addresses for MY_IPV6_GLOBAL,
	// MY_IPV6_LINKLOCAL and MY_IP%iface; nil means the host's interfaces.
	Addrs func() ([]IfaceAddr, error)
	// Trace receives the parse trace (iked -D 0x4); nil: none.
	Trace io.Writer
	// UID is the owner secret files must have; -1 means os.Geteuid().
	UID int
	// ReadFile reads configuration files; nil means os.ReadFile. Tests
	// and the fuzz target use it to stay off the disk.
	ReadFile func(string) ([]byte, error)
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
	p := &parser{rep: rep, env: opts.LookupEnv, trace: opts.Trace, readSrc: opts.ReadFile}
	nodes := p.parseFile(path, nil)
	if len(p.files) == 0 {
		return nil, rep
	}
	cfg := &Config{Files: p.files}
	b := &builder{rep: rep, env: opts.LookupEnv, cfg: cfg, once: map[string]Pos{}}
	b.build(nodes)
	c := &checker{rep: rep, cfg: cfg, opts: &opts}
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
