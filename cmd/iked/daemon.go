package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/racoon2go/iked/internal/daemon"
	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/transport"
	"github.com/racoon2go/iked/internal/version"
)

// app is one run of the program: its command line, backends, standard
// streams and signals.
type app struct {
	b              backends
	stdout, stderr io.Writer
	sigs           <-chan os.Signal
}

// run is main without os.Exit; it returns the exit status.
func (a *app) run(args []string) int {
	o, err := parseFlags(args)
	if err != nil {
		fmt.Fprintf(a.stderr, "iked: %v\n", err)
		return 1
	}
	switch {
	case o.help:
		usage(a.stdout)
		return 0
	case o.version:
		fmt.Fprintf(a.stdout, "iked %s (racoon2 compatible; IKEv2, no IKEv1 yet)\n", version.Version)
		return 0
	case o.checkConfig || o.dumpConfig:
		return runCheckConfig(o.configFile, o.dumpConfig, a.stdout, a.stderr)
	}
	if !o.foreground && !daemon.Detached() {
		// The child does the work and tells us whether it started.
		if err := daemon.Detach(); err != nil {
			fmt.Fprintf(a.stderr, "iked: %v\n", err)
			return 1
		}
		return 0
	}
	ready := daemon.ChildNotifier()
	d, err := a.start(o)
	if err != nil {
		ready.Fail(err)
		fmt.Fprintf(a.stderr, "iked: %v\n", err)
		return 1
	}
	ready.Ready()
	return d.serve(a.sigs)
}

// iked is a running daemon.
type iked struct {
	o       *options
	b       backends
	logs    *daemon.Logs
	log     *slog.Logger
	cfg     *config
	loop    *ike.Loop
	cancel  context.CancelFunc
	loopWG  chan struct{}
	disp    *daemon.Dispatcher
	tr      *transport.Transport
	kernel  ike.Kernel
	policy  ike.PolicyService
	spmd    io.Closer   // the spmd client
	closer  []io.Closer // pcap
	capture ike.Capture
	pid     *daemon.Pidfile
	kernWG  chan struct{}
}

// start brings the daemon up in racoon2's order: logging, configuration,
// kernel, spmd, sockets, pidfile, engines. On error everything opened so
// far is closed again.
func (a *app) start(o *options) (_ *iked, err error) {
	d := &iked{o: o, b: a.b}
	level := daemon.LevelInfo
	if o.debug != 0 {
		level = daemon.LevelDebug
	}
	lo := daemon.LogOptions{
		Ident:     "iked",
		Level:     level,
		Syslog:    !o.foreground && o.logFile == "",
		File:      o.logFile,
		AddSource: o.debug&debugTrace != 0,
	}
	if o.verbose {
		lo.Stdout = a.stdout
	}
	if o.foreground {
		lo.Stderr = a.stderr
	}
	if d.logs, err = daemon.NewLogs(lo); err != nil {
		return nil, err
	}
	d.log = d.logs.Logger
	defer func() {
		if err != nil {
			d.log.Error("start-up failed", "err", err)
			d.close()
		}
	}()
	d.log.Info("iked starting", "version", version.Version, "config", o.configFile, "debug", o.debug)
	syscall.Umask(0o022)

	cfg, problems, err := a.b.load(o.configFile, d.configTrace())
	d.logProblems(problems)
	if err != nil {
		return nil, fmt.Errorf("failed reading configuration: %w", err)
	}
	d.cfg = cfg
	d.disp = daemon.NewDispatcher(d.log)
	d.loop = ike.NewLoop(d.disp.Timer, 0)
	if o.debug&debugNoKernel != 0 {
		d.log.Info("debug flag 0x8: PF_KEY and spmd are not used")
	} else {
		if d.kernel, err = a.b.kernel(o.kernel, d.log); err != nil {
			return nil, err
		}
		if err := checkKernel(o.kernel, d.kernel, cfg, d.log); err != nil {
			d.kernel.Close()
			return nil, err
		}
		if d.policy, d.spmd, err = a.b.policy(cfg, d.loop.Post, d.log); err != nil {
			return nil, fmt.Errorf("spmd: %w", err)
		}
	}
	if o.pcapFile != "" {
		if a.b.pcap == nil {
			return nil, errors.New("-P: packet capture is not built into this iked")
		}
		cp, c, err := a.b.pcap(o.pcapFile, d.log)
		if err != nil {
			return nil, fmt.Errorf("-P: %w", err)
		}
		d.capture = cp
		d.closer = append(d.closer, c)
	}

	if d.tr, err = transport.Open(d.transportConfig(cfg)); err != nil {
		return nil, err
	}
	if !o.foreground {
		if d.pid, err = daemon.CreatePidfile(o.pidFile); err != nil {
			return nil, err
		}
	}
	// The engines are made before the loop runs, so that datagrams queued
	// by the sockets meanwhile find them.
	if err := d.makeEngines(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.loopWG = make(chan struct{})
	go func() { d.loop.Run(ctx); close(d.loopWG) }()
	if d.kernel != nil {
		d.kernWG = make(chan struct{})
		go d.kernelEvents()
	}
	d.log.Info("iked started", "pid", os.Getpid(), "sockets", len(d.tr.Bound()), "engines", len(d.disp.Engines()))
	d.initiate()
	return d, nil
}

func (d *iked) transportConfig(cfg *config) transport.Config {
	fam := transport.AnyFamily
	switch {
	case d.o.ipv4:
		fam = transport.IPv4Only
	case d.o.ipv6:
		fam = transport.IPv6Only
	}
	return transport.Config{
		Addrs:  cfg.Listen,
		Port:   d.o.port,
		Family: fam,
		// NAT-T floats from 500 to 4500 (RFC 3947); with another -p port
		// only the configured ports are bound.
		NATT:   cfg.NATT && orDefault(d.o.port, ike.PortIKE) == ike.PortIKE,
		Bypass: cfg.Bypass && d.kernel != nil,
		Log:    d.log,
		Deliver: func(p ike.Packet) {
			d.loop.Post(func() { d.disp.Packet(p) })
		},
	}
}

// configTrace is where the parser trace goes with -D 0x4: the log, at
// debug level, one message per line.
func (d *iked) configTrace() io.Writer {
	if d.o.debug&debugConfig == 0 {
		return nil
	}
	return &lineLogger{log: d.log}
}

type lineLogger struct {
	log *slog.Logger
	buf []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.log.Debug("config: " + string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
}

// logProblems logs a configuration report, one line each.
func (d *iked) logProblems(problems string) {
	sc := bufio.NewScanner(strings.NewReader(problems))
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, "error") {
			d.log.Error(line)
		} else if line != "" {
			d.log.Warn(line)
		}
	}
}

