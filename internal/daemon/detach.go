package daemon

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// DetachEnv marks the re-executed child; its value is the number of the
// file descriptor on which the child reports readiness.
const DetachEnv = "RACOON2GO_DETACHED"

// Detached reports whether this process is the child started by Detach.
func Detached() bool { return os.Getenv(DetachEnv) != "" }

// Detach puts the program in the background the only way Go can: it starts
// itself again in a new session (setsid) with the standard streams on
// /dev/null, and waits for the child to call Ready or Fail. In the parent
// it returns nil once the child is ready (the caller then exits 0) or the
// child's failure message; in the child it must not be called.
func Detach() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("detach: %w", err)
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("detach: %w", err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("detach: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), DetachEnv+"=3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return fmt.Errorf("detach: %w", err)
	}
	line, rerr := bufio.NewReader(r).ReadString('\n')
	line = strings.TrimSuffix(line, "\n")
	if rerr == nil && line == "ok" {
		cmd.Process.Release()
		return nil
	}
	// The child failed or died before it was ready: reap it and say why.
	werr := cmd.Wait()
	if msg, ok := strings.CutPrefix(line, "error "); ok {
		return errors.New(msg)
	}
	if rerr != nil && rerr != io.EOF {
		return fmt.Errorf("detach: %w", rerr)
	}
	return fmt.Errorf("daemon exited during start-up: %v", werr)
}

// Notifier is the child's end of the readiness pipe.
type Notifier struct{ f *os.File }

// ChildNotifier returns the readiness pipe of a child started by Detach, or
// nil when this process was not started that way. It also removes DetachEnv
// from the environment so that programs we start do not inherit it.
func ChildNotifier() *Notifier {
	v := os.Getenv(DetachEnv)
	if v != "3" {
		return nil
	}
	os.Unsetenv(DetachEnv)
	return &Notifier{f: os.NewFile(3, "readiness")}
}

// Ready tells the parent that start-up succeeded.
func (n *Notifier) Ready() { n.send("ok") }

// Fail tells the parent why start-up failed; the parent prints it.
func (n *Notifier) Fail(err error) {
	n.send("error " + strings.ReplaceAll(err.Error(), "\n", "; "))
}

func (n *Notifier) send(line string) {
	if n == nil || n.f == nil {
		return
	}
	n.f.WriteString(line + "\n")
	n.f.Close()
	n.f = nil
}
