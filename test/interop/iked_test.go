//go:build linux

package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	shortWait = 10 * time.Second
	ikedID    = "iked.example"
	peerID    = "peer.example"
	sharedKey = "interop pre-shared key 0123456789"
	poolFirst = "10.99.200.10"
	poolLast  = "10.99.200.20"
)

// ikedSide is spmd and iked running from one racoon2.conf.
type ikedSide struct {
	spmd, iked *daemon
	conf       string
}

// host prefix length for a selector address.
func hostPrefix(addr string) string {
	if strings.Contains(addr, ":") {
		return addr + "/128"
	}
	return addr + "/32"
}

// ikedConf writes iked's racoon2.conf for the case.
func (c *caseRun) ikedConf(tp *topo, certs *pki) string {
	sc, me := c.sc, tp.iked
	d := filepath.Join(c.dir, "iked")
	if err := os.MkdirAll(d, 0o700); err != nil {
		c.fail("%v", err)
	}
	writeFile(c, d+"/psk", sharedKey, 0o600)
	writeFile(c, d+"/spmd.pwd", "spmif password for the interop suite\n", 0o600)
	var auth string
	switch sc.auth {
	case "psk":
		auth = fmt.Sprintf("kmp_auth_method { psk; };\n\t\tpre_shared_key %q;", d+"/psk")
	default:
		auth = fmt.Sprintf("kmp_auth_method { rsasig; };\n\t\tmy_public_key x509pem %q %q;\n\t\tpeers_public_key x509pem %q \"\";",
			certs.ikedCert, certs.ikedKey, certs.caCert)
	}
	ikeLife, espLife, extra := "8 hours", "1 hour", ""
	switch sc.rekey {
	case "ike":
		ikeLife = "10 sec"
	case "child":
		espLife = "10 sec"
	}
	if sc.rekey != "" && !sc.noPFS {
		// A DH exchange in every CREATE_CHILD_SA, as libreswan's default
		// pfs=yes requires (strongSwan is offered both).
		extra += "need_pfs on;"
	}
	peersAddr := me.target + " port 500"
	peersSA := me.target
	local, remote := hostPrefix(me.addr), hostPrefix(me.inner)
	if sc.cp || sc.rw {
		// A road warrior: any address, and the tunnel endpoint is wherever
		// its IKE SA comes from (the NAT's public address).
		peersAddr, peersSA = "IP_RW", "IP_RW"
	}
	if sc.fragSize > 0 {
		extra += fmt.Sprintf("ike_frag_size %d;", sc.fragSize)
	}
	if sc.cp {
		extra += "provide { addresspool rw_pool; };"
		remote = "10.99.200.0/24"
	}
	espAuth := "esp_auth_alg { hmac_sha2_256; };"
	if sc.esp != espAESCBC {
		espAuth = ""
	}
	saAddrs := fmt.Sprintf("my_sa_ipaddr %s;\n\tpeers_sa_ipaddr %s;", me.addr, peersSA)
	if sc.mode == "transport" {
		saAddrs = ""
	}
	conf := fmt.Sprintf(`# iked side of interop case %s/%s/%s
interface {
	ike { %s; };
	spmd { unix "%s/spmif"; };
	spmd_password "%s/spmd.pwd";
};
remote peer {
	acceptable_kmp { ikev2; };
	ikev2 {
		my_id fqdn "%s";
		peers_id fqdn "%s";
		peers_ipaddr %s;
		kmp_enc_alg { aes128_cbc; };
		kmp_prf_alg { hmac_sha2_256; };
		kmp_hash_alg { hmac_sha2_256; };
		kmp_dh_group { %s; };
		%s
		kmp_sa_lifetime_time %s;
		nat_traversal on;
		%s
	};
};
selector out { direction outbound; src %s; dst %s; policy_index pol; };
selector in { direction inbound; src %s; dst %s; policy_index pol; };
policy pol {
	action auto_ipsec;
	remote_index peer;
	ipsec_mode %s;
	ipsec_index { ips; };
	ipsec_level require;
	%s
};
ipsec ips { ipsec_sa_lifetime_time %s; sa_index esp_sa; };
sa esp_sa { sa_protocol esp; esp_enc_alg { %s; }; %s };
`, sc.name, c.peer, c.role, me.addr, d, d, ikedID, peerID, peersAddr, sc.dh.iked, auth, ikeLife, extra,
		local, remote, remote, local, sc.mode, saAddrs, espLife, sc.esp.iked, espAuth)
	if sc.cp {
		conf += fmt.Sprintf("addresspool rw_pool { %s - %s; };\n", poolFirst, poolLast)
	}
	writeFile(c, d+"/racoon2.conf", conf, 0o600)
	return d + "/racoon2.conf"
}

// startIked starts spmd, then iked (with -I for the -I role), both in
// iked's namespace and from the same racoon2.conf.
func (c *caseRun) startIked(e *env, tp *topo, certs *pki) *ikedSide {
	conf := c.ikedConf(tp, certs)
	d := filepath.Dir(conf)
	c.addLogFile("racoon2.conf (iked side)", conf)
	s := &ikedSide{conf: conf}
	s.spmd = c.startDaemon("spmd", d+"/spmd.log", nil, "ip", "netns", "exec", tp.iked.ns,
		e.spmd, "-F", "-d", "-f", conf, "--pidfile", d+"/spmd.pid")
	c.addLogFile("spmd -F -d", d+"/spmd.log")
	if !waitFor(shortWait, func() bool { _, err := os.Stat(d + "/spmif"); return err == nil || s.spmd.exited() }) || s.spmd.exited() {
		c.fail("spmd did not open its spmif socket")
	}
	args := []string{"ip", "netns", "exec", tp.iked.ns, e.iked, "-F", "-d", "-f", conf, "--pidfile", d + "/iked.pid"}
	if c.role == roleInitiate {
		args = append(args, "-I", tp.iked.target)
	}
	s.iked = c.startDaemon("iked", d+"/iked.log", nil, args...)
	c.addLogFile("iked -F -d", d+"/iked.log")
	c.waitLog(s.iked, `iked started`, shortWait)
	c.note("spmd and iked started")
	return s
}