// kernelEvents forwards kernel upcalls to the loop until the kernel closes.
func (d *iked) kernelEvents() {
	defer close(d.kernWG)
	for ev := range d.kernel.Events() {
		if !d.loop.Post(func() { d.disp.KernelEvent(ev) }) {
			return
		}
	}
}

// buildEngines makes the engines for d.cfg on the running loop.
func (d *iked) buildEngines() error {
	var err error
	d.loop.Call(func() { err = d.makeEngines() })
	return err
}

// makeEngines makes the engines for d.cfg; it runs on the loop goroutine,
// or before the loop starts.
func (d *iked) makeEngines() error {
	env := ike.Env{
		Log:       d.log,
		Clock:     d.loop,
		Exec:      d.loop,
		Conn:      d.tr,
		Kernel:    d.kernel,
		Policy:    d.policy,
		Capture:   d.capture,
		Post:      d.loop.Post,
		DestPort:  orDefault(d.o.targetPort, ike.PortIKE),
		LocalPort: orDefault(d.o.port, ike.PortIKE),
	}
	es, err := d.b.engines(d.cfg, env)
	if err != nil {
		return err
	}
	d.disp.SetEngines(es)
	return nil
}

func orDefault(v, def uint16) uint16 {
	if v == 0 {
		return def
	}
	return v
}

// initiate runs -I / -S once the engines exist.
func (d *iked) initiate() {
	peer, sel := d.o.initiatePeer, d.o.initiateSel
	if !peer.IsValid() && sel == "" {
		return
	}
	d.loop.Post(func() {
		if err := d.disp.Initiate(peer, sel); err != nil {
			d.log.Error("immediate initiation failed", "peer", peer, "selector", sel, "err", err)
		}
	})
}

// serve handles signals until SIGINT or SIGTERM, then stops the daemon.
func (d *iked) serve(sigs <-chan os.Signal) int {
	for sig := range sigs {
		switch sig {
		case syscall.SIGUSR1:
			d.status()
		case syscall.SIGHUP:
			d.reload()
		case syscall.SIGINT, syscall.SIGTERM:
			d.log.Log(context.Background(), daemon.LevelNotice, "received "+sigName(sig)+"; exiting")
			d.teardown()
			d.close()
			return 0
		}
	}
	d.close()
	return 0
}

