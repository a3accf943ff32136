package pfkey

var native = netbsdLayout
