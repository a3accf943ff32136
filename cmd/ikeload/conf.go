package main

import (
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"strconv"
)

// writeIkedConf writes a racoon2.conf for iked as ikeload's responder on
// addr: one remote accepting any address and any ID (verify_id off) with
// the PSK in pskPath, every proposal ikeload can make, a transport-mode
// policy covering the initiators' addresses for ICMP only (with a kernel,
// spmd's policies then never catch the IKE traffic itself), and an IKE SA lifetime long
// enough that nothing expires during a run. dir holds spmd's socket and
// password file (iked -D 8 uses neither; with a kernel, spmd installs the
// policy from the same file).
func writeIkedConf(w io.Writer, addr netip.Addr, pskPath, dir string) error {
	peers := netip.MustParsePrefix("0.0.0.0/0")
	switch {
	case addr.Is4() && addr.IsLoopback():
		peers = netip.MustParsePrefix("127.0.0.0/8")
	case addr.Is6():
		peers = netip.MustParsePrefix("::/0")
	}
	_, err := fmt.Fprintf(w, `interface {
	ike { %[1]s; };
	spmd { unix "%[4]s"; };
	spmd_password "%[5]s";
};
resolver { resolver off; };
remote load {
	acceptable_kmp { ikev2; };
	ikev2 {
		my_id fqdn "responder.ikeload";
		peers_ipaddr IP_ANY;
		verify_id off;
		passive on;
		kmp_enc_alg { aes256_gcm_16; aes128_cbc; };
		kmp_prf_alg { hmac_sha2_256; };
		kmp_hash_alg { hmac_sha2_256; };
		kmp_dh_group { curve25519; ecp256; modp2048; };
		kmp_auth_method { psk; };
		pre_shared_key "%[3]s";
		kmp_sa_lifetime_time infinite;
	};
};
selector out {
	direction outbound;
	src %[1]s;
	dst %[2]s;
	upper_layer_protocol "icmp";
	policy_index pol;
};
selector in {
	direction inbound;
	src %[2]s;
	dst %[1]s;
	upper_layer_protocol "icmp";
	policy_index pol;
};
policy pol {
	action auto_ipsec;
	remote_index load;
	ipsec_mode transport;
	ipsec_level require;
	ipsec_index { ipsec_esp; };
};
ipsec ipsec_esp { sa_index esp_sa; ipsec_sa_lifetime_time 86400 sec; };
sa esp_sa { sa_protocol esp; esp_enc_alg { aes128_cbc; }; esp_auth_alg { hmac_sha2_256; }; };
`, addr, peers, pskPath, filepath.Join(dir, "spmif"), filepath.Join(dir, "spmd.pwd"))
	return err
}

// writeSwanctlConf writes the swanctl.conf of strongSwan as the same
// responder: one connection for any peer with the PSK, the same
// proposals, no rekeying, a transport-mode child for ICMP (as iked's)
// that is never started by charon itself.
func writeSwanctlConf(w io.Writer, addr netip.Addr, psk []byte) error {
	_, err := fmt.Fprintf(w, `connections {
	load {
		version = 2
		local_addrs = %s
		proposals = aes256gcm16-prfsha256-curve25519,aes128-sha256-curve25519,aes256gcm16-prfsha256-ecp256,aes128-sha256-ecp256,aes256gcm16-prfsha256-modp2048,aes128-sha256-modp2048
		rekey_time = 0
		reauth_time = 0
		local {
			auth = psk
			id = responder.ikeload
		}
		remote {
			auth = psk
		}
		children {
			load {
				mode = transport
				local_ts = dynamic[icmp]
				remote_ts = dynamic[icmp]
				esp_proposals = aes128-sha256
				start_action = none
				rekey_time = 0
			}
		}
	}
}
secrets {
	ike-load {
		secret = %s
	}
}
`, addr, swanctlString(psk))
	return err
}

// swanctlString quotes a secret for swanctl.conf; a secret that is not
// printable ASCII goes as 0x hex, which swanctl also takes.
func swanctlString(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return "0x" + fmt.Sprintf("%x", b)
		}
	}
	return strconv.Quote(string(b))
}
