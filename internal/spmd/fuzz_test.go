package spmd

import (
	"bufio"
	"bytes"
	"log/slog"
	"testing"
	"time"

	"github.com/racoon2go/iked/internal/ike/iketest"
	"github.com/racoon2go/iked/internal/spmdclient"
)

// FuzzHandle feeds arbitrary reads to a logged-in session: spmd must never
// panic, and must always answer with one well-formed reply.
func FuzzHandle(f *testing.F) {
	for _, s := range []string{
		"SLID 8\r\n", "POLICY ADD rw_out 3600 tunnel 10.1.0.0/16 198.51.100.7/32 192.0.2.1 198.51.100.7\r\n",
		"POLICY DELETE tr_out transport 192.0.2.1/-5 192.0.2.3/999\r\n", "POLICY DUMP\r\n",
		"MIGRATE rw_in 1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4\r\n", "FQDN ADD a\r\n", "NS CHANGE x\r\n", "STAT\r\n",
		"POLICY ADD tr_out 18446744073709551615 transport ::/128 ::1/0\n", "LOGIN x\r\n", "\x00\r\n",
	} {
		f.Add([]byte(s))
	}
	k := iketest.NewKernel(0)
	srv := &Server{cfg: NewStaticConfig(testSelectors()), kern: k, table: newTable(),
		opts: Options{Fwd: true, Now: time.Now}, log: discardLog()}
	f.Fuzz(func(t *testing.T, in []byte) {
		ss := &session{loggedIn: true}
		out, _ := srv.handle(ss, in, nil)
		rd := bufio.NewReaderSize(bytes.NewReader(out), spmdclient.MaxReplyLine)
		if _, err := spmdclient.ReadReply(rd, 1<<20); err != nil {
			t.Fatalf("%q: reply %q: %v", in, out, err)
		}
		if rd.Buffered() != 0 {
			t.Fatalf("%q: more than one reply: %q", in, out)
		}
	})
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
