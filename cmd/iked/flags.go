package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/racoon2go/iked/internal/version"
)

// Debug flag bits (-D), as racoon2.
const (
	debugMessages = 0x1 // log debug messages
	debugTrace    = 0x2 // internal trace: source locations in log lines
	debugConfig   = 0x4 // configuration parsing trace
	debugNoKernel = 0x8 // run without PF_KEY and spmd
)

// options are the parsed command line.
type options struct {
	ipv4, ipv6   bool
	debug        int // -D | ((1 << count(-d)) - 1)
	configFile   string
	initiatePeer netip.Addr
	initiateSel  string
	help         bool
	logFile      string
	port         uint16 // 0: default
	targetPort   uint16 // 0: default
	verbose      bool
	foreground   bool
	pcapFile     string
	version      bool
	checkConfig  bool
	dumpConfig   bool
	pidFile      string
	kernel       string
}

const defaultPidfile = "/var/run/iked.pid"

// parseFlags parses args (without the program name). Errors are one line,
// meant to be printed after "iked: ".
func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := pflag.NewFlagSet("iked", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	var dcount int
	var dlevel, port, tport, peer string
	fs.BoolVarP(&o.ipv4, "ipv4", "4", false, "")
	fs.BoolVarP(&o.ipv6, "ipv6", "6", false, "")
	fs.CountVarP(&dcount, "increase-debug", "d", "")
	fs.StringVarP(&dlevel, "debug", "D", "", "")
	fs.StringVarP(&o.configFile, "config-file", "f", version.ConfigPath(), "")
	fs.StringVarP(&peer, "initiate", "I", "", "")
	fs.StringVarP(&o.initiateSel, "initiate-selector", "S", "", "")
	fs.BoolVarP(&o.help, "help", "h", false, "")
	fs.StringVarP(&o.logFile, "logfile", "l", "", "")
	fs.StringVarP(&port, "port", "p", "", "")
	fs.StringVarP(&tport, "targetport", "t", "", "")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "")
	fs.BoolVarP(&o.foreground, "foreground", "F", false, "")
	fs.StringVarP(&o.pcapFile, "pcapfile", "P", "", "")
	fs.BoolVarP(&o.version, "version", "V", false, "")
	fs.BoolVar(&o.checkConfig, "check-config", false, "")
	fs.BoolVar(&o.dumpConfig, "dump-config", false, "")
	fs.StringVar(&o.pidFile, "pidfile", defaultPidfile, "")
	fs.StringVar(&o.kernel, "kernel", "auto", "")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.help || o.version {
		return o, nil
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.ipv4 && o.ipv6 {
		return nil, errors.New("-4 and -6 cannot be used together")
	}
	if dlevel != "" {
		// strtol(3) with base 0, as racoon2: 8, 0x8 and 010 all work.
		n, err := strconv.ParseInt(dlevel, 0, 32)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("-D: debug level %q is not a number", dlevel)
		}
		o.debug = int(n)
	}
	if dcount > 30 {
		dcount = 30
	}
	o.debug |= 1<<dcount - 1
	var err error
	if o.port, err = parsePort("-p", port); err != nil {
		return nil, err
	}
	if o.targetPort, err = parsePort("-t", tport); err != nil {
		return nil, err
	}
	if peer != "" {
		if o.initiatePeer, err = netip.ParseAddr(peer); err != nil {
			return nil, fmt.Errorf("-I: %q is not an IP address", peer)
		}
	}
	if o.initiatePeer.IsValid() && o.initiateSel != "" {
		return nil, errors.New("-I and -S cannot be used together")
	}
	switch o.kernel {
	case "auto", "pfkey", "xfrm":
	default:
		return nil, fmt.Errorf("--kernel: %q is not one of auto, pfkey, xfrm", o.kernel)
	}
	if o.pidFile == "" {
		return nil, errors.New("--pidfile: empty path")
	}
	return o, nil
}

func parsePort(flag, s string) (uint16, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%s: %q is not a port number (1-65535)", flag, s)
	}
	return uint16(n), nil
}

const usageText = `usage: iked [-46dhvFV] [-f configfile] [-l logfile] [-p port] [-t port]
            [-I peer-address | -S selector-index] [-D level] [-P outfile]
            [--check-config] [--dump-config] [--pidfile path]
            [--kernel auto|pfkey|xfrm]
  -4, --ipv4               use IPv4 addresses only for local sockets
  -6, --ipv6               use IPv6 addresses only for local sockets
  -d                       increase the debugging level (repeatable)
  -D, --debug level        debug flags: 0x1 debug messages, 0x2 trace,
                           0x4 configuration trace, 0x8 no PF_KEY and spmd
  -f, --config-file file   configuration file (default %s)
  -I, --initiate addr      initiate to this peer at once
  -S, --initiate-selector index
                           initiate for this selector at once
  -h, --help               show this help
  -l, --logfile file       log to file instead of syslog
  -p, --port port          local IKE port (default 500)
  -t, --targetport port    destination port of initiations (default 500)
  -v, --verbose            also log to standard output
  -F, --foreground         stay in the foreground, log to standard error
  -P, --pcapfile file      record IKE packets in pcap format (+file appends)
  -V, --version            show the version
      --check-config       check the configuration and exit
      --dump-config        check and print the configuration, then exit
      --pidfile path       pid file (default %s)
      --kernel name        IPsec kernel interface (default auto)
`

func usage(w io.Writer) {
	fmt.Fprintf(w, usageText, version.ConfigPath(), defaultPidfile)
}
