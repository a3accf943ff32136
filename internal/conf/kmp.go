package conf

import (
	"fmt"
	"strings"
	"time"
)

// Where each kmp directive may appear (cfparse.y kmp_common_spec and the
// per-protocol lists).
const (
	inV1   = 1 << iota // ikev1{}
	inV2               // ikev2{}
	inKINK             // kink{}
	inAll  = inV1 | inV2 | inKINK
)

var kmpDirectives = map[string]int{
	"logmode": inAll, "logfile": inAll, "passive": inAll, "use_coa": inAll,
	"peers_ipaddr": inAll, "peers_kmp_port": inAll, "verify_id": inAll,
	"verify_pubkey": inAll, "send_cert": inAll, "send_cert_req": inAll,
	"nonce_size": inAll, "initial_contact": inAll, "support_proxy": inAll,
	"nat_traversal": inAll, "my_id": inAll, "peers_id": inAll,
	"selector_check": inAll, "proposal_check": inAll, "random_pad_content": inAll,
	"random_padlen": inAll, "max_padlen": inAll, "max_retry_to_send": inAll,
	"interval_to_send": inAll, "times_per_send": inAll, "kmp_sa_lifetime_time": inAll,
	"kmp_sa_lifetime_byte": inAll, "kmp_sa_nego_time_limit": inAll,
	"kmp_sa_grace_period": inAll, "ipsec_sa_nego_time_limit": inAll,
	"kmp_enc_alg": inAll, "kmp_hash_alg": inAll, "kmp_prf_alg": inAll,
	"kmp_dh_group": inAll, "kmp_auth_method": inAll, "mobility_role": inAll,
	"script":        inAll,
	"exchange_mode": inV1, "my_gssapi_id": inV1,
	"need_pfs": inV1 | inV2, "my_public_key": inV1 | inV2, "peers_public_key": inV1 | inV2,
	"pre_shared_key": inV1 | inV2, "dpd_delay": inV1 | inV2,
	"dpd": inV1 | inV2, "dpd_retry": inV1 | inV2, "dpd_maxfail": inV1 | inV2,
	"cookie_required": inV2, "send_peers_id": inV2, "provide": inV2, "request": inV2,
	"ike_frag_size": inV2,
	"my_principal":  inKINK, "peers_principal": inKINK,
}

// unimplemented lists what racoon2's iked parses but does not honour
// ("configuration field support is unimplemented, ignored"), per protocol.
var unimplemented = [KMPKINK + 1]map[string]string{
	KMPIKEv1: {
		"peers_kmp_port": "", "selector_check": "", "random_padlen": "", "max_padlen": "",
		"max_retry_to_send": " (IKEv1 retries 5 times)", "kmp_sa_nego_time_limit": " (IKEv1 uses 30 s)",
		"kmp_prf_alg": " (IKEv1 uses the HMAC of kmp_hash_alg as PRF)", "my_gssapi_id": "",
		"use_coa": "", "mobility_role": "",
	},
	KMPIKEv2: {
		"peers_kmp_port": "", "verify_pubkey": "", "send_cert": "", "send_cert_req": "",
		"support_proxy":            "",
		"ipsec_sa_nego_time_limit": " (kmp_sa_nego_time_limit bounds IKEv2 negotiations)",
		"initial_contact":          " (INITIAL_CONTACT is sent on the first IKE SA with each remote)",
		"dpd":                      " (IKEv2 liveness checks use dpd_delay)", "dpd_retry": "", "dpd_maxfail": "",
		"use_coa": "", "mobility_role": "",
	},
}

