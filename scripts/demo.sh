#!/bin/bash
# make demo: two iked (with spmd) in two network namespaces bring up an IKEv2
# PSK tunnel (AES-CBC + HMAC-SHA2-256, MODP-2048), ping across it and show the
# SAs. The kernel needs ESP and XFRM; where it lacks them (CONFIG_INET_ESP or
# CONFIG_XFRM_USER off, as in many VMs) the script re-runs itself inside the
# in-kernel test bed (../shared/testbed/in-kernel, or $IN_KERNEL).
#
#   scripts/demo.sh            # builds bin/iked and bin/spmd first
# in-kernel-apt: iproute2 iputils-ping
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# kernel_ok: this kernel can carry ESP and we may create namespaces.
kernel_ok() {
	[[ $(id -u) == 0 ]] || return 1
	[[ -e /proc/net/xfrm_stat ]] || return 1
	# esp4 is built in or loaded, or loadable now.
	grep -qw esp4 /proc/modules 2>/dev/null || [[ -d /sys/module/esp4 ]] || modprobe -q esp4 2>/dev/null || return 1
	ip netns add iked-demo-probe 2>/dev/null || return 1
	ip netns del iked-demo-probe
}

if [[ ${IKED_DEMO_INNER:-} != 1 ]]; then
	# make demo has built them already (with the version stamped in).
	if [[ ${IN_KERNEL:-} != 1 && -z ${MAKELEVEL:-} ]]; then
		mkdir -p bin
		for c in iked spmd; do
			go build -trimpath -o "bin/$c" "./cmd/$c"
		done
	fi
	if ! kernel_ok; then
		tb=${IN_KERNEL_BIN:-$(cd "$root/.." && pwd)/shared/testbed/in-kernel}
		[[ -x $tb ]] || tb=/work/shared/testbed/in-kernel
		if [[ ${IN_KERNEL:-} == 1 || ! -x $tb ]]; then
			echo "demo: this kernel lacks ESP/XFRM and no test bed was found (set IN_KERNEL_BIN)" >&2
			exit 1
		fi
		echo "demo: this kernel lacks ESP/XFRM (or we are not root): running inside $tb"
		exec "$tb" --timeout 120 -- env IKED_DEMO_INNER=1 "$root/scripts/demo.sh"
	fi
fi

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
t0=$EPOCHREALTIME
step() { awk -v a="$t0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN{printf "\n=== [%6.2fs] %s\n", b-a, m}'; }

work=$(mktemp -d /tmp/iked-demo.XXXXXX)
pids=()
cleanup() {
	local rc=$?
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	if ((rc)); then
		for f in "$work"/*/*.log; do
			[[ -f $f ]] && { echo "--- $f"; tail -n 60 "$f"; }
		done
	fi
	ip netns del iked-a 2>/dev/null
	ip netns del iked-b 2>/dev/null
	rm -rf "$work"
	exit $rc
}
trap cleanup EXIT

step "network namespaces iked-a (10.77.0.1) and iked-b (10.77.0.2), one veth pair"
ip netns add iked-a
ip netns add iked-b
ip link add va type veth peer name vb
ip link set va netns iked-a
ip link set vb netns iked-b
ip -n iked-a addr add 10.77.0.1/24 dev va
ip -n iked-b addr add 10.77.0.2/24 dev vb
for ns in iked-a iked-b; do ip -n $ns link set lo up; done
ip -n iked-a link set va up
ip -n iked-b link set vb up

# conf SIDE MY PEER: racoon2.conf for one side, read by both iked and spmd.
conf() {
	local d=$work/$1
	mkdir -p -m 700 "$d"
	printf 'demo pre-shared key 0123456789' >"$d/psk"
	printf 'spmif password\n' >"$d/spmd.pwd"
	chmod 600 "$d/psk" "$d/spmd.pwd"
	cat >"$d/racoon2.conf" <<EOF
interface {
	ike { $2 port 500; };
	spmd { unix "$d/spmif"; };
	spmd_password "$d/spmd.pwd";
};
remote peer {
	acceptable_kmp { ikev2; };
	ikev2 {
		my_id ipaddr $2;
		peers_id ipaddr $3;
		peers_ipaddr $3 port 500;
		kmp_enc_alg { aes128_cbc; };
		kmp_prf_alg { hmac_sha2_256; };
		kmp_hash_alg { hmac_sha2_256; };
		kmp_dh_group { modp2048; };
		kmp_auth_method { psk; };
		pre_shared_key "$d/psk";
	};
};
selector out { direction outbound; src $2; dst $3; policy_index tun; };
selector in { direction inbound; src $3; dst $2; policy_index tun; };
policy tun {
	action auto_ipsec;
	remote_index peer;
	ipsec_mode tunnel;
	ipsec_index { esp_tun; };
	ipsec_level require;
	my_sa_ipaddr $2;
	peers_sa_ipaddr $3;
};
ipsec esp_tun { ipsec_sa_lifetime_time 1 hour; sa_index esp_sa; };
sa esp_sa { sa_protocol esp; esp_enc_alg { aes128_cbc; }; esp_auth_alg { hmac_sha2_256; }; };
EOF
}
conf a 10.77.0.1 10.77.0.2
conf b 10.77.0.2 10.77.0.1

step "spmd and iked in each namespace (same racoon2.conf for both daemons)"
for s in a b; do
	d=$work/$s
	ip netns exec iked-$s "$root/bin/spmd" -F -f "$d/racoon2.conf" --pidfile "$d/spmd.pid" >"$d/spmd.log" 2>&1 &
	pids+=($!)
done
for s in a b; do
	d=$work/$s
	for i in $(seq 100); do [[ -S $d/spmif ]] && break; sleep 0.1; done
	[[ -S $d/spmif ]] || { echo "spmd ($s) did not open $d/spmif"; exit 1; }
	ip netns exec iked-$s "$root/bin/iked" -F -d -f "$d/racoon2.conf" --pidfile "$d/iked.pid" >"$d/iked.log" 2>&1 &
	pids+=($!)
done
for s in a b; do
	for i in $(seq 100); do grep -q 'iked started' "$work/$s/iked.log" && break; sleep 0.1; done
done
ip -n iked-a xfrm policy

step "ping 10.77.0.1 -> 10.77.0.2: the first packet triggers a kernel ACQUIRE, iked negotiates"
ip netns exec iked-a ping -c 1 -W 1 10.77.0.2 >/dev/null 2>&1 || true
for i in $(seq 100); do [[ $(ip -n iked-a xfrm state | grep -c '^src') -ge 2 ]] && break; sleep 0.1; done
ip netns exec iked-a ping -c 5 -i 0.2 -W 2 10.77.0.2

step "SAs in iked-a (ip -s xfrm state)"
ip -n iked-a -s xfrm state
grep -E 'IKE SA established|CHILD_SA installed' "$work"/a/iked.log "$work"/b/iked.log | sed "s|$work/||"

pk=$(ip -n iked-b -s xfrm state | awk '/lifetime current:/{getline; gsub(/\(packets\)/,""); split($0,a,","); s+=a[2]} END{print s+0}')
if ((pk >= 5)); then
	step "PASS: iked <-> iked ESP tunnel up; iked-b's SAs counted $pk packets"
else
	echo "FAIL: iked-b's ESP SAs counted $pk packets"
	exit 1
fi
