//go:build !linux && !freebsd && !netbsd

package pfkey

// Other systems get the KAME layout for the codec; the socket is absent.
var native = freebsdLayout