var (
	logModes      = map[string]LogMode{"normal": LogNormal, "debug": LogDebug}
	selChecks     = map[string]Check{"obey": CheckObey, "exact": CheckExact}
	propChecks    = map[string]Check{"obey": CheckObey, "strict": CheckStrict, "claim": CheckClaim, "exact": CheckExact}
	exchModes     = map[string]ExchangeMode{"main": ModeMain, "aggressive": ModeAggressive, "base": ModeBase}
	mobilityRoles = map[string]MobilityRole{"agent": RoleAgent, "mobile": RoleMobile, "correspondent": RoleCorrespondent}
	pubKeyTypes   = map[string]PubKeyType{"x509pem": KeyX509PEM, "pkcs12": KeyPKCS12, "ascii": KeyASCII}
	scriptWords   = map[string]ScriptType{
		"phase1_up": ScriptPhase1Up, "phase1_down": ScriptPhase1Down, "phase1_rekey": ScriptPhase1Rekey,
		"phase2_up": ScriptPhase2Up, "phase2_down": ScriptPhase2Down, "phase2_rekey": ScriptPhase2Rekey,
		"ike_sa_up": ScriptPhase1Up, "ike_sa_down": ScriptPhase1Down, "ike_sa_rekey": ScriptPhase1Rekey,
		"child_up": ScriptPhase2Up, "child_down": ScriptPhase2Down, "child_rekey": ScriptPhase2Rekey,
		"migration": ScriptMigration,
	}
	requestWords = map[string]Request{
		"ip4": ReqIP4, "ip6": ReqIP6, "ip": ReqIP, "ip4_dns": ReqIP4DNS, "ip6_dns": ReqIP6DNS,
		"ip4_dhcp": ReqIP4DHCP, "ip6_dhcp": ReqIP6DHCP, "dns": ReqDNS, "dhcp": ReqDHCP,
		"application_version": ReqAppVer, "mip6_home_prefix": ReqMIP6Home,
	}
)

// blockSuffix ends the label of a block in messages ("remote r1 ikev2{}").
var blockSuffix = [KMPKINK + 1]string{KMPIKEv1: " ikev1{}", KMPIKEv2: " ikev2{}", KMPKINK: " kink{}"}

var kmpBlockMask = [KMPKINK + 1]int{KMPIKEv1: inV1, KMPIKEv2: inV2, KMPKINK: inKINK}

func isAlgListDirective(kw string) bool {
	switch kw {
	case "kmp_enc_alg", "kmp_hash_alg", "kmp_prf_alg", "kmp_dh_group", "kmp_auth_method",
		"esp_enc_alg", "esp_auth_alg", "ah_auth_alg", "ipcomp_alg":
		return true
	}
	return false
}

// kmpBody reads an ikev1{}, ikev2{} or kink{} block. In ikev2{} the first
// of a repeated directive wins (cfparse.y's ikev2_list is right-recursive).
func (b *builder) kmpBody(block []*node, k *KMPConf, what, name string) {
	d := b.newDup(what, name, blockSuffix[k.Proto], k.Proto == KMPIKEv2)
	defer b.release(&d)
	for _, n := range block {
		kw := n.Keyword()
		if kw == "" && len(n.Args) > 0 && n.Args[0].Text == "ike_frag" {
			// The 2026 fork's directive, removed again upstream (PR #19):
			// fragmentation is always on.
			b.rep.warnf(n.Pos, "ike_frag is obsolete (racoon2 removed it; fragmentation is always enabled); ignored")
			continue
		}
		where, known := kmpDirectives[kw]
		if !known {
			b.unknown(n, d.label())
			continue
		}
		if where&kmpBlockMask[k.Proto] == 0 {
			b.rep.errorf(n.Pos, "syntax error: %s is not allowed in %s{}", kw, k.Proto)
			continue
		}
		if kw == "script" {
			b.scripts(n, k, &d)
			continue
		}
		if isAlgListDirective(kw) {
			if !d.list(kw, n) {
				continue
			}
		}
		// A directive that the duplicate rule drops is still parsed (into
		// a scratch block) so that a bad value is reported.
		target := k
		if d.firstWins && !isAlgListDirective(kw) {
			if _, dup := d.seen.get(kw); dup {
				b.junk = KMPConf{Proto: k.Proto}
				target = &b.junk
			}
		}
		if !b.kmpValue(n, kw, target) {
			continue
		}
		if !isAlgListDirective(kw) && !d.ok(kw, n) {
			continue
		}
		if why, u := unimplemented[k.Proto][kw]; u && !zeroValue(n) {
			b.rep.warnf(n.Pos, "%s in %s{} is not implemented by iked (as in racoon2); ignored%s", kw, k.Proto, why)
		}
		b.engineIgnores(n, kw, k.Proto)
		b.zeroIsUnset(n, kw, k.Proto)
	}
}