func sigName(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return s.String()
}

// teardown has the engines delete their SAs and tell their peers, and
// waits at most ike.ShutdownGrace for the answers.
func (d *iked) teardown() {
	done := make(chan bool, 1)
	start := time.Now()
	ok := d.loop.Post(func() {
		d.disp.Shutdown(ike.ShutdownGrace, d.loop.Post, func(timedOut bool) { done <- timedOut })
	})
	if !ok {
		return
	}
	select {
	case timedOut := <-done:
		if timedOut {
			d.log.Warn("some peers did not answer the Delete in time", "waited", ike.ShutdownGrace)
		} else {
			d.log.Info("IKE SAs torn down", "took", time.Since(start).Round(time.Millisecond))
		}
	case <-time.After(ike.ShutdownGrace + time.Second):
		d.log.Error("event loop did not finish the teardown; going on")
	}
}

// reload is SIGHUP: teardown, then the new configuration if it is valid,
// else the old one; engines are rebuilt either way.
func (d *iked) reload() {
	d.log.Log(context.Background(), daemon.LevelNotice, "received SIGHUP; reloading the configuration")
	d.teardown()
	if err := d.logs.Reopen(); err != nil {
		d.log.Error("cannot reopen the log file", "err", err)
	}
	cfg, problems, err := d.b.load(d.o.configFile, d.configTrace())
	d.logProblems(problems)
	if err != nil {
		d.log.Error("new configuration rejected; keeping the old one", "err", err)
	} else {
		d.cfg = cfg
		if err := d.tr.Update(d.transportConfig(cfg)); err != nil {
			d.log.Error("sockets not updated", "err", err)
		}
	}
	d.reconnectSpmd()
	if err := d.buildEngines(); err != nil {
		d.log.Error("engines not rebuilt; IKE is idle until the next reload", "err", err)
		d.loop.Call(func() { d.disp.SetEngines(nil) })
		return
	}
	d.log.Info("configuration reloaded", "sockets", len(d.tr.Bound()), "engines", len(d.disp.Engines()))
}

// reconnectSpmd connects to spmd again on SIGHUP, as the manual promises:
// this is how iked finds a restarted spmd.
func (d *iked) reconnectSpmd() {
	if d.kernel == nil { // -D 8
		return
	}
	if d.spmd != nil {
		d.spmd.Close()
	}
	var err error
	if d.policy, d.spmd, err = d.b.policy(d.cfg, d.loop.Post, d.log); err != nil {
		d.policy, d.spmd = nil, nil
		d.log.Error("cannot reconnect to spmd; selectors cannot be resolved until the next SIGHUP", "err", err)
		return
	}
	d.log.Info("reconnected to spmd")
}

// status is SIGUSR1: a dump of the engines and counters, to the log.
func (d *iked) status() {
	var b bytes.Buffer
	d.loop.Call(func() { d.disp.Status(&b) })
	s := &d.tr.Stats
	fmt.Fprintf(&b, "sockets: %v; pending binds: %v\n", d.tr.Bound(), d.tr.Pending())
	fmt.Fprintf(&b, "datagrams: received %d, sent %d, send errors %d, keepalives %d, dropped %d\n",
		s.Received.Load(), s.Sent.Load(), s.SendErrors.Load(), s.Keepalives.Load(), s.Dropped.Load())
	sc := bufio.NewScanner(&b)
	for sc.Scan() {
		d.log.Info("status: " + sc.Text())
	}
}

// close releases everything start opened, in reverse order.
func (d *iked) close() {
	if d.cancel != nil {
		d.cancel()
		<-d.loopWG
	}
	if d.tr != nil {
		d.tr.Close()
	}
	if d.kernel != nil {
		if err := d.kernel.Close(); err != nil {
			d.log.Warn("closing the kernel interface", "err", err)
		}
		if d.kernWG != nil {
			select {
			case <-d.kernWG:
			case <-time.After(time.Second):
				d.log.Warn("kernel interface did not close its event channel")
			}
		}
	}
	if d.spmd != nil {
		d.spmd.Close()
	}
	for _, c := range d.closer {
		if c != nil {
			c.Close()
		}
	}
	if d.pid != nil {
		if err := d.pid.Remove(); err != nil {
			d.log.Warn("pid file not removed", "err", err)
		}
	}
	d.log.Info("iked exiting")
	d.logs.Close()
}
