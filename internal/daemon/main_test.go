package daemon_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sys/unix"

	"github.com/racoon2go/iked/internal/daemon"
)

// detachChildEnv makes the test binary act as the child that Detach
// starts: "ok" reports readiness, "fail" a start-up error, "hang" nothing.
const detachChildEnv = "DAEMON_TEST_DETACH_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(detachChildEnv); mode != "" {
		os.Exit(detachChild(mode))
	}
	goleak.VerifyTestMain(m)
}

func detachChild(mode string) int {
	n := daemon.ChildNotifier()
	if n == nil || os.Getenv(daemon.DetachEnv) != "" {
		return 3 // not started by Detach, or the marker leaked to children
	}
	sid, _ := unix.Getsid(0)
	if sid != os.Getpid() {
		n.Fail(errors.New("not a session leader"))
		return 1
	}
	switch mode {
	case "ok":
		n.Ready()
		return 0
	case "die":
		return 7
	case "fail":
		n.Fail(errors.New("pid file locked\nby someone"))
		return 1
	}
	time.Sleep(2 * time.Second)
	return 0
}

func TestDetachReady(t *testing.T) {
	t.Setenv(detachChildEnv, "ok")
	if err := daemon.Detach(); err != nil {
		t.Fatal(err)
	}
}

// A failure in the child becomes the parent's error, on one line.
func TestDetachChildFails(t *testing.T) {
	t.Setenv(detachChildEnv, "fail")
	err := daemon.Detach()
	if err == nil || err.Error() != "pid file locked; by someone" {
		t.Fatalf("got %v", err)
	}
}

func TestDetachTimeout(t *testing.T) {
	t.Setenv(detachChildEnv, "hang")
	old := daemon.ReadyTimeout
	daemon.ReadyTimeout = 200 * time.Millisecond
	defer func() { daemon.ReadyTimeout = old }()
	err := daemon.Detach()
	if err == nil || !strings.Contains(err.Error(), "did not finish starting") {
		t.Fatalf("got %v", err)
	}
}

func TestDetachChildDies(t *testing.T) {
	t.Setenv(detachChildEnv, "die")
	err := daemon.Detach()
	if err == nil || err.Error() != "daemon exited during start-up: exit status 7" {
		t.Fatalf("got %v", err)
	}
}