// zeroIsUnset warns where racoon2's "0 means unset" rule (reference 1.5)
// turns a 0 or infinite into a non-zero built-in default.
func (b *builder) zeroIsUnset(n *node, kw string, proto KMP) {
	if !zeroValue(n) {
		return
	}
	var bi *KMPConf
	switch proto {
	case KMPIKEv1:
		bi = builtinV1
	case KMPIKEv2:
		bi = builtinV2
	default:
		return
	}
	v := ""
	if d := kmpDuration(bi, kw); d != nil && *d != 0 {
		v = d.String()
	} else if i := kmpInt(bi, kw); i != nil && *i != 0 {
		v = fmt.Sprint(*i)
	} else if kw == "nonce_size" {
		v = fmt.Sprint(bi.NonceSize, " bytes")
	}
	if v != "" {
		b.rep.warnf(n.Pos, "%s %s means unset in racoon2: the default section's value, else the built-in %s, applies", kw, n.Args[1].Text, v)
	}
}

// notHonoured lists the IKEv2 directives racoon2 implements but our
// engine does not yet, with what it does instead. A value equal to
// that behaviour (off, 0) is honoured and draws no warning.
var notHonoured = map[string]string{
	"logmode":             "every remote logs at the daemon's level (-d, -D)",
	"logfile":             "every remote logs to the daemon's log only",
	"selector_check":      "traffic selectors are narrowed to the selector (RFC 7296 2.9)",
	"random_pad_content":  "padding is zeros",
	"random_padlen":       "padding is the minimum",
	"max_padlen":          "padding is the minimum",
	"kmp_sa_grace_period": "an IKE SA is deleted when its lifetime ends",
}

// engineIgnores warns about an ikev2{} directive the engine cannot
// honour yet, so that it is never silently dropped.
func (b *builder) engineIgnores(n *node, kw string, proto KMP) {
	does, ok := notHonoured[kw]
	if !ok || proto != KMPIKEv2 || zeroValue(n) || offValue(n) {
		return
	}
	if kw == "logmode" && len(n.Args) == 2 && n.Args[1].Text == "normal" {
		return // the daemon's own level unless -d or -D raise it
	}
	b.rep.warnf(n.Pos, "%s in ikev2{} is not supported by iked yet; ignored (%s)", kw, does)
}

// offValue tells whether a boolean directive says off.
func offValue(n *node) bool {
	return len(n.Args) == 2 && n.Args[1].Kind == tokKeyword && boolWord(n.Args[1].Text) == Off
}

