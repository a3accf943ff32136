#!/bin/sh
# loadcompare.sh: iked and strongSwan's charon as IKEv2 responders under the
# same load, in one run: bin/ikeload opens N IKE SAs (PSK, one CHILD_SA
# each) against each daemon in turn and reads the daemon's CPU time and
# memory from /proc; the table at the end gives both and their ratio.
#
#   scripts/loadcompare.sh [-k] [-n 1000] [-w 200] [-c 16] [-g curve25519] [-e gcm] [-r 1]
#
# -n SAs per run, -w SAs opened first and not measured (warm-up: thread
# arenas, heap growth of a fresh process), -c negotiations in flight,
# -g DH group (curve25519, ecp256, modp2048), -e IKE cipher (gcm, cbc),
# -r rounds (daemons alternate, each round a fresh process; the table
# shows medians). Needs root: everything runs in a
# private network namespace (its own loopback, ports 500/4500 free) and a
# private mount namespace (charon writes /var/run/charon.pid).
#
# Kernel SAs, default: neither daemon installs any. iked runs with -D 8
# (no PF_KEY, no spmd). charon must load a kernel-ipsec plugin;
# kernel-netlink is loaded, and as this kernel has no ESP, charon's
# CHILD_SA installation fails after the full IKE_AUTH exchange (the IKE SA
# is kept, the child is not): strongSwan's memory per SA is then WITHOUT a
# child, which favours strongSwan. The table's children column shows it.
#
# -k runs everything in the in-kernel test bed (User-Mode Linux, a kernel
# with XFRM and ESP): both daemons install every CHILD_SA in the kernel
# (iked --kernel xfrm with spmd, charon with kernel-netlink), so both hold
# a child per IKE SA; but UML makes every system call very expensive,
# which inflates CPU figures (most for the process making more calls).
set -eu

N=1000 WARM=200 C=16 GROUP=curve25519 ENCR=gcm ROUNDS=1 KERNEL=${LOADCOMPARE_KERNEL:-}
while getopts kn:w:c:g:e:r: o; do
	case $o in
	k) KERNEL=1 ;;
	n) N=$OPTARG ;;
	w) WARM=$OPTARG ;;
	c) C=$OPTARG ;;
	g) GROUP=$OPTARG ;;
	e) ENCR=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	*) sed -n '2,28s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHARON=${CHARON:-/usr/lib/ipsec/charon}
PSK="ikeload comparison key"

if [ -z "${LOADCOMPARE_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "loadcompare: needs root (network namespace)" >&2; exit 2; }
	for p in "$CHARON" "$(command -v swanctl || echo swanctl)" "$(command -v unshare || echo unshare)"; do
		[ -x "$p" ] || { echo "loadcompare: $p not found" >&2; exit 2; }
	done
	(cd "$ROOT" && make -s build && go build -o bin/ikeload ./cmd/ikeload)
	export LOADCOMPARE_INNER=1
	if [ -n "$KERNEL" ]; then
		if [ -z "${IN_KERNEL:-}" ]; then
			IN_KERNEL=$ROOT/../shared/testbed/in-kernel
			[ -x "$IN_KERNEL" ] || IN_KERNEL=/work/shared/testbed/in-kernel
		fi
		export LOADCOMPARE_KERNEL=1
		cd "$ROOT"
		exec "$IN_KERNEL" --timeout 3000 --mem 1G -- sh "$ROOT/scripts/loadcompare.sh" "$@"
	fi
	exec unshare -n -m sh "$ROOT/scripts/loadcompare.sh" "$@"
fi

ip link set lo up
mount -t tmpfs tmpfs /run
W=$(mktemp -d /tmp/loadcompare.XXXXXX)
IKELOAD="$ROOT/bin/ikeload"
printf '%s' "$PSK" > "$W/psk"
printf 'spmd-password-%s' "$$" > "$W/spmd.pwd"
chmod 600 "$W/psk" "$W/spmd.pwd"
"$IKELOAD" -print-conf iked -target 127.0.0.1:500 -psk-file "$W/psk" -conf-dir "$W" > "$W/racoon2.conf"
"$IKELOAD" -print-conf swanctl -target 127.0.0.1:500 -psk-file "$W/psk" > "$W/swanctl.conf"
chmod 600 "$W/racoon2.conf"
cat > "$W/strongswan.conf" <<EOC
charon {
	load = random nonce openssl kdf pem pkcs1 x509 pubkey kernel-netlink socket-default vici
	install_routes = no
	# one initiator address: lift the per-IP half-open block (default 5)
	# and cookies (per IP from 3 half-open by default; iked asks for
	# none below 20 half-open, and -c stays below)
	block_threshold = 100000
	cookie_threshold = 100000
	cookie_threshold_ip = 100000
	# strongSwan's advice for many SAs: a hashed IKE SA table (the
	# default is one bucket, a list searched for every message)
	ikesa_table_size = 4096
	ikesa_table_segments = 16
	plugins {
		vici {
			socket = unix://$W/charon.vici
		}
	}
	filelog {
		log {
			path = $W/charon.log
			default = 1
		}
	}
}
EOC
export STRONGSWAN_CONF="$W/strongswan.conf"

waitfor() { # seconds, command...
	t=$1; shift
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt $((t * 10)) ] || return 1
		sleep 0.1
	done
}

