// Command iked is the IKE key-management daemon (see man/iked.8): the shell
// that reads racoon2.conf, opens the IKE sockets, the kernel and spmd
// connections, and runs the IKE engines on one event loop.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1)
	a := &app{b: defaultBackends(), stdout: os.Stdout, stderr: os.Stderr, sigs: sigs}
	os.Exit(a.run(os.Args[1:]))
}
