#!/usr/bin/env bash
# Fails when a package imports something its layer must not (GUIDE.md,
# "Dependency direction"). Module-level rules look at all dependencies; the
# "no I/O" rules for the engines look at direct imports only (crypto/x509
# itself imports net, and that is fine).
set -euo pipefail
mod=github.com/racoon2go/iked
fail=0
rule() { # mode (deps|imports), package, forbidden regexes...
	local mode=$1 pkg=$2; shift 2
	[ -d "${pkg#$mod/}" ] || return 0
	local list
	if [ "$mode" = deps ]; then
		list=$(go list -deps "$pkg") || { echo "deps-check: cannot list $pkg"; fail=1; return; }
	else
		list=$(go list -f '{{join .Imports "\n"}}' "$pkg") || { fail=1; return; }
	fi
	list=$(grep -vx "$pkg" <<<"$list" || true)
	for re in "$@"; do
		local bad
		bad=$(grep -E "^($re)$" <<<"$list" || true)
		if [ -n "$bad" ]; then
			echo "deps-check: $pkg must not import: $(tr '\n' ' ' <<<"$bad")"
			fail=1
		fi
	done
}
others() { # every internal package except the ones named
	local keep="$*" out=""
	for p in ike ikev1 ikev2 crypto conf pfkey xfrm spmd spmdclient pcap; do
		[[ " $keep " == *" $p "* ]] || out+="|$mod/internal/$p(/.*)?"
	done
	echo "${out#|}"
}
rule deps $mod/internal/ike "$(others ike)" 'github\.com/.*' 'golang\.org/x/.*'
rule deps $mod/internal/crypto "$mod/.*"
for v in ikev1 ikev2; do
	rule deps $mod/internal/$v "$(others ike crypto $v)"
	rule imports $mod/internal/$v 'net' 'os' 'os/exec' 'syscall' 'golang\.org/x/sys/.*'
done
rule deps $mod/internal/conf "$(others conf ike crypto)"
rule deps $mod/internal/pfkey "$(others pfkey ike)"
rule deps $mod/internal/xfrm "$(others xfrm ike)"
rule deps $mod/internal/spmdclient "$(others spmdclient ike)"
rule deps $mod/internal/spmd "$(others spmd spmdclient ike conf crypto pfkey xfrm)"
rule deps $mod/internal/pcap "$(others pcap ike)"
[ $fail = 0 ] && echo "deps-check: ok"
exit $fail