load() { # name round pid
	if [ "$WARM" -gt 0 ]; then
		"$IKELOAD" -n "$WARM" -c "$C" -group "$GROUP" -encr "$ENCR" -target 127.0.0.1:500 \
			-local 127.0.0.2 -psk-file "$W/psk" -id-prefix "w$2-" -timeout 10m > "$W/$1.$2.warm" || true
	fi
	echo "$1 round $2: loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
	"$IKELOAD" -json -n "$N" -c "$C" -group "$GROUP" -encr "$ENCR" -target 127.0.0.1:500 \
		-local 127.0.0.2 -psk-file "$W/psk" -id-prefix "r$2-" -pid "$3" -timeout 10m > "$W/$1.$2.json" || true
	"$IKELOAD" -table "$1=$W/$1.$2.json" | sed 's/^/  /'
	RUNS="$RUNS $1=$W/$1.$2.json"
}

kernel_sas() {
	[ -n "$KERNEL" ] || return 0
	echo "  kernel: $(ip xfrm state | grep -c '^src') SAs, $(ip xfrm policy | grep -c '^src') policies"
}

run_iked() {
	if [ -n "$KERNEL" ]; then
		"$ROOT/bin/spmd" -F -f "$W/racoon2.conf" --kernel xfrm --pidfile "$W/spmd.pid" > "$W/spmd.$1.log" 2>&1 &
		spid=$!
		waitfor 10 test -S "$W/spmif" || { cat "$W/spmd.$1.log" >&2; exit 1; }
		"$ROOT/bin/iked" -F --kernel xfrm -f "$W/racoon2.conf" --pidfile "$W/iked.pid" 2> "$W/iked.$1.log" &
	else
		"$ROOT/bin/iked" -F -D 8 -f "$W/racoon2.conf" --pidfile "$W/iked.pid" 2> "$W/iked.$1.log" &
	fi
	pid=$!
	waitfor 10 grep -q "iked started" "$W/iked.$1.log" || { cat "$W/iked.$1.log" >&2; exit 1; }
	load iked "$1" $pid
	echo "  iked logged $(grep -c 'IKE SA established role=responder' "$W/iked.$1.log") responder SAs (warm-up included)"
	kernel_sas
	kill $pid; wait $pid || true
	if [ -n "$KERNEL" ]; then
		kill $spid; wait $spid || true
		ip xfrm state flush; ip xfrm policy flush
	fi
}

run_charon() {
	rm -f "$W/charon.vici"
	"$CHARON" 2> "$W/charon.$1.err" &
	pid=$!
	waitfor 10 test -S "$W/charon.vici" || { cat "$W/charon.$1.err" >&2; exit 1; }
	swanctl --load-all --file "$W/swanctl.conf" --uri "unix://$W/charon.vici" > "$W/swanctl.$1.out" 2>&1
	load strongswan "$1" $pid
	echo "  charon lists $(swanctl --list-sas --uri "unix://$W/charon.vici" 2>/dev/null | grep -c ESTABLISHED) IKE SAs (warm-up included)"
	kernel_sas
	kill $pid; wait $pid || true
	[ -z "$KERNEL" ] || { ip xfrm state flush; ip xfrm policy flush; }
}

echo "loadcompare: kernel=${KERNEL:-none} $(uname -r) n=$N warm-up=$WARM c=$C group=$GROUP encr=$ENCR rounds=$ROUNDS cores=$(nproc) dir=$W"
echo "iked $("$ROOT/bin/iked" -V 2>&1 | head -1); $("$CHARON" --version 2>&1 | head -1 || echo charon)"
RUNS=
r=1
while [ $r -le "$ROUNDS" ]; do
	run_iked $r
	run_charon $r
	r=$((r + 1))
done
echo
# shellcheck disable=SC2086
"$IKELOAD" -table $RUNS
