//go:build linux

package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

const charonPath = "/usr/lib/ipsec/charon"

// peerSide is the other IKE daemon, whichever it is.
type peerSide interface {
	// initiate starts the negotiation from the peer (responder role).
	initiate()
	// ikeSAs identifies the peer's established IKE SAs.
	ikeSAs() []string
	// established reports whether the peer has an established IKE SA.
	established() bool
	// checkCerts checks that CERT and CERTREQ went both ways.
	checkCerts()
	// rekeyed returns the line of the peer's log that shows a rekey
	// exchange of "child" or "ike" ("" if there is none).
	rekeyed(what string) string
	// sawDelete reports whether the peer logged a received Delete.
	sawDelete() bool
	// virtualIP is the address the peer obtained through CP ("" if none).
	virtualIP() string
	// rekeyChild makes the peer rekey its CHILD_SA now.
	rekeyChild()
	// terminate tears the connection down: the peer sends a Delete of
	// its IKE SA and removes its SAs.
	terminate()
	// fragments returns the lines of the peer's log that show it sent a
	// message in RFC 7383 fragments and reassembled one it received
	// ("" for what it did not log).
	fragments() (sent, received string)
}

type strongSwan struct {
	c   *caseRun
	dir string
	d   *daemon
}

// startStrongSwan runs charon in the peer's namespace with a private
// /run (charon.pid is hard-wired there) and loads the connection.
func (c *caseRun) startStrongSwan(tp *topo, certs *pki) *strongSwan {
	sc, me := c.sc, tp.peer
	d := filepath.Join(c.dir, "strongswan")
	fragSize, fragmentation := "", ""
	if sc.fragSize > 0 {
		// The whole IP datagram, as ike_frag_size counts it.
		fragSize = fmt.Sprintf("fragment_size = %d", sc.fragSize)
		fragmentation = "fragmentation = yes"
	}
	for _, sub := range []string{"run", "x509", "x509ca", "pkcs8", "private"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o700); err != nil {
			c.fail("%v", err)
		}
	}
	writeFile(c, d+"/strongswan.conf", fmt.Sprintf(`charon {
	load = random nonce aes sha1 sha2 hmac kdf pem pkcs1 pkcs8 x509 revocation constraints pubkey gmp openssl attr kernel-netlink socket-default vici
	install_routes = no
	retransmit_tries = 2
	retransmit_timeout = 2
	%[2]s
	plugins {
		vici {
			socket = unix://%[1]s/charon.vici
		}
	}
	filelog {
		log {
			path = %[1]s/charon.log
			time_format = %%T
			default = 1
			ike = 2
			cfg = 2
			knl = 2
			flush_line = yes
		}
	}
}
swanctl {
	load = random nonce aes sha1 sha2 hmac pem pkcs1 pkcs8 x509 pubkey openssl
	socket = unix://%[1]s/charon.vici
}
`, d, fragSize), 0o600)
	local := fmt.Sprintf("auth = psk\n\t\t\tid = %s", peerID)
	remote := fmt.Sprintf("auth = psk\n\t\t\tid = %s", ikedID)
	if sc.auth != "psk" {
		copyTo(c, certs.caCert, d+"/x509ca/ca.pem")
		copyTo(c, certs.peerCert, d+"/x509/peer.pem")
		copyTo(c, certs.peerKey, d+"/pkcs8/peer.key")
		local = fmt.Sprintf("auth = pubkey\n\t\t\tcerts = peer.pem\n\t\t\tid = %s", peerID)
		remote = fmt.Sprintf("auth = pubkey\n\t\t\tid = %s", ikedID)
	}
	lts, rts := hostPrefix(me.addr), hostPrefix(me.inner)
	vips := ""
	if sc.cp {
		lts, vips = "dynamic", "vips = 0.0.0.0"
	}
	esp := sc.esp.swan + "-" + sc.dh.swan + "," + sc.esp.swan
	writeFile(c, d+"/swanctl.conf", fmt.Sprintf(`connections {
	iked {
		version = 2
		local_addrs = %s
		remote_addrs = %s
		proposals = aes128-sha256-%s
		%s
		%s
		local {
			%s
		}
		remote {
			%s
		}
		children {
			net {
				mode = %s
				local_ts = %s
				remote_ts = %s
				esp_proposals = %s
			}
		}
	}
}
secrets {
	ike-iked {
		id-1 = %s
		id-2 = %s
		secret = "%s"
	}
}
`, me.addr, me.target, sc.dh.swan, vips, fragmentation, local, remote, sc.mode, lts, rts, esp, ikedID, peerID, sharedKey), 0o600)
	c.addLogFile("swanctl.conf (strongSwan side)", d+"/swanctl.conf")
	s := &strongSwan{c: c, dir: d}
	s.d = c.startDaemon("charon", d+"/charon.stdout", []string{"STRONGSWAN_CONF=" + d + "/strongswan.conf"},
		"ip", "netns", "exec", me.ns, "unshare", "--mount", "--propagation", "private",
		"bash", "-c", `mount --bind "$1/run" /run && exec `+charonPath, "_", d)
	c.addLogFile("charon.log (strongSwan)", d+"/charon.log")
	if !waitFor(shortWait, func() bool { _, err := os.Stat(d + "/charon.vici"); return err == nil || s.d.exited() }) || s.d.exited() {
		c.fail("charon did not open its vici socket:\n%s", s.d.output())
	}
	s.swanctl(shortWait, "--load-all", "--file", d+"/swanctl.conf")
	c.note("charon started, configuration loaded")
	return s
}

