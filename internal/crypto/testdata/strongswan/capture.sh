#!/usr/bin/env bash
# Regenerates the strongSwan key derivation logs used by
# keymat_strongswan_test.go. Run on the host:
#   /work/shared/testbed/in-kernel -- ./capture.sh OUTDIR NAME IKE_PROPOSAL ESP_PROPOSAL
# Two charon daemons (netns left/right) bring up an IKEv2 PSK SA with a
# Child SA, then rekey the Child SA (PFS when ESP_PROPOSAL has a DH group)
# and the IKE SA. The initiator logs IKE and CHD at level 4, which includes
# the DH secret, SKEYSEED, every SK_* and the Child SA keys; OUTDIR/NAME.log
# keeps those lines and the AUTH octets. The stored logs came from:
#   capture.sh OUT cbc-x25519 aes128-sha256-x25519 aes128-sha256-x25519
#   capture.sh OUT gcm-ecp384 aes256gcm16-prfsha384-ecp384 aes256gcm16-ecp384
#   capture.sh OUT xcbc-modp2048 aes192-aesxcbc-prfaesxcbc-modp2048 aes192-aesxcbc-modp2048
#
# With AUTH=pubkey the peers authenticate with the certificates in keys/
# (LEFT and RIGHT name them: rsa, p256, p384, ed) and CHARON_EXTRA adds
# strongswan.conf options (rsa_pss = yes, signature_authentication = no);
# the IKE_AUTH plaintexts then carry both AUTH payloads.
set -euo pipefail
[[ ${IN_KERNEL:-} == 1 ]] || { echo "run inside the test bed" >&2; exit 2; }
out=$1 name=$2 ike=$3 esp=$4
auth=${AUTH:-psk} extra=${CHARON_EXTRA:-}
keys=$(cd "$(dirname "$0")" && pwd)/keys
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
work=$(mktemp -d /tmp/sskm.XXXXXX)
mount -t tmpfs tmpfs "$work"
pids=()
cleanup() {
	local rc=$?
	set +e
	((rc)) && for f in "$work"/*/charon.log; do echo "--- $f"; grep -E "\[(IKE|CFG|LIB)\]" "$f" | grep -v "=>\|^ *[0-9]*\[...\] *[0-9]*:" | tail -n 15; done
	for p in "${pids[@]}"; do kill "$p"; wait "$p"; done 2>/dev/null
	ip netns del left 2>/dev/null
	ip netns del right 2>/dev/null
	umount "$work" && rmdir "$work"
}
trap cleanup EXIT
sw() { local ns=$1; shift; STRONGSWAN_CONF="$work/$ns/strongswan.conf" swanctl "$@" --uri "unix://$work/$ns/charon.vici"; }

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

mkconf() { # side local remote local-id remote-id [own-key peer-key]
	local d=$work/$1
	mkdir -p "$d/run" "$d/swanctl"
	(cd "$d/swanctl" && mkdir -p x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12)
	local certs="" peercerts=""
	if [[ $auth == pubkey ]]; then
		cp "$keys/$6.key" "$d/swanctl/private/"
		cp "$keys/$6.crt" "$d/swanctl/x509/"
		cp "$keys/$7.crt" "$d/swanctl/x509/"
		certs="certs = $6.crt"
		peercerts="certs = $7.crt"
	fi
	cat >"$d/strongswan.conf" <<EOC
charon {
	load = random nonce aes sha1 sha2 hmac xcbc gcm kdf openssl curve25519 gmp pem pkcs1 pkcs8 x509 revocation constraints pubkey kernel-netlink socket-default vici
	install_routes = no
	$extra
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
			chd = 4
			enc = 4
			flush_line = yes
		}
	}
}
swanctl {
	socket = unix://$d/charon.vici
}
EOC
	cat >"$d/swanctl/swanctl.conf" <<EOC
connections {
	kdf {
		version = 2
		local_addrs = $2
		remote_addrs = $3
		proposals = $ike
		local {
			auth = $auth
			id = $4
			$certs
		}
		remote {
			auth = $auth
			id = $5
			$peercerts
		}
		children {
			net {
				local_ts = $2/32
				remote_ts = $3/32
				esp_proposals = $esp
			}
		}
	}
}
secrets {
	ike-kdf {
		id-a = left@test
		id-b = right@test
		secret = "keymat-check-psk-0123456789"
	}
}
EOC
}
if [[ $auth == pubkey ]]; then
	mkconf left 10.99.0.1 10.99.0.2 "$LEFT.test" "$RIGHT.test" "$LEFT" "$RIGHT"
	mkconf right 10.99.0.2 10.99.0.1 "$RIGHT.test" "$LEFT.test" "$RIGHT" "$LEFT"
else
	mkconf left 10.99.0.1 10.99.0.2 left@test right@test
	mkconf right 10.99.0.2 10.99.0.1 right@test left@test
fi
for ns in left right; do
	d=$work/$ns
	ip netns exec $ns unshare --mount --propagation private \
		env STRONGSWAN_CONF="$d/strongswan.conf" \
		bash -c 'mount --bind "$1/run" /run && exec /usr/lib/ipsec/charon' _ "$d" >"$d/stdout" 2>&1 &
	pids+=($!)
done
for ns in left right; do
	for _ in $(seq 100); do [[ -S $work/$ns/charon.vici ]] && break; sleep 0.1; done
	sw $ns --load-all --file "$work/$ns/swanctl/swanctl.conf" >/dev/null
done
sw left --initiate --child net --timeout 20 >/dev/null
sw left --rekey --child net >/dev/null
sleep 1
sw left --rekey --ike kdf >/dev/null
sleep 1
sw left --list-sas
mkdir -p "$out"
# Keep the key material dumps, the SK plaintexts (the rekey's nonces and
# SPIs are only there) and the exchange summaries.
awk '
BEGIN {
	n = split("shared Diffie Hellman secret|SKEYSEED|Sk_d secret|Sk_ai secret|Sk_ar secret|Sk_ei secret|Sk_er secret|Sk_pi secret|Sk_pr secret|IDx\x27|octets = message + nonce + prf(Sk_px, IDx\x27)|AUTH = prf(prf(secret, keypad), octets)|DH secret|seed|encryption initiator key|encryption responder key|integrity initiator key|integrity responder key|plain", w, "|")
	for (i = 1; i <= n; i++) want[w[i]] = 1
}
/^[0-9]+\[[A-Z]+\] +[0-9]+: [0-9A-F][0-9A-F] / { if (cont) print; next }
{ cont = 0 }
/ => [0-9]+ bytes @ / {
	l = $0
	sub(/^[0-9]+\[[A-Z]+\] /, "", l)
	sub(/ => [0-9]+ bytes @ .*/, "", l)
	if (l in want) { print; cont = 1 }
	next
}
/\[ENC\] (generating|parsed) [A-Z_]+ (request|response) / { print }
' "$work/left/charon.log" >"$out/$name.log"
