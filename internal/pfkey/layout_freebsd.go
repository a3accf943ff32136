package pfkey

var native = freebsdLayout
