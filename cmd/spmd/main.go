// Command spmd is the security policy management daemon (see man/spmd.8):
// it installs the kernel policies racoon2.conf describes and serves the
// spmif socket to iked. This file is the daemon shell; the work is in
// internal/spmd.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/racoon2go/iked/internal/daemon"
	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/spmd"
	"github.com/racoon2go/iked/internal/version"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	o, code, exit := parseFlags(args, stdout, stderr)
	if exit {
		return code
	}
	if o.kill {
		return kill(o.pidfile, stderr)
	}
	var streams io.Writer
	if o.foreground {
		streams = stdout
	}
	logs, err := daemon.NewLogs(daemon.LogOptions{Ident: "spmd", Level: o.slogLevel(), Syslog: true,
		Stdout: streams, AddSource: o.foreground})
	if err != nil {
		fmt.Fprintln(stderr, "spmd:", err)
		return 1
	}
	defer logs.Close()
	log := logs.Logger

	// The configuration is read before detaching, as racoon2 does, so that
	// its errors reach the terminal.
	setup, err := loadConfig(o.config, log)
	if err != nil {
		fmt.Fprintln(stderr, "spmd:", err)
		return 1
	}
	if !o.foreground && !daemon.Detached() {
		if err := daemon.Detach(); err != nil {
			fmt.Fprintln(stderr, "spmd:", err)
			return 1
		}
		return 0
	}
	notify := daemon.ChildNotifier()
	if err := serve(o, setup, log, notify); err != nil {
		log.Log(context.Background(), daemon.LevelCritical, "spmd stopped", "err", err)
		notify.Fail(err)
		return 1
	}
	return 0
}

// serve runs the daemon until a terminating signal. The handlers are in
// place before the first policy is installed, so a SIGTERM during start-up
// still removes what was installed.
func serve(o *options, setup *setup, log *slog.Logger, notify *daemon.Notifier) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT)
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	defer signal.Stop(sigs)

	var pid *daemon.Pidfile
	if !o.foreground {
		var err error
		if pid, err = daemon.CreatePidfile(o.pidfile); err != nil {
			return err
		}
		defer pid.Remove()
	}
	log.Info("Racoon Spmd - Security Policy Management Daemon - Started")
	log.Info("Spmd Version: " + version.Version)

	k, err := openKernel(o.kernel, log)
	if err != nil {
		return err
	}
	defer k.Close()
	go drain(k.Events())

	srv, err := spmd.New(setup.selectors, k, spmd.Options{
		PasswordFile: setup.password,
		Fwd:          runtime.GOOS == "linux",
		Log:          log,
	})
	if err != nil {
		return err
	}
	if err := srv.InstallBoot(); err != nil {
		return err
	}
	listening := 0
	for _, p := range setup.sockets {
		if err := srv.Listen(p); err != nil {
			log.Error("spmif endpoint skipped", "err", err)
			continue
		}
		listening++
	}
	if listening == 0 {
		srv.Flush()
		return errors.New("no usable spmif endpoint (interface { spmd { unix ...; }; })")
	}
	notify.Ready()
	sig := <-sigs
	log.Info("signal received, start exit processing", "signal", sig.String())
	srv.Close()
	if n := srv.Flush(); n > 0 {
		log.Warn("some policies could not be removed", "count", n)
	}
	return nil
}

// drain discards kernel upcalls: spmd asks for none it needs (racoon2's
// spmd REGISTERs and ignores ACQUIRE and EXPIRE too), but the backend must
// not block on a full channel.
func drain(ev <-chan ike.Event) {
	for range ev {
	}
}

// kill sends SIGTERM to the daemon in the pid file (-k). It does not wait.
func kill(path string, stderr io.Writer) int {
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(stderr, "spmd: -k:", err)
		return 1
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		fmt.Fprintf(stderr, "spmd: -k: %s: no process id in it\n", path)
		return 1
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		fmt.Fprintf(stderr, "spmd: -k: pid %d: %v\n", pid, err)
		return 1
	}
	return 0
}
