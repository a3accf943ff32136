// Command ikeload opens many IKEv2 SAs against a responder and reports
// what they cost it: the initiator is this project's engine in-process
// (no kernel: it installs nothing), the responder any IKEv2 daemon, whose
// CPU time and memory are read from /proc/PID around the run.
//
//	ikeload -target 127.0.0.1:500 -n 1000 -c 16 -psk secret -pid $(pidof iked)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"time"
)

func main() {
	os.Exit(mainArgs(os.Args[1:], os.Stdout, os.Stderr))
}

func mainArgs(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ikeload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1000, "IKE SAs to open")
	c := fs.Int("c", 16, "negotiations in flight at most")
	target := fs.String("target", "127.0.0.1:500", "responder `addr:port`")
	local := fs.String("local", "", "our source address (default: the route's)")
	pid := fs.Int("pid", 0, "responder process id to measure (0: none)")
	psk := fs.String("psk", "", "pre-shared key (the text, as the responder's key file holds it)")
	pskFile := fs.String("psk-file", "", "read the pre-shared key from this file (exact bytes)")
	group := fs.String("group", "curve25519", "DH group: curve25519, ecp256, modp2048")
	encr := fs.String("encr", "gcm", "IKE SA cipher: gcm (AES-256-GCM) or cbc (AES-128-CBC + HMAC-SHA2-256)")
	idPrefix := fs.String("id-prefix", "ikeload-", "IDi of SA i is the FQDN <prefix><i>")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	settle := fs.Duration("settle", time.Second, "wait before reading the responder's memory")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	verbose := fs.Bool("v", false, "log the engine's events to stderr")
	printConf := fs.String("print-conf", "", "print the responder configuration for `daemon` (iked: racoon2.conf, swanctl: swanctl.conf) for -target and -psk-file, then exit")
	table := fs.Bool("table", false, "print a comparison of NAME=FILE arguments (-json outputs; repeated names are repeated runs, medians are shown) and exit")
	confDir := fs.String("conf-dir", ".", "with -print-conf iked: directory of the spmd files the syntax requires")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *table {
		rows, err := readTable(fs.Args())
		if err != nil {
			fmt.Fprintf(stderr, "ikeload: -table: %v\n", err)
			return 2
		}
		writeTable(stdout, rows)
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ikeload: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	p := Params{N: *n, Concurrency: *c, PID: *pid, Encr: *encr, IDPrefix: *idPrefix,
		Timeout: *timeout, Settle: *settle}
	var err error
	if p.Target, err = netip.ParseAddrPort(*target); err != nil {
		fmt.Fprintf(stderr, "ikeload: -target: %v\n", err)
		return 2
	}
	if *local != "" {
		if p.Local, err = netip.ParseAddr(*local); err != nil {
			fmt.Fprintf(stderr, "ikeload: -local: %v\n", err)
			return 2
		}
	}
	switch {
	case *pskFile != "":
		if p.PSK, err = os.ReadFile(*pskFile); err != nil {
			fmt.Fprintf(stderr, "ikeload: %v\n", err)
			return 2
		}
	case *psk != "":
		p.PSK = []byte(*psk)
	default:
		fmt.Fprintln(stderr, "ikeload: -psk or -psk-file is required")
		return 2
	}
	if *printConf != "" {
		return printConfig(stdout, stderr, *printConf, p.Target.Addr(), *pskFile, p.PSK, *confDir)
	}
	g, ok := groups[strings.ToLower(*group)]
	if !ok {
		fmt.Fprintf(stderr, "ikeload: -group %q: want curve25519, ecp256 or modp2048\n", *group)
		return 2
	}
	p.Group = g
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	p.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, p)
	if err != nil {
		fmt.Fprintf(stderr, "ikeload: %v\n", err)
		return 1
	}
	if *asJSON {
		if err := res.writeJSON(stdout); err != nil {
			fmt.Fprintf(stderr, "ikeload: %v\n", err)
			return 1
		}
	} else {
		res.writeText(stdout)
	}
	if res.Established < res.Requested {
		return 3
	}
	return 0
}

func printConfig(stdout, stderr io.Writer, daemon string, addr netip.Addr, pskFile string, psk []byte, dir string) int {
	var err error
	switch daemon {
	case "iked":
		if pskFile == "" {
			fmt.Fprintln(stderr, "ikeload: -print-conf iked needs -psk-file (racoon2.conf names the key file)")
			return 2
		}
		err = writeIkedConf(stdout, addr, pskFile, dir)
	case "swanctl":
		err = writeSwanctlConf(stdout, addr, psk)
	default:
		fmt.Fprintf(stderr, "ikeload: -print-conf %q: want iked or swanctl\n", daemon)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "ikeload: %v\n", err)
		return 1
	}
	return 0
}
