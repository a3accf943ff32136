package conf

// reserved lists racoon2's reserved words (cftoken.l of the 2020 tree). An
// unquoted word equal to one of them is a keyword, never a string, so a
// section named "esp" must be quoted. Algorithm names are added from the
// algorithm table, including our extensions, by init.
var reserved = map[string]bool{}

var reservedWords = []string{
	// values and units
	"on", "off", "enable", "disable", "yes", "no", "infinite",
	"sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes",
	"hour", "hours", "day", "days", "B", "byte", "bytes", "KB", "MB", "GB",
	// top level
	"include", "setval", "default",
	// interface
	"interface", "ike", "kink", "spmd", "spmd_password", "application_bypass", "unix", "port",
	// resolver
	"resolver", "nameserver", "dns_query",
	// remote
	"remote", "ikev1", "ikev2", "selector_index", "acceptable_kmp",
	"logmode", "debug", "normal", "logfile", "passive", "use_coa",
	"peers_ipaddr", "peers_kmp_port", "verify_id", "verify_pubkey", "send_cert",
	"send_cert_req", "nonce_size", "initial_contact", "support_proxy", "nat_traversal",
	"require_config_payload", "application_version", "request", "provide",
	"ip4", "ip6", "ip", "ip4_dns", "ip6_dns", "ip4_dhcp", "ip6_dhcp", "dns", "dhcp",
	"mip6_home_prefix", "max_ip4_alloc", "max_ip6_alloc",
	"script", "phase1_up", "phase1_down", "phase1_rekey", "phase2_up", "phase2_down",
	"phase2_rekey", "ike_sa_up", "ike_sa_down", "ike_sa_rekey", "child_up", "child_down",
	"child_rekey", "migration",
	"my_id", "peers_id", "ipaddr", "email", "fqdn", "keyid", "x509_subject", "file", "tag",
	"selector_check", "proposal_check", "obey", "strict", "claim", "exact",
	"random_pad_content", "random_padlen", "max_padlen",
	"max_retry_to_send", "interval_to_send", "times_per_send",
	"kmp_sa_lifetime_time", "kmp_sa_lifetime_byte", "kmp_sa_nego_time_limit",
	"kmp_sa_grace_period", "ipsec_sa_nego_time_limit",
	"kmp_enc_alg", "kmp_hash_alg", "kmp_prf_alg", "kmp_auth_method", "kmp_dh_group",
	"exchange_mode", "main", "aggressive", "base", "my_gssapi_id",
	"dpd", "dpd_delay", "dpd_retry", "dpd_maxfail",
	"cookie_required", "send_peers_id", "my_principal", "peers_principal",
	"ike_frag_size", // extension: RFC 7383 fragment size
	"need_pfs", "my_public_key", "peers_public_key", "x509pem", "pkcs12", "ascii",
	"pre_shared_key", "mobility_role", "agent", "mobile", "correspondent",
	// selector
	"selector", "order", "direction", "outbound", "inbound", "src", "dst",
	"upper_layer_protocol", "next_header_including", "tagged", "policy_index", "reqid",
	// policy
	"policy", "action", "auto_ipsec", "static_ipsec", "discard", "none", "bypass",
	"install", "remote_index", "ipsec_index", "ipsec_mode", "transport", "tunnel",
	// ipsec
	"ipsec", "my_sa_ipaddr", "peers_sa_ipaddr", "ipsec_sa_lifetime_time",
	"ipsec_sa_lifetime_byte", "ext_sequence", "sa_index", "ipsec_level",
	"unique", "require", "use",
	// sa
	"sa", "esp_enc_alg", "esp_auth_alg", "ah_auth_alg", "ipcomp_alg", "spi",
	"sa_protocol", "esp", "ah", "ipcomp",
	"addresspool",
}

func init() {
	for _, w := range reservedWords {
		reserved[w] = true
	}
	for _, a := range algorithms {
		reserved[a.Name] = true
	}
	for w := range reserved {
		maxKeywordLen = max(maxKeywordLen, len(w))
		kwInsert(w)
	}
	for i := range algorithms {
		slot, _ := kwSlot(algorithms[i].Name)
		kwAlg[slot] = &algorithms[i]
	}
}

// kwAlg holds the algorithm table entry of each kwTable slot that is an
// algorithm name: Algorithm.Info asks for every entry of every list.
var kwAlg [len(kwTable)]*AlgInfo

// kwTable is an open-addressing set of the reserved words. Its hash is
// one multiply-add per byte, so the lexer computes it while it scans a
// word; the table is sparse, so most other words miss at the first slot
// without a string comparison.
var kwTable [2048]string

const kwMask = uint32(len(kwTable) - 1)

// kwStep adds byte c to hash h.
func kwStep(h uint32, c byte) uint32 { return h*31 + uint32(c) }

func kwHash(s string) uint32 {
	var h uint32
	for i := 0; i < len(s); i++ {
		h = kwStep(h, s[i])
	}
	return h
}

func kwStart(h uint32) uint32 { return (h ^ h>>11) & kwMask }

func kwInsert(w string) {
	for i := kwStart(kwHash(w)); ; i = (i + 1) & kwMask {
		if kwTable[i] == "" {
			kwTable[i] = w
			return
		}
	}
}

// isReserved reports whether s is a reserved word.
func isReserved(s string) bool {
	_, ok := kwSlot(s)
	return ok
}

// kwSlot finds s in kwTable.
func kwSlot(s string) (uint32, bool) {
	if len(s) == 0 || len(s) > maxKeywordLen {
		return 0, false
	}
	return kwFind(s, kwHash(s))
}

// kwFind finds s, whose hash is h, in kwTable.
func kwFind(s string, h uint32) (uint32, bool) {
	for i := kwStart(h); ; i = (i + 1) & kwMask {
		switch kwTable[i] {
		case "":
			return 0, false
		case s:
			return i, true
		}
	}
}

// algInfo is algByName through kwTable.
func algInfo(name string) *AlgInfo {
	if slot, ok := kwSlot(name); ok {
		return kwAlg[slot]
	}
	return nil
}

// maxKeywordLen lets the lexer skip the map for long words.
var maxKeywordLen int
