#!/bin/bash
# Host-side preparation for the interop suite's libreswan peer, run before
# `make interop` (the test bed's guest has no network). Debian's libreswan
# package Conflicts with strongSwan's, so it is not installed: its .deb is
# unpacked to /opt/in-kernel/libreswan (where the test bed's own demo puts
# it) and only the libraries pluto needs are installed, plus the NSS tools
# the suite uses to build pluto's certificate database.
#   test/interop/prepare-libreswan.sh        # idempotent; needs root and apt
set -euo pipefail
LS=${LIBRESWAN_ROOT:-/opt/in-kernel/libreswan}
libs=(libnss3-tools libldns3 libevent-pthreads-2.1-7 libevent-core-2.1-7 libcurl3-nss libunbound8 openssl)
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${libs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi
if [[ -x $LS/usr/libexec/ipsec/pluto ]]; then
	echo "libreswan: $LS ready"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && { apt-get -q -o APT::Sandbox::User=root download libreswan ||
	{ apt-get -q update && apt-get -q -o APT::Sandbox::User=root download libreswan; }; }) >&2
rm -rf "$LS.new" && mkdir -p "$LS.new"
dpkg-deb -x "$tmp"/libreswan_*.deb "$LS.new"
rm -rf "$LS" && mv "$LS.new" "$LS"
echo "libreswan: unpacked $(basename "$tmp"/libreswan_*.deb) to $LS"