func copyTo(c *caseRun, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		c.fail("%v", err)
	}
	writeFile(c, to, string(b), 0o600)
}

func (s *strongSwan) swanctl(timeout time.Duration, args ...string) string {
	out, err := s.try(timeout, args...)
	if err != nil {
		s.c.fail("swanctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (s *strongSwan) try(timeout time.Duration, args ...string) (string, error) {
	args = append(append([]string{"STRONGSWAN_CONF=" + s.dir + "/strongswan.conf", "swanctl"}, args...),
		"--uri", "unix://"+s.dir+"/charon.vici")
	return s.c.try(timeout, "env", args...)
}

func (s *strongSwan) initiate() {
	out, err := s.try(25*time.Second, "--initiate", "--child", "net", "--timeout", "20")
	s.c.note("swanctl --initiate: %s", lastLine(out))
	if err != nil || !strings.Contains(out, "initiate completed successfully") {
		s.c.fail("strongSwan could not initiate: %v\n%s", err, out)
	}
}

func (s *strongSwan) rekeyChild() {
	out := s.swanctl(shortWait, "--rekey", "--child", "net")
	s.c.note("swanctl --rekey --child net: %s", lastLine(out))
}

func (s *strongSwan) terminate() {
	out := s.swanctl(15*time.Second, "--terminate", "--ike", "iked", "--timeout", "10")
	s.c.note("swanctl --terminate: %s", lastLine(out))
	if !strings.Contains(out, "terminate completed successfully") {
		s.c.fail("strongSwan could not terminate:\n%s", out)
	}
}

var swanIKESA = regexp.MustCompile(`(?m)^iked: #\d+, ESTABLISHED, IKEv2, ([0-9a-f]+_i\*? [0-9a-f]+_r\*?)`)

func (s *strongSwan) ikeSAs() []string {
	out, _ := s.try(shortWait, "--list-sas")
	var ids []string
	for _, m := range swanIKESA.FindAllStringSubmatch(out, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func (s *strongSwan) established() bool { return len(s.ikeSAs()) > 0 }

// checkCerts reads charon's log: it sent and received both an end-entity
// certificate and a certificate request.
func (s *strongSwan) checkCerts() {
	b, _ := os.ReadFile(s.dir + "/charon.log")
	log := string(b)
	for _, want := range []string{
		`sending cert request for "`,
		`received cert request for "`,
		`received end entity cert "`,
		`sending end entity cert "`,
	} {
		if !strings.Contains(log, want) {
			s.c.fail("charon's log lacks %q: CERT/CERTREQ not exchanged both ways", want)
		}
	}
	s.c.note("charon sent and received CERT and CERTREQ")
}

var swanVIP = regexp.MustCompile(`local\s+'[^']*' @ \S+ \[([0-9.]+)\]`)

func (s *strongSwan) virtualIP() string {
	out, _ := s.try(shortWait, "--list-sas")
	if m := swanVIP.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	return ""
}

// rekeyed returns the line of charon's log that shows a rekey of what.
func (s *strongSwan) rekeyed(what string) string {
	b, _ := os.ReadFile(s.dir + "/charon.log")
	if what == "child" {
		return string(swanChildRekey.Find(b))
	}
	return string(swanIKERekey.Find(b))
}

var (
	// CREATE_CHILD_SA with REKEY_SA (RFC 7296 2.8) ...
	swanChildRekey = regexp.MustCompile(`(?m)^.*CREATE_CHILD_SA (request|response) \d+ \[ N\(REKEY_SA\).*$`)
	// ... and without it, SA KE No with no TS: an IKE SA rekey (1.3.2).
	swanIKERekey = regexp.MustCompile(`(?m)^.*CREATE_CHILD_SA (request|response) \d+ \[ SA (No KE|KE No) \].*$`)
)

// sawDelete reports whether charon received iked's Delete of the IKE SA.
func (s *strongSwan) sawDelete() bool {
	b, _ := os.ReadFile(s.dir + "/charon.log")
	return strings.Contains(string(b), "received DELETE for IKE_SA")
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