// kmpValue parses one directive into k; k is left alone on an error.
func (b *builder) kmpValue(n *node, kw string, k *KMPConf) bool {
	if p := kmpBool(k, kw); p != nil {
		v, ok := b.boolVal(n)
		if ok {
			*p = v
		}
		return ok
	}
	if p := kmpDuration(k, kw); p != nil {
		v, ok := b.timeVal(n)
		if ok {
			*p = v
		}
		return ok
	}
	if p := kmpInt(k, kw); p != nil {
		v, ok := b.numberVal(n)
		if ok && (v < 0 || v > 1<<31-1) {
			b.rep.errorf(n.Pos, "%s %d out of range", kw, v)
			ok = false
		}
		if ok {
			*p = int(v)
		}
		return ok
	}
	switch kw {
	case "nonce_size", "max_padlen":
		v, ok := b.byteVal(n)
		if ok && v > 1<<31-1 {
			b.rep.errorf(n.Pos, "%s %d out of range", kw, v)
			ok = false
		}
		p := &k.NonceSize
		if kw == "max_padlen" {
			p = &k.MaxPadlen
		}
		if ok {
			*p = int(v)
		}
		return ok
	case "ike_frag_size":
		v, ok := b.byteVal(n)
		if ok && v != 0 && (v < MinIKEFragSize || v > MaxIKEFragSize) {
			b.rep.errorf(n.Pos, "ike_frag_size must be %d to %d bytes, not %d", MinIKEFragSize, MaxIKEFragSize, v)
			ok = false
		}
		if ok {
			k.IKEFragSize = int(v)
		}
		return ok
	case "kmp_sa_lifetime_byte":
		v, ok := b.byteVal(n)
		if ok {
			k.KMPSALifetimeByte = uint64(v)
		}
		return ok
	case "logmode":
		v, ok := keywordVal(b, n, logModes)
		if ok {
			k.LogMode = v
		}
		return ok
	case "logfile", "my_gssapi_id", "pre_shared_key", "my_principal", "peers_principal":
		v, ok := b.stringVal(n)
		p := kmpString(k, kw)
		if ok {
			*p = v
			if kw == "pre_shared_key" {
				b.secrets.want(v)
			}
		}
		return ok
	case "peers_ipaddr":
		v, ok := b.addrList(n)
		if ok {
			k.PeersIPAddr = v
			if k.Proto == KMPIKEv2 {
				b.peersAddrNotes(v)
			}
		}
		return ok
	case "my_id", "peers_id":
		v, ok := b.idList(n)
		p := &k.MyID
		if kw == "peers_id" {
			p = &k.PeersID
		}
		if ok {
			*p = v
		}
		return ok
	case "selector_check":
		v, ok := keywordVal(b, n, selChecks)
		if ok {
			k.SelectorCheck = v
		}
		return ok
	case "proposal_check":
		v, ok := keywordVal(b, n, propChecks)
		if ok {
			k.ProposalCheck = v
		}
		return ok
	case "exchange_mode":
		v, ok := keywordVal(b, n, exchModes)
		if ok {
			k.ExchangeMode = v
		}
		return ok
	case "mobility_role":
		v, ok := keywordVal(b, n, mobilityRoles)
		if ok {
			k.MobilityRole = v
		}
		return ok
	case "kmp_enc_alg", "kmp_hash_alg", "kmp_prf_alg", "kmp_dh_group", "kmp_auth_method":
		v, ok := b.algList(n, kw == "kmp_dh_group")
		p := kmpAlgs(k, kw)
		if ok && kw == "kmp_enc_alg" {
			for _, a := range v {
				if a.HasKey {
					b.rep.warnf(n.Pos, "a key given with %s in kmp_enc_alg is ignored (IKE derives its keys)", a.Name)
				}
			}
		}
		if ok && kw == "kmp_auth_method" && k.Proto == KMPIKEv2 && len(v) > 1 {
			b.rep.warnf(n.Pos, "iked's IKEv2 uses only the first kmp_auth_method (%s), for its own AUTH and the peer's", v[0].Name)
		}
		if ok {
			*p = v
		}
		return ok
	case "my_public_key", "peers_public_key":
		v, ok := b.keyFiles(n, kw == "my_public_key")
		p := &k.MyPublicKey
		if kw == "peers_public_key" {
			p = &k.PeersPublicKey
		}
		if ok && kw == "my_public_key" {
			b.secrets.want(v.PrivFile)
		}
		if ok && k.Proto == KMPIKEv2 && v.Type != KeyX509PEM {
			b.rep.warnf(n.Pos, "%s %s: iked reads only x509pem files yet; this key is ignored", kw, v.Type)
		}
		if ok {
			*p = v
		}
		return ok
	case "provide":
		v, ok := b.provide(n)
		if ok {
			k.Provide = v
		}
		return ok
	case "request":
		v, ok := b.request(n)
		if ok {
			k.Request = v
		}
		return ok
	}
	b.unknown(n, "this block")
	return false
}

