package spmd

import (
	"testing"

	"github.com/racoon2go/iked/internal/spmdclient"
)

// BenchmarkSLIDRoundTrip: one SLID from iked's client through our server
// over the unix socket, callback included (what each ACQUIRE costs).
func BenchmarkSLIDRoundTrip(b *testing.B) {
	e := newEnvB(b)
	if err := e.srv.InstallBoot(); err != nil {
		b.Fatal(err)
	}
	c := spmdclient.New(spmdclient.Config{Paths: []string{e.path}, PasswordFile: e.pwfile})
	c.Start()
	defer c.Close()
	done := make(chan string, 1)
	id := uint32(atoi(e.srv.Policies()[0][1]))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.SLID(id, func(s string, err error) { done <- s })
		if s := <-done; s == "" {
			b.Fatal("SLID failed")
		}
	}
}

// BenchmarkHandleSLID is the server's share: parse, look up, format.
func BenchmarkHandleSLID(b *testing.B) {
	e := newEnvB(b)
	if err := e.srv.InstallBoot(); err != nil {
		b.Fatal(err)
	}
	in := []byte("SLID " + e.srv.Policies()[0][1] + "\r\n")
	ss := &session{loggedIn: true}
	out := make([]byte, 0, 64)
	b.ReportAllocs()
	for range b.N {
		out, _ = e.srv.handle(ss, in, out[:0])
	}
}
