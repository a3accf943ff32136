package transport

import (
	"testing"

	"golang.org/x/sys/unix"
)

// The OS-neutral framing, given Linux's size_t length, agrees with
// x/sys/unix's CMSG_LEN/CMSG_SPACE here, which checks cmsgLayout itself.
func TestCmsgLayoutMatchesLinux(t *testing.T) {
	l := cmsgLayout{lenSize: 8, align: 8}
	for _, n := range []int{0, 1, 4, 12, 20, 33} {
		if l.hdrLen()+n != unix.CmsgLen(n) || l.space(n) != unix.CmsgSpace(n) {
			t.Errorf("%d: len %d space %d, x/sys %d %d", n, l.hdrLen()+n, l.space(n), unix.CmsgLen(n), unix.CmsgSpace(n))
		}
	}
	b := l.appendCmsg(nil, unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, make([]byte, unix.SizeofInet6Pktinfo))
	msgs, err := unix.ParseSocketControlMessage(b)
	if err != nil || len(msgs) != 1 || msgs[0].Header.Type != unix.IPV6_PKTINFO || len(msgs[0].Data) != unix.SizeofInet6Pktinfo {
		t.Fatalf("x/sys reads %+v %v", msgs, err)
	}
}
