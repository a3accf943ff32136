package pfkey

var native = linuxLayout
