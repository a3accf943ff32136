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

// libreswan is unpacked from its .deb (it conflicts with strongSwan's
// packages): see ../../../shared/testbed/demo-libreswan-interop.sh and
// prepare-libreswan.sh here.
const libreswanRoot = "/opt/in-kernel/libreswan"

func libreswanTool(name string) string { return libreswanRoot + "/usr/libexec/ipsec/" + name }

type libreswan struct {
	c   *caseRun
	dir string
	d   *daemon
}

// startLibreswan runs pluto in the peer's namespace with a private NSS
// database, config and run directory; pluto execs its helpers from the
// compiled-in /usr/libexec/ipsec, so its mount namespace gets the
// unpacked tree there.
func (c *caseRun) startLibreswan(tp *topo, certs *pki) *libreswan {
	sc, me := c.sc, tp.peer
	d := filepath.Join(c.dir, "libreswan")
	for _, sub := range []string{"nss", "ipsec.d", "rundir"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o700); err != nil {
			c.fail("%v", err)
		}
	}
	c.sh("certutil", "-N", "-d", "sql:"+d+"/nss", "--empty-password")
	authby, idLines := "secret", ""
	switch sc.auth {
	case "rsa":
		authby = "rsasig"
	case "ecdsa":
		authby = "ecdsa"
	}
	if sc.auth != "psk" {
		c.sh("certutil", "-A", "-d", "sql:"+d+"/nss", "-n", "interop-ca", "-t", "CT,,", "-i", certs.caCert)
		c.sh("openssl", "pkcs12", "-export", "-in", certs.peerCert, "-inkey", certs.peerKey, "-certfile", certs.caCert,
			"-name", "peer", "-out", d+"/peer.p12", "-passout", "pass:")
		c.sh("pk12util", "-i", d+"/peer.p12", "-d", "sql:"+d+"/nss", "-W", "")
		idLines = "leftcert=peer\n\tleftsendcert=always\n\trightca=%same\n"
	}
	subnets := ""
	switch {
	case sc.cp:
		// A road warrior: it asks for an address (CFG_REQUEST) and
		// narrows its TS to the lease.
		subnets = fmt.Sprintf("leftmodecfgclient=yes\n\tnarrowing=yes\n\trightsubnet=%s\n", hostPrefix(me.inner))
	case sc.mode == "tunnel":
		subnets = fmt.Sprintf("leftsubnet=%s\n\trightsubnet=%s\n", hostPrefix(me.addr), hostPrefix(me.inner))
	}
	esp := sc.esp.lsw
	debug, frag := plutoDebug(), ""
	if sc.fragSize > 0 {
		// pluto picks its own fragment size; its log says what it sent
		// and received in fragments only at plutodebug=base.
		frag = "fragmentation=yes\n"
		if os.Getenv("INTEROP_PLUTODEBUG") == "" {
			debug = "base"
		}
	}
	writeFile(c, d+"/ipsec.conf", fmt.Sprintf(`config setup
	logfile=%[1]s/pluto.log
	logappend=no
	plutodebug=%[12]s

conn iked
	ikev2=yes
	authby=%[2]s
	type=%[3]s
	left=%[4]s
	leftid=@%[5]s
	right=%[6]s
	rightid=@%[7]s
	%[8]s
	%[9]s
	ike=aes128-sha2_256;%[10]s
	esp=%[11]s
	%[13]s
	leftupdown=/bin/true
	retransmit-timeout=6s
	auto=add
`, d, authby, sc.mode, me.addr, peerID, me.target, ikedID, subnets, idLines, sc.dh.lsw, esp, debug, frag), 0o600)
	writeFile(c, d+"/ipsec.secrets", fmt.Sprintf("@%s @%s : PSK \"%s\"\n", peerID, ikedID, sharedKey), 0o600)
	c.addLogFile("ipsec.conf (libreswan side)", d+"/ipsec.conf")
	l := &libreswan{c: c, dir: d}
	l.d = c.startDaemon("pluto", d+"/pluto.stdout", nil, "ip", "netns", "exec", me.ns,
		"unshare", "--mount", "--propagation", "private", "bash", "-c", `
		mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /usr/libexec &&
		mkdir /usr/libexec/ipsec && mount --bind "$2/usr/libexec/ipsec" /usr/libexec/ipsec &&
		exec "$0" --nofork --config "$1/ipsec.conf" --rundir "$1/rundir" --nssdir "$1/nss" \
			--ipsecdir "$1/ipsec.d" --secretsfile "$1/ipsec.secrets" --no-dnssec --nhelpers 1`,
		libreswanTool("pluto"), d, libreswanRoot)
	c.addLogFile("pluto.log (libreswan)", d+"/pluto.log")
	ctl := d + "/rundir/pluto.ctl"
	if !waitFor(shortWait, func() bool { _, err := os.Stat(ctl); return err == nil || l.d.exited() }) || l.d.exited() {
		c.fail("pluto did not open its control socket:\n%s", l.d.output())
	}
	c.sh(libreswanTool("addconn"), "--config", d+"/ipsec.conf", "--ctlsocket", ctl, "iked")
	l.whack(shortWait, "--listen")
	c.sh(libreswanTool("whack"), "--ctlsocket", ctl, "--rereadsecrets")
	c.note("pluto started, connection added")
	return l
}

