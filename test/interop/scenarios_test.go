//go:build linux

package interop

import "strings"

// Roles of iked in a case.
const (
	roleAcquire  = "initiator-acquire" // a kernel ACQUIRE starts the negotiation
	roleInitiate = "initiator-I"       // iked -I peer at start-up
	roleRespond  = "responder"         // the peer initiates
)

var roles = []string{roleAcquire, roleInitiate, roleRespond}

// Peers.
const (
	peerStrongSwan = "strongswan"
	peerLibreswan  = "libreswan"
)

var peers = []string{peerStrongSwan, peerLibreswan}

// algs names one algorithm in iked's racoon2.conf keyword, strongSwan's
// proposal keyword and libreswan's ike=/esp= keyword.
type algs struct{ iked, swan, lsw string }

var (
	dhMODP2048   = algs{"modp2048", "modp2048", "modp2048"}
	dhCurve25519 = algs{"curve25519", "x25519", "dh31"}
	dhECP256     = algs{"ecp256", "ecp256", "dh19"}

	espAESCBC   = algs{"aes128_cbc", "aes128-sha256", "aes128-sha2_256"}
	espAESGCM   = algs{"aes128_gcm_16", "aes128gcm16", "aes_gcm128"}
	espChaCha20 = algs{"chacha20_poly1305", "chacha20poly1305", "chacha20_poly1305"}
)

// scenario is one row group of the matrix.
type scenario struct {
	name    string // stable key in the results file
	title   string // the matrix's row label
	v6      bool
	mode    string // "tunnel" or "transport"
	auth    string // "psk", "rsa" or "ecdsa"
	dh      algs
	esp     algs
	wantEnc string // the kernel algorithm name the ESP SAs must show
	nat     bool
	cp      bool
	rw      bool   // iked's policy is IP_RW with no lease: spmd's policy comes from iked's POLICY ADD
	rebind  bool   // the NAT changes its public address under the road warrior's SAs
	rekey   string // "", "child" or "ike"
	noPFS   bool   // no need_pfs in iked's remote (rekeys learn PFS from the peer)
	sigterm bool
	// fragSize is ike_frag_size in iked's racoon2.conf and the peer's
	// fragment size (RFC 7383); 0 leaves both at their defaults and does
	// not check fragmentation.
	fragSize int
	// skip gives the reason a peer or role does not apply ("" if it does).
	skip func(peer, role string) string
}

var scenarios = []*scenario{
	{name: "psk-tunnel-ipv4", title: "PSK, tunnel, AES-CBC + HMAC-SHA2-256, MODP-2048, IPv4",
		mode: "tunnel", auth: "psk", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)"},
	{name: "psk-transport-ipv6", title: "PSK, transport, IPv6",
		v6: true, mode: "transport", auth: "psk", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)"},
	{name: "cert-rsa", title: "RSA certificates, CERT/CERTREQ both ways",
		mode: "tunnel", auth: "rsa", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)"},
	{name: "cert-ecdsa", title: "ECDSA (P-256) certificates, CERT/CERTREQ both ways",
		mode: "tunnel", auth: "ecdsa", dh: dhECP256, esp: espAESCBC, wantEnc: "cbc(aes)"},
	{name: "esp-aes-gcm-x25519", title: "ESP AES-GCM-16 (XFRM), IKE Curve25519",
		mode: "tunnel", auth: "psk", dh: dhCurve25519, esp: espAESGCM, wantEnc: "rfc4106(gcm(aes))"},
	{name: "esp-chacha20-ecp256", title: "ESP ChaCha20-Poly1305 (XFRM), IKE ECP-256",
		mode: "tunnel", auth: "psk", dh: dhECP256, esp: espChaCha20, wantEnc: "rfc7539esp(chacha20,poly1305)"},
	{name: "rekey-child", title: "CHILD_SA rekey (10 s lifetime), traffic across it",
		mode: "tunnel", auth: "psk", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)", rekey: "child"},
	{name: "rekey-child-learn-pfs", title: "CHILD_SA rekey without need_pfs: iked adds PFS when the peer refuses a rekey without (libreswan's pfs=yes)",
		mode: "tunnel", auth: "psk", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)", rekey: "child", noPFS: true},
	{name: "rekey-ike", title: "IKE SA rekey (10 s lifetime), traffic across it",
		mode: "tunnel", auth: "psk", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)", rekey: "ike"},
	{name: "nat-t", title: "NAT (masquerading router namespace) between the peers, ESP in UDP 4500",
		mode: "tunnel", auth: "psk", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)", nat: true},
	{name: "config-payload", title: "Configuration payload: iked leases an address to a road warrior",
		mode: "tunnel", auth: "psk", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)", cp: true,
		skip: func(peer, role string) string {
			if role != roleRespond {
				return "iked is the gateway: the road-warrior client initiates"
			}
			return ""
		}},
	{name: "rw-nat", title: "Road warrior behind NAT without configuration payload: IP_RW dynamic policy (racoon2 5.4 (b)), child rekey",
		mode: "tunnel", auth: "psk", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)", nat: true, rw: true, rekey: "child",
		skip: func(peer, role string) string {
			if role != roleRespond {
				return "iked is the gateway: the road warrior behind the NAT initiates"
			}
			return ""
		}},
	{name: "rw-nat-rebind", title: "Road warrior's NAT changes its public address: the IP_RW dynamic policy follows the peer (RFC 7296 2.23)",
		mode: "tunnel", auth: "psk", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)", nat: true, rw: true, rebind: true,
		skip: func(peer, role string) string {
			if role != roleRespond {
				return "iked is the gateway: the road warrior behind the NAT initiates"
			}
			return ""
		}},
	{name: "ike-frag", title: "IKE fragmentation (RFC 7383): RSA certificates, ike_frag_size 576 on both sides",
		mode: "tunnel", auth: "rsa", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)", fragSize: 576},
	{name: "sigterm-delete", title: "SIGTERM on iked: the peer sees the Delete and removes its SAs",
		mode: "tunnel", auth: "psk", dh: dhMODP2048, esp: espAESCBC, wantEnc: "cbc(aes)", sigterm: true},
}

// knownFailure is a case known to fail: pattern is "scenario/peer/role"
// with "*" wildcards, why the diagnosis shown in the matrix.
type knownFailure struct{ pattern, why string }

// expectFail lists the cases known to fail. Every other case that is not
// skipped must pass: a failure there fails `make interop`. Set from what
// actually passes.
var expectFail = []knownFailure{
	// Empty: the child rekey with iked as IKE responder (child keys ordered
	// by the IKE SA's initiator, RFC 7296 2.17) and libreswan's IPv4+IPv6
	// configuration request (RFC 7296 3.15.4) were fixed in the engine.
}

// expected reports whether a case must pass, and if not, why.
func expected(sc, peer, role string) (bool, string) {
	for _, k := range expectFail {
		f := strings.Split(k.pattern, "/")
		if len(f) == 3 && match(f[0], sc) && match(f[1], peer) && match(f[2], role) {
			return false, k.why
		}
	}
	return true, ""
}

func match(pat, s string) bool { return pat == "*" || pat == s }
