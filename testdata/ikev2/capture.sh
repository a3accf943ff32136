#!/bin/bash
# Captures golden IKEv2 messages from two real strongSwan charon daemons for
# the internal/ikev2 codec tests. Not run by the tests; rerun by hand:
#     testdata/ikev2/capture.sh            (from the repository root)
# It re-runs itself inside the in-kernel test bed (../shared/testbed), where
# "left" (10.99.0.1, initiator) and "right" (10.99.0.2, responder) run in
# network namespaces. Three connections are set up one after the other, so
# both cipher families and both kinds of authentication appear on the wire:
#   cbc: proposals aes256-sha256-modp2048, aes128gcm16-prfsha256-x25519
#        (the responder takes the initiator's first: AES-CBC + HMAC)
#   gcm: the same two, in the other order (AES-GCM-16, an AEAD)
#   cert: aes256gcm16-prfsha384-ecp384 first, authenticated with ECDSA P-256
#        certificates from a throwaway CA (CERT, CERTREQ, RFC 7427 AUTH)
# Each Child SA is then rekeyed with PFS (CREATE_CHILD_SA with KE, RFC 7296
# 1.3.3) before the IKE SA is deleted.
# The responder caps its IP datagrams at 200 bytes (charon.fragment_size), so
# its larger responses come back as SKF fragments (RFC 7383).
# tshark writes what the initiator's veth sees to capture.pcapng; the UDP
# payloads become NN-<exchange>-<dir>.bin (the 4-byte non-ESP marker of port
# 4500 stripped). charon logs its IKE SA keys at level 4; they are copied to
# keys.txt so the tests can open the SK payloads.
# in-kernel-apt: strongswan-charon strongswan-swanctl libstrongswan-standard-plugins tshark
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# The test bed sits next to the repository (../shared, as in the Makefile).
testbed=${TESTBED:-$here/../../../shared/testbed}
[[ -x $testbed/in-kernel ]] || testbed=/work/shared/testbed

if [[ ${IN_KERNEL:-} != 1 ]]; then
	out=$(mktemp -d /tmp/ikev2-capture.XXXXXX)
	"$testbed/in-kernel" --timeout 300 -- "$0" "$out"
	cp "$out/capture.pcapng" "$out/left.log" "$here/"
	rm -f "$here"/[0-9][0-9]-*.bin
	# One line per datagram: src port, dst port, UDP payload (hex).
	tshark -r "$here/capture.pcapng" -T fields -e udp.srcport -e udp.dstport -e udp.payload |
		python3 "$here/extract.py" "$here"
	python3 "$here/keys.py" <"$out/left.log" >"$here/keys.txt"
	rm -f "$here/left.log"
	rm -rf "$out"
	ls -l "$here"
	exit 0
fi