// plutoDebug is pluto's debug setting: INTEROP_PLUTODEBUG (for example
// "base"), default none.
func plutoDebug() string {
	if v := os.Getenv("INTEROP_PLUTODEBUG"); v != "" {
		return v
	}
	return "none"
}

func (l *libreswan) whack(timeout time.Duration, args ...string) string {
	out, err := l.c.try(timeout, libreswanTool("whack"), append([]string{"--ctlsocket", l.dir + "/rundir/pluto.ctl"}, args...)...)
	if err != nil {
		l.c.note("whack %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (l *libreswan) initiate() {
	out := l.whack(25*time.Second, "--initiate", "--name", "iked")
	l.c.note("whack --initiate: %s", lastLine(out))
	if i := strings.Index(out, "rejected Child SA"); i >= 0 {
		l.c.fail("libreswan: IKE_AUTH response %s", firstLine(out[i:]))
	}
	if !waitFor(5*time.Second, l.established) {
		l.c.fail("libreswan could not initiate:\n%s", out)
	}
}

func (l *libreswan) rekeyChild() {
	out := l.whack(shortWait, "--name", "iked", "--rekey-ipsec")
	l.c.note("whack --rekey-ipsec: %s", lastLine(out))
}

func (l *libreswan) terminate() {
	out := l.whack(15*time.Second, "--name", "iked", "--terminate")
	l.c.note("whack --terminate: %s", lastLine(out))
	if !waitFor(5*time.Second, func() bool { return !l.established() }) {
		l.c.fail("libreswan kept its IKE SA after --terminate:\n%s", out)
	}
}

var lswIKESA = regexp.MustCompile(`#(\d+): "iked"[^\n]*ESTABLISHED_IKE_SA`)

func (l *libreswan) ikeSAs() []string {
	var ids []string
	for _, m := range lswIKESA.FindAllStringSubmatch(l.whack(shortWait, "--showstates"), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func (l *libreswan) established() bool { return len(l.ikeSAs()) > 0 }

var lswPeerCert = regexp.MustCompile(`authenticated peer .* using peer certificate '[^']*' issued by CA '[^']*iked interop CA'`)

// checkCerts: pluto authenticated iked with the certificate iked sent
// (CERT), and it sent its own (leftsendcert=always), which iked verified
// since the IKE SA is up.
func (l *libreswan) checkCerts() {
	b, _ := os.ReadFile(l.dir + "/pluto.log")
	if !lswPeerCert.Match(b) {
		l.c.fail("pluto did not authenticate iked by a certificate from the interop CA")
	}
	if l.c.role != roleRespond && !strings.Contains(string(b), "CERT,CERTREQ") {
		l.c.fail("iked's IKE_AUTH request carried no CERT and CERTREQ")
	}
	l.c.note("pluto authenticated iked's certificate")
}

// rekeyed returns the line of pluto's log that shows a rekey of what.
func (l *libreswan) rekeyed(what string) string {
	b, _ := os.ReadFile(l.dir + "/pluto.log")
	if what == "child" {
		return string(lswChildRekey.Find(b))
	}
	return string(lswIKERekey.Find(b))
}

var (
	lswChildRekey = regexp.MustCompile(`(?im)^.*(?:rekeyed Child SA|Child SA #\d+ rekey|CREATE_CHILD_SA.*N\(REKEY_SA\)).*$`)
	lswIKERekey   = regexp.MustCompile(`(?im)^.*(?:rekeyed IKE SA|IKE SA #\d+ rekey|responder rekeyed IKE|CREATE_CHILD_SA.*IKE SA rekey).*$`)
)

// sawDelete: pluto's log (plutodebug=none) has no fixed wording for a
// received Delete; the caller's checks (IKE SA and ESP SAs gone within
// 5 s, with no DPD configured) stand for it.
func (l *libreswan) sawDelete() bool { return true }

var lswLease = regexp.MustCompile(`lease=([0-9.]+)/32`)

// virtualIP is the lease pluto shows; pluto's updown script (replaced by
// /bin/true here) would put it on an interface, so the test does.
func (l *libreswan) virtualIP() string {
	m := lswLease.FindStringSubmatch(l.whack(shortWait, "--trafficstatus"))
	if m == nil {
		return ""
	}
	l.c.sh("ip", "-n", nsPeer, "addr", "replace", m[1]+"/32", "dev", "lo")
	return m[1]
}