// keyFiles parses `my_public_key type pub priv` or
// `peers_public_key type file [ignored]`.
func (b *builder) keyFiles(n *node, mine bool) (*KeyFiles, bool) {
	cv := valueCursor(n)
	c := &cv
	t := c.next()
	typ, ok := pubKeyTypes[t.Text]
	if t.Kind != tokKeyword || !ok {
		b.rep.errorf(b.at(t), "syntax error: key type x509pem, pkcs12 or ascii expected, found %s", describe(t))
		return nil, false
	}
	kf := &KeyFiles{Type: typ, Pos: n.Pos}
	if kf.PubFile, ok = b.str(c.next()); !ok {
		return nil, false
	}
	if mine {
		if kf.PrivFile, ok = b.str(c.next()); !ok {
			return nil, false
		}
	} else if c.more() {
		t := c.peek()
		if _, ok := b.str(c.next()); !ok {
			return nil, false
		}
		b.rep.warnf(b.at(t), "the second file of peers_public_key is ignored (racoon2's deprecated form)")
	}
	return kf, b.done(c)
}

func (b *builder) scripts(n *node, k *KMPConf, d *dupTracker) {
	var items []cursor
	if n.HasBlock {
		if len(n.Args) != 1 {
			b.rep.errorf(n.Pos, "syntax error: script wants { type \"path\"; ... }")
			return
		}
		for _, e := range n.Block {
			items = append(items, cursor{toks: e.Args, end: e.Pos})
		}
	} else {
		if n.NoSemi {
			b.rep.warnf(n.Pos, "racoon2 needs \";;\" after a single-form script (or the braced form); accepted")
		}
		items = []cursor{valueCursor(n)}
	}
	for i := range items {
		c := &items[i]
		t := c.next()
		st, ok := scriptWords[t.Text]
		if t.Kind != tokKeyword || !ok {
			b.rep.errorf(b.at(t), "syntax error: script type expected, found %s", describe(t))
			continue
		}
		path, ok := b.str(c.next())
		if !ok || !b.done(c) {
			continue
		}
		if d.ok("script "+st.String(), &node{Pos: b.at(t)}) {
			k.Scripts[st] = path
		}
	}
}

func (b *builder) provide(n *node) (*Provide, bool) {
	if !n.HasBlock || len(n.Args) != 1 {
		b.rep.errorf(n.Pos, "syntax error: provide wants a block")
		return nil, false
	}
	p := &Provide{}
	ok := true
	for _, c := range n.Block {
		kw := c.Keyword()
		var good bool
		switch kw {
		case "addresspool":
			p.AddressPool, good = b.stringVal(c)
		case "dns":
			p.DNS, good = b.addrList(c)
		case "dhcp":
			p.DHCP, good = b.addrList(c)
		case "application_version":
			p.AppVersion, good = b.stringVal(c)
		case "mip6_home_prefix":
			p.MIP6HomePrefix, good = b.addrList(c)
			if good {
				b.rep.warnf(c.Pos, "provide mip6_home_prefix is not supported by iked yet; ignored")
			}
		default:
			b.unknown(c, "provide")
		}
		ok = ok && good
	}
	return p, ok
}

func (b *builder) request(n *node) (Request, bool) {
	els, ok := b.elements(n)
	if !ok {
		return 0, false
	}
	var r Request
	for i := range els {
		c := &els[i]
		t := c.next()
		v, ok := requestWords[t.Text]
		if t.Kind != tokKeyword || !ok {
			b.rep.errorf(b.at(t), "syntax error: request item expected, found %s", describe(t))
			return 0, false
		}
		if !b.done(c) {
			return 0, false
		}
		r |= v
	}
	return r, true
}

// Field selectors for kmpValue (switches: no map per directive).

func kmpBool(k *KMPConf, kw string) *Bool {
	switch kw {
	case "passive":
		return &k.Passive
	case "use_coa":
		return &k.UseCoA
	case "verify_id":
		return &k.VerifyID
	case "verify_pubkey":
		return &k.VerifyPubkey
	case "send_cert":
		return &k.SendCert
	case "send_cert_req":
		return &k.SendCertReq
	case "initial_contact":
		return &k.InitialContact
	case "support_proxy":
		return &k.SupportProxy
	case "nat_traversal":
		return &k.NATTraversal
	case "random_pad_content":
		return &k.RandomPadContent
	case "random_padlen":
		return &k.RandomPadlen
	case "need_pfs":
		return &k.NeedPFS
	case "dpd":
		return &k.DPD
	case "cookie_required":
		return &k.CookieRequired
	case "send_peers_id":
		return &k.SendPeersID
	}
	return nil
}

