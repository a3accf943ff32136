package main

import (
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"

	"github.com/spf13/pflag"

	"github.com/racoon2go/iked/internal/daemon"
	"github.com/racoon2go/iked/internal/kernel"
	"github.com/racoon2go/iked/internal/version"
)

// DefaultPidfile is racoon2's spmd pid file.
const DefaultPidfile = "/var/run/spmd.pid"

// options is spmd's command line (racoon2 spmd/main.c, reference 9.1).
type options struct {
	config     string
	foreground bool
	level      int // racoon2 debug level: 7 plus -d and -D, 1..10
	kill       bool
	kernel     string
	pidfile    string
}

const usage = `usage: spmd [-dFhkV] [-D level] [-f file] [--kernel auto|pfkey|xfrm] [--pidfile file]
	-f, --config-file FILE  read FILE (default %s)
	-F, --foreground        stay in the foreground, log to stdout too, no pid file
	-d, --debug             raise the log level by one (up to three times)
	-D, --DEBUG N           raise the log level by N
	-k, --kill              send SIGTERM to the running spmd
	-V, --version           print the version and exit
	-h, --help              print this help and exit
	    --kernel BACKEND    kernel interface: auto, pfkey or xfrm (default auto)
	    --pidfile FILE      pid file (default %s)
`

// parseFlags returns the options, or exit=true with the status to exit with.
func parseFlags(args []string, stdout, stderr io.Writer) (o *options, code int, exit bool) {
	if versionFirst(args) {
		fmt.Fprintln(stderr, "Version: "+version.Version)
		return nil, 0, true
	}
	o = &options{}
	fs := pflag.NewFlagSet("spmd", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVarP(&o.config, "config-file", "f", version.ConfigPath(), "")
	fs.BoolVarP(&o.foreground, "foreground", "F", false, "")
	debug := fs.CountP("debug", "d", "")
	debugN := fs.StringP("DEBUG", "D", "", "")
	fs.BoolVarP(&o.kill, "kill", "k", false, "")
	fs.BoolP("version", "V", false, "")
	help := fs.BoolP("help", "h", false, "")
	fs.StringP("p", "p", "", "") // in racoon2's option string, but unhandled: usage
	fs.StringVar(&o.kernel, "kernel", "auto", "")
	fs.StringVar(&o.pidfile, "pidfile", DefaultPidfile, "")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintln(stderr, "spmd:", err)
		fmt.Fprintf(stderr, usage, version.ConfigPath(), DefaultPidfile)
		return nil, 1, true
	}
	if *help || fs.Changed("p") {
		fmt.Fprintf(stdout, usage, version.ConfigPath(), DefaultPidfile)
		return nil, 0, true
	}
	o.level = 7 + *debug
	if fs.Changed("DEBUG") {
		o.level += atoi(*debugN)
	}
	if o.level < 1 || o.level > 10 {
		fmt.Fprintf(stderr, "[INTERNAL_ERR]: Debug level %d out of range: it starts at 7 and must stay within 1..10\n", o.level)
		fmt.Fprintf(stderr, usage, version.ConfigPath(), DefaultPidfile)
		return nil, 1, true
	}
	if _, err := kernel.Resolve(o.kernel, runtime.GOOS); err != nil {
		fmt.Fprintln(stderr, "spmd:", err)
		return nil, 1, true
	}
	return o, 0, false
}

// versionFirst reports whether -V comes before anything that would stop
// racoon2's getopt loop: -V prints at once and the rest is not looked at.
func versionFirst(args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return false
		case a == "--version":
			return true
		case a == "--config-file" || a == "--DEBUG" || a == "--kernel" || a == "--pidfile":
			i++ // its value
		case strings.HasPrefix(a, "--") || !strings.HasPrefix(a, "-"):
		default:
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'V':
					return true
				case 'f', 'D', 'p':
					if j == len(a)-1 {
						i++ // the value is the next argument
					}
					j = len(a) // the rest of this one is the value
				}
			}
		}
	}
	return false
}

// atoi is C's atoi, as racoon2 reads -D: leading digits with a sign, junk
// is 0.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	v := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9' && v < 1000; i++ {
		v = v*10 + int(s[i]-'0')
	}
	if neg {
		return -v
	}
	return v
}

// slogLevel maps racoon2's debug level (1 CRIT ... 7 INFO, 8+ DEBUG).
func (o *options) slogLevel() slog.Level {
	switch {
	case o.level >= 8:
		return daemon.LevelDebug
	case o.level == 7:
		return daemon.LevelInfo
	case o.level == 6:
		return daemon.LevelNotice
	case o.level >= 3:
		return daemon.LevelWarning
	case o.level == 2:
		return daemon.LevelError
	}
	return daemon.LevelCritical
}
