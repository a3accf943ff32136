package conf

import (
	"strings"
	"testing"
)

const rwTestConf = `
interface { ike { 192.0.2.2 port 500; }; spmd { unix "/tmp/spmif"; }; spmd_password "/tmp/pw"; };
remote rw {
	acceptable_kmp { ikev2; };
	ikev2 {
		my_id fqdn "gw.example";
		peers_id fqdn "rw.example";
		peers_ipaddr IP_RW;
		kmp_enc_alg { aes128_cbc; };
		kmp_prf_alg { hmac_sha1; };
		kmp_hash_alg { hmac_sha1; };
		kmp_dh_group { modp2048; };
		kmp_auth_method { psk; };
		pre_shared_key "/keys/psk";
	};
};
remote other {
	acceptable_kmp { ikev2; };
	ikev2 {
		my_id fqdn "gw.example";
		peers_id fqdn "other.example";
		peers_ipaddr 192.0.2.9;
		kmp_enc_alg { aes128_cbc; };
		kmp_prf_alg { hmac_sha1; };
		kmp_hash_alg { hmac_sha1; };
		kmp_dh_group { modp2048; };
		kmp_auth_method { psk; };
		pre_shared_key "/keys/psk";
	};
};
selector rw_out {
	direction outbound;
	src 10.2.0.0/16;
	dst 10.1.0.0/16;
	policy_index rw_pol;
};
INBOUND
policy rw_pol {
	action auto_ipsec;
	remote_index rw;
	ipsec_mode tunnel;
	ipsec_index { ipsec_esp; };
	ENDPOINTS
};
policy other_pol {
	action auto_ipsec;
	remote_index other;
	ipsec_mode tunnel;
	ipsec_index { ipsec_esp; };
};
ipsec ipsec_esp { ipsec_sa_lifetime_time 3600 sec; sa_index esp_sa; };
sa esp_sa { sa_protocol esp; esp_enc_alg { aes128_cbc; }; esp_auth_alg { hmac_sha1; }; };
`

// racoon2 5.4 (b), 1.4 policy{}, 9.3.2: a selector is announced by iked
// (ChildConfig.DynamicPolicy) when its policy has an IP_RW tunnel endpoint
// and an inbound selector of the same remote has its addresses swapped
// (ChildConfig.ReverseSelector, also named in iked's POLICY DELETE).
func TestIKEConfigDynamicPolicy(t *testing.T) {
	const in = `selector rw_in { direction inbound; src 10.1.0.0/16; dst 10.2.0.0/16; policy_index rw_pol; };`
	for _, tc := range []struct {
		name, endpoints, inbound string
		want                     bool
		reverse                  string
	}{
		{"peers_sa_ipaddr IP_RW", `peers_sa_ipaddr IP_RW; my_sa_ipaddr 192.0.2.2;`, in, true, "rw_in"},
		{"my_sa_ipaddr IP_RW", `my_sa_ipaddr IP_RW; peers_sa_ipaddr 192.0.2.1;`, in, true, "rw_in"},
		{"numeric endpoints", `peers_sa_ipaddr 192.0.2.1; my_sa_ipaddr 192.0.2.2;`, in, false, "rw_in"},
		{"no endpoints", ``, in, false, "rw_in"},
		{"no inbound selector", `peers_sa_ipaddr IP_RW;`, ``, false, ""},
		{"inbound not swapped", `peers_sa_ipaddr IP_RW;`,
			`selector rw_in { direction inbound; src 10.1.0.0/24; dst 10.2.0.0/16; policy_index rw_pol; };`, false, ""},
		{"inbound of another remote", `peers_sa_ipaddr IP_RW;`,
			`selector rw_in { direction inbound; src 10.1.0.0/16; dst 10.2.0.0/16; policy_index other_pol; };`, false, ""},
		{"outbound mirror only", `peers_sa_ipaddr IP_RW;`,
			`selector rw_back { direction outbound; src 10.1.0.0/16; dst 10.2.0.0/16; policy_index rw_pol; };`, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.NewReplacer("INBOUND", tc.inbound, "ENDPOINTS", tc.endpoints).Replace(rwTestConf)
			_, ic := loadIKE(t, text)
			ch := ic.ChildBySelector("rw_out")
			if ch == nil {
				t.Fatal("selector rw_out missing")
			}
			if ch.DynamicPolicy != tc.want || ch.ReverseSelector != tc.reverse {
				t.Fatalf("DynamicPolicy %v reverse %q, want %v %q", ch.DynamicPolicy, ch.ReverseSelector, tc.want, tc.reverse)
			}
			if ch.SAPeer.IsValid() && tc.want && strings.Contains(tc.endpoints, "peers_sa_ipaddr IP_RW") {
				t.Fatalf("IP_RW became an address: %v", ch.SAPeer)
			}
		})
	}
}