func kmpDuration(k *KMPConf, kw string) *time.Duration {
	switch kw {
	case "interval_to_send":
		return &k.IntervalToSend
	case "kmp_sa_lifetime_time":
		return &k.KMPSALifetimeTime
	case "kmp_sa_nego_time_limit":
		return &k.KMPSANegoTimeLimit
	case "kmp_sa_grace_period":
		return &k.KMPSAGracePeriod
	case "ipsec_sa_nego_time_limit":
		return &k.IPsecSANegoTimeLimit
	case "dpd_delay":
		return &k.DPDDelay
	case "dpd_retry":
		return &k.DPDRetry
	}
	return nil
}

func kmpInt(k *KMPConf, kw string) *int {
	switch kw {
	case "peers_kmp_port":
		return &k.PeersKMPPort
	case "max_retry_to_send":
		return &k.MaxRetryToSend
	case "times_per_send":
		return &k.TimesPerSend
	case "dpd_maxfail":
		return &k.DPDMaxFail
	}
	return nil
}

func kmpString(k *KMPConf, kw string) *string {
	switch kw {
	case "logfile":
		return &k.LogFile
	case "my_gssapi_id":
		return &k.MyGSSAPIID
	case "pre_shared_key":
		return &k.PreSharedKey
	case "my_principal":
		return &k.MyPrincipal
	}
	return &k.PeersPrincipal
}

func kmpAlgs(k *KMPConf, kw string) *[]Algorithm {
	switch kw {
	case "kmp_enc_alg":
		return &k.EncAlg
	case "kmp_hash_alg":
		return &k.HashAlg
	case "kmp_prf_alg":
		return &k.PRFAlg
	case "kmp_dh_group":
		return &k.DHGroup
	}
	return &k.AuthMethod
}

// zeroValue tells whether a directive's value is 0 or infinite: such a
// value means "unset", so ignoring the directive changes nothing.
func zeroValue(n *node) bool {
	if len(n.Args) < 2 || n.HasBlock {
		return false
	}
	v := n.Args[1]
	if v.Kind == tokKeyword {
		return v.Text == "infinite"
	}
	return v.Kind == tokWord && isZeroNumber(v.Text)
}

// isZeroNumber reports whether parseNumber reads s as 0, without
// strconv's error allocation for the words that are not numbers: it runs
// for every directive of every protocol block.
func isZeroNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	return s != "" && strings.Trim(s, "0") == ""
}

// peersAddrNotes warns about the peers_ipaddr entries the IKEv2 engine
// cannot use: it knows literal addresses and IP_ANY/IP_RW only, and like
// racoon2 it always sends to the -t port.
func (b *builder) peersAddrNotes(l []Address) {
	for _, a := range l {
		switch {
		case a.Kind == AddrFQDN:
			b.rep.warnf(a.Pos, "peers_ipaddr %s: iked does not resolve host names yet; this entry is ignored", a.Name)
		case a.Kind == AddrIP && !a.Prefix.IsSingleIP():
			b.rep.warnf(a.Pos, "peers_ipaddr %s: iked does not match prefixes yet; only the address %s itself matches", a.Prefix, a.Prefix.Addr())
		case a.Kind == AddrMacro && !a.IsMacro("IP_ANY") && !a.IsMacro("IP_RW"):
			b.rep.warnf(a.Pos, "peers_ipaddr %s: only IP_ANY and IP_RW mean something here; this entry is ignored", a.Name)
		case a.Kind == AddrUnix:
			b.rep.warnf(a.Pos, "peers_ipaddr: a unix socket is not a peer address; this entry is ignored")
		}
		if a.Port != 0 && a.Port != 500 {
			b.rep.warnf(a.Pos, "peers_ipaddr port %d is ignored: iked sends to the -t port (500 by default), as racoon2 does", a.Port)
		}
	}
}