out=$1
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
work=$(mktemp -d /tmp/ikev2-cap.XXXXXX)
mount -t tmpfs tmpfs "$work"
pids=()
cleanup() {
	local rc=$?
	set +e
	((rc)) && for f in "$work"/*/charon.log; do [[ -f $f ]] && { echo "--- $f"; tail -n 30 "$f"; }; done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del left 2>/dev/null
	ip netns del right 2>/dev/null
	umount "$work" && rmdir "$work"
	exit $rc
}
trap cleanup EXIT
sw() { # sw SIDE swanctl-args...
	local ns=$1
	shift
	STRONGSWAN_CONF="$work/$ns/strongswan.conf" swanctl "$@" --uri "unix://$work/$ns/charon.vici"
}

ip netns add left
ip netns add right
ip link add vl type veth peer name vr
ip link set vl netns left
ip link set vr netns right
ip -n left addr add 10.99.0.1/24 dev vl
ip -n right addr add 10.99.0.2/24 dev vr
for ns in left right; do ip -n $ns link set lo up; done
ip -n left link set vl up
ip -n right link set vr up

mkconf() { # side local-ip remote-ip local-id remote-id extra-charon-options peer-side
	local d=$work/$1
	mkdir -p "$d/run" "$d/swanctl"
	(cd "$d" && mkdir -p x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12)
	cat >"$d/strongswan.conf" <<CONF
charon {
	load = random nonce aes sha1 sha2 hmac kdf openssl pem pkcs1 pkcs8 x509 constraints pubkey gmp kernel-netlink socket-default vici updown
	install_routes = no
	retransmit_tries = 3
	prefer_configured_proposals = no
	$6
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
	}
	filelog {
		log {
			path = $d/charon.log
			default = 1
			ike = 4
			flush_line = yes
		}
	}
}
swanctl {
	load = random nonce aes sha1 sha2 hmac openssl pem pkcs1 pkcs8 x509 pubkey
	socket = unix://$d/charon.vici
}
CONF
	# Every connection offers all three IKE proposals; the initiator's order
	# decides (prefer_configured_proposals = no).
	local cbc=aes256-sha256-modp2048 gcm=aes128gcm16-prfsha256-x25519 gcm256=aes256gcm16-prfsha384-ecp384
	{
		echo "connections {"
		conn cbc "$cbc,$gcm,$gcm256" psk "$4" "$5" "$2" "$3" ""
		conn gcm "$gcm,$cbc,$gcm256" psk "$4" "$5" "$2" "$3" ""
		conn cert "$gcm256,$cbc,$gcm" pubkey "$1.golden.test" "$7.golden.test" "$2" "$3" "$1.pem"
		cat <<CONF
}
secrets {
	ike-golden {
		id-a = left@golden.test
		id-b = right@golden.test
		secret = "golden-capture-psk-not-secret"
	}
}
CONF
	} >"$d/swanctl.conf"
	cp "$work/ca.pem" "$d/x509ca/"
	cp "$work/$1.pem" "$d/x509/"
	cp "$work/$1.key" "$d/ecdsa/"
}
conn() { # name proposals auth local-id remote-id local-ip remote-ip local-cert
	cat <<CONF
	$1 {
		version = 2
		local_addrs = $6
		remote_addrs = $7
		proposals = $2
		local {
			auth = $3
			id = $4${8:+
			certs = $8}
		}
		remote {
			auth = $3
			id = $5
		}
		children {
			$1 {
				mode = tunnel
				local_ts = $6/32
				remote_ts = $7/32
				esp_proposals = aes128gcm16-x25519,aes128-sha256-modp2048
			}
		}
	}
CONF
}
# An ECDSA P-256 CA and one certificate per side, for the "cert" connection.
pki --gen --type ecdsa --size 256 --outform pem >"$work/ca.key"
pki --self --ca --type ecdsa --in "$work/ca.key" --dn "CN=golden test CA" --outform pem >"$work/ca.pem"
for side in left right; do
	pki --gen --type ecdsa --size 256 --outform pem >"$work/$side.key"
	pki --issue --type priv --in "$work/$side.key" --cacert "$work/ca.pem" --cakey "$work/ca.key" \
		--dn "CN=$side.golden.test" --san "$side.golden.test" --outform pem >"$work/$side.pem"
done
mkconf left 10.99.0.1 10.99.0.2 left@golden.test right@golden.test "" right
mkconf right 10.99.0.2 10.99.0.1 right@golden.test left@golden.test "fragment_size = 200" left

ip netns exec left tshark -q -i vl -f "udp port 500 or udp port 4500" -w "$work/capture.pcapng" >"$work/tshark.log" 2>&1 &
pids+=($!)
for ns in left right; do
	d=$work/$ns
	ip netns exec $ns unshare --mount --propagation private \
		env STRONGSWAN_CONF="$d/strongswan.conf" \
		bash -c 'mount --bind "$1/run" /run && exec /usr/lib/ipsec/charon' _ "$d" \
		>"$d/charon.stdout" 2>&1 &
	pids+=($!)
done
for ns in left right; do
	for i in $(seq 100); do [[ -S $work/$ns/charon.vici ]] && break; sleep 0.1; done
	sw $ns --load-all --file "$work/$ns/swanctl.conf"
done
for i in $(seq 100); do grep -q -i capturing "$work/tshark.log" 2>/dev/null && break; sleep 0.1; done

for c in cbc gcm cert; do
	sw left --initiate --ike $c --child $c --timeout 20 | grep -E 'established|installed|failed'
	sw left --rekey --child $c
	sleep 2 # the rekey runs asynchronously
	sw left --terminate --ike $c --timeout 20 | grep -E 'deleted|failed' || true
done
sleep 1
kill -INT "${pids[0]}"
wait "${pids[0]}" || true
cp "$work/capture.pcapng" "$out/"
cp "$work/left/charon.log" "$out/left.log"
