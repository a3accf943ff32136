package conf

import (
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"syscall"
)

// checker applies the defaults, resolves the references between sections
// and runs iked's consistency checks (ike_conf_check_consistency and
// the cfsetup.c fix-ups).
//
// Severity follows racoon2: what its parser rejects is an error; what only
// matters once a section is in use is an error for sections reached from
// a selector (selector -> policy -> remote/ipsec -> sa) and a warning for
// the others, which racoon2 never looks at.
type checker struct {
	rep     *Report
	cfg     *Config
	opts    *Options
	addrs   []IfaceAddr
	addrErr error
	gotAddr bool
	secrets map[string]error
	pre     *secretStats // key files checked ahead, or nil
	// selPolicy is the position of each selector's policy (-1: none);
	// nextIn chains the inbound selectors of a policy in file order,
	// starting at firstIn[policy position] (-1 ends a chain).
	selPolicy, nextIn, firstIn []int32
	// reached flags, by position, the sections reached from a selector.
	reachedP, reachedI, reachedS []bool
	ipsecPtrs                    slab[*IPsec]
	saPtrs                       slab[*SA]
	// inDefault is set while the default remote is checked.
	inDefault bool
	// bundleSeen flags, by position, the ipsec sections ikev2Bundle saw.
	bundleSeen []bool
	zeroLives  []zeroLifetime // from the builder
}

// splitIndexMin is the number of selectors and sa sections from which
// their lookups are built on another goroutine (a variable for the tests).
var splitIndexMin = 2000

// label names a section in messages ("remote r1"); it is only turned
// into a string when a message is printed.
type label struct{ kind, name string }

func (l label) String() string { return l.kind + l.name }

func (c *checker) run() {
	cfg := c.cfg
	merge := func() {
		cfg.DefaultRemote = builtinRemote(cfg.Default.Remote)
		for _, r := range cfg.Remotes {
			effectiveRemote(r, cfg.Default.Remote)
		}
		for _, p := range cfg.Policies {
			effectivePolicy(p, cfg.Default.Policy)
		}
		for _, p := range cfg.IPsecs {
			effectiveIPsec(p, cfg.Default.IPsec)
		}
		for _, s := range cfg.SAs {
			effectiveSA(s, cfg.Default.SA)
		}
	}
	dup := func(kind, name string, first, again Pos) {
		// racoon2 silently uses the first section of a name.
		c.rep.warnf(again, "%s %s is defined again; the first one (%s) is used, as in racoon2", kind, name, first)
	}
	if len(cfg.Selectors)+len(cfg.SAs) >= splitIndexMin && parallel() {
		cfg.reindexSplit(merge, dup)
	} else {
		merge()
		cfg.reindex(dup)
	}
	c.zeroLifetimes()
	c.linkSelectors()
	c.reachedP = make([]bool, len(cfg.Policies))
	for i, s := range cfg.Selectors {
		c.selector(s, c.selPolicy[i])
	}
	c.reachedI = make([]bool, len(cfg.IPsecs))
	for i, p := range cfg.Policies {
		c.policy(p, c.reachedP[i])
	}
	c.reachedS = make([]bool, len(cfg.SAs))
	for i, p := range cfg.IPsecs {
		c.ipsec(p, c.reachedI[i])
	}
	for i, s := range cfg.SAs {
		c.sa(s, c.reachedS[i])
	}
	for _, r := range cfg.Remotes {
		c.remote(r, false)
	}
	if cfg.DefaultRemote != nil {
		c.inDefault = true
		c.remote(cfg.DefaultRemote, true)
		c.inDefault = false
	}
	c.ikev2Children()
	c.iface()
}

// ikev2Children warns about what IKEConfig leaves out of the children of
// IKEv2 remotes, so that nothing a selector says is dropped silently.
func (c *checker) ikev2Children() {
	done := make([]bool, len(c.cfg.Policies)) // by position
	c.bundleSeen = make([]bool, len(c.cfg.IPsecs))
	for i, s := range c.cfg.Selectors {
		p := s.Policy
		if s.Direction != DirOutbound || p == nil || p.Action != ActionAutoIPsec || p.Remote == nil || p.Remote.IKEv2 == nil {
			continue
		}
		c.childSelector(s)
		if pi := c.selPolicy[i]; pi >= 0 && !done[pi] {
			done[pi] = true
			c.childPolicy(p)
		}
	}
}

func (c *checker) childSelector(s *Selector) {
	for _, l := range [][]Address{s.Src, s.Dst} {
		if len(l) > 0 && l[0].Kind == AddrMacro && !l[0].IsMacro("IP_ANY") {
			c.rep.warnf(l[0].Pos, "selector %s: iked cannot negotiate %s in a selector yet (only addresses and IP_ANY); the selector is not used", s.Name, l[0].Name)
		}
	}
	if s.ULPArgs[0] >= 0 {
		c.rep.warnf(s.Pos, "selector %s: iked's IKEv2 traffic selectors do not carry the ICMP type and code (or MH type) yet: they cover every type; spmd's policy keeps them", s.Name)
	}
}

// childPolicy: IKEConfig takes the lifetime of the first ipsec_index
// entry, and negotiates no bundles (ikev2Bundle).
func (c *checker) childPolicy(p *Policy) {
	for i, ip := range p.IPsecs {
		if i > 0 && (ip.IPsecSALifetimeTime != p.IPsecs[0].IPsecSALifetimeTime || ip.IPsecSALifetimeByte != p.IPsecs[0].IPsecSALifetimeByte) {
			c.rep.warnf(ip.Pos, "ipsec %s: iked gives every proposal of policy %s the lifetime of ipsec %s; this one's lifetime is ignored", ip.Name, p.Name, p.IPsecs[0].Name)
		}
		if i, ok := c.cfg.index().ipsecs[ip.Name]; ok && !c.bundleSeen[i] {
			c.bundleSeen[i] = true
			c.ikev2Bundle(p, ip)
		}
	}
}

// linkSelectors looks up each selector's policy once and chains the
// inbound selectors by policy, for reverse.
func (c *checker) linkSelectors() {
	sels, idx := c.cfg.Selectors, c.cfg.index().policies
	c.selPolicy = make([]int32, len(sels))
	c.nextIn = make([]int32, len(sels))
	c.firstIn = make([]int32, len(c.cfg.Policies))
	for i := range c.firstIn {
		c.firstIn[i] = -1
	}
	for i, s := range sels {
		c.selPolicy[i] = -1
		if s.PolicyIndex == "" {
			continue
		}
		if pi, ok := idx[s.PolicyIndex]; ok {
			c.selPolicy[i] = pi
		}
	}
	// Backwards, so that each chain is in file order.
	for i := len(sels) - 1; i >= 0; i-- {
		if pi := c.selPolicy[i]; pi >= 0 && sels[i].Direction == DirInbound {
			c.nextIn[i], c.firstIn[pi] = c.firstIn[pi], int32(i)
		}
	}
}

// report is an error when err is set, else a warning.
func (c *checker) report(err bool, p Pos, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	switch {
	case c.inDefault:
		msg += " (in the default remote, a fallback for the values remotes leave unset)"
	case !err:
		msg += " (not used by any selector, so racoon2 does not check it)"
	}
	c.rep.add(p, !err, msg)
}

func (c *checker) selector(s *Selector, pi int32) {
	if s.PolicyIndex == "" {
		c.rep.warnf(s.Pos, "selector %s has no policy_index; iked ignores it", s.Name)
		return
	}
	if pi < 0 {
		c.rep.errorf(s.PolicyIndexPos, "no policy for %s (selector %s)", s.PolicyIndex, s.Name)
		return
	}
	p := c.cfg.Policies[pi]
	s.Policy = p
	c.reachedP[pi] = true
	if p.Action != ActionAutoIPsec {
		return
	}
	if s.Direction == DirUnset {
		c.rep.errorf(s.Pos, "selector %s: direction is required for an auto_ipsec policy", s.Name)
	}
	if len(s.Src) == 0 || len(s.Dst) == 0 {
		c.rep.errorf(s.Pos, "selector %s: src and dst are required for an auto_ipsec policy", s.Name)
		return
	}
	for _, l := range [][]Address{s.Src, s.Dst} {
		if len(l) > 1 {
			c.rep.warnf(l[1].Pos, "selector %s: only the first address of a list is used", s.Name)
		}
		if l[0].Kind == AddrFQDN {
			c.rep.warnf(l[0].Pos, "selector %s: iked cannot match host name %s (only spmd resolves names)", s.Name, l[0].Name)
		}
		if l[0].Kind == AddrUnix {
			c.rep.errorf(l[0].Pos, "selector %s: a unix socket is not a selector address", s.Name)
		}
	}
	if s.Direction == DirOutbound && c.reverse(s, pi) == nil {
		c.rep.warnf(s.Pos, "selector %s: no inbound selector with src and dst swapped uses policy %s; inbound traffic will not be protected by a policy", s.Name, p.Name)
	}
}

// reverse finds the inbound selector of policy position pi matching an
// outbound one.
func (c *checker) reverse(s *Selector, pi int32) *Selector {
	for i := c.firstIn[pi]; i >= 0; i = c.nextIn[i] {
		o := c.cfg.Selectors[i]
		if sameAddrs(o.Src, s.Dst) && sameAddrs(o.Dst, s.Src) && o.ULP == s.ULP {
			return o
		}
	}
	return nil
}

func sameAddrs(a, b []Address) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	x, y := a[0], b[0]
	return x.Kind == y.Kind && x.Prefix == y.Prefix && x.Name == y.Name && x.Iface == y.Iface && x.Port == y.Port
}

func (c *checker) policy(p *Policy, reached bool) {
	switch p.Action {
	case ActionUnset:
		c.report(reached, p.Pos, "policy %s has no action", p.Name)
		return
	case ActionStaticIPsec:
		c.rep.warnf(p.Pos, "policy %s: static_ipsec is not implemented (as in racoon2); iked ignores its selectors", p.Name)
		return
	case ActionAutoIPsec:
	default:
		return // discard and none: spmd installs them, iked has nothing to do
	}
	if p.RemoteIndex == "" {
		c.report(reached, p.Pos, "policy %s lacks remote_index", p.Name)
	} else if r := c.cfg.Remote(p.RemoteIndex); r == nil {
		c.report(reached, p.Pos, "no remote for %s (policy %s)", p.RemoteIndex, p.Name)
	} else {
		p.Remote = r
		if reached {
			r.Used = true
		}
	}
	if len(p.IPsecIndex) == 0 {
		c.report(reached, p.Pos, "policy %s lacks ipsec_index", p.Name)
	}
	p.IPsecs = c.ipsecPtrs.list(len(p.IPsecIndex))
	idx := c.cfg.index().ipsecs
	for _, name := range p.IPsecIndex {
		i, ok := idx[name]
		if !ok {
			c.report(reached, p.Pos, "no ipsec for %s (policy %s)", name, p.Name)
			continue
		}
		p.IPsecs = append(p.IPsecs, c.cfg.IPsecs[i])
		if reached {
			c.reachedI[i] = true
		}
	}
	for _, l := range [][]Address{p.MySAIPAddr, p.PeersSAIPAddr} {
		for _, a := range l {
			if a.Kind == AddrFQDN || a.Kind == AddrUnix {
				c.report(reached, a.Pos, "policy %s: SA endpoints must be addresses or macros, not %s", p.Name, a.Name)
			}
		}
	}
	if p.IPsecMode == ModeTunnel && len(p.PeersSAIPAddr) == 0 {
		c.rep.warnf(p.Pos, "policy %s: tunnel mode without peers_sa_ipaddr; the tunnel ends at the IKE peer's address", p.Name)
	}
}

func (c *checker) ipsec(p *IPsec, reached bool) {
	if !reached {
		return // racoon2 never converts it (q14); nothing to check
	}
	if len(p.SAIndex) == 0 {
		c.report(reached, p.Pos, "ipsec %s lacks sa_index", p.Name)
	}
	var seen [SAProtoIPComp + 1]bool
	p.SAs = c.saPtrs.list(len(p.SAIndex))
	idx := c.cfg.index().sas
	for _, name := range p.SAIndex {
		i, ok := idx[name]
		if !ok {
			c.report(reached, p.Pos, "no sa for %s (ipsec %s)", name, p.Name)
			continue
		}
		s := c.cfg.SAs[i]
		if s.Protocol != SAProtoUnset && seen[s.Protocol] {
			c.report(reached, p.Pos, "ipsec %s: multiple %s defined", p.Name, s.Protocol)
			continue
		}
		seen[s.Protocol] = true
		p.SAs = append(p.SAs, s)
		if reached {
			c.reachedS[i] = true
		}
	}
	if p.ExtSequence == On {
		c.rep.warnf(p.Pos, "ipsec %s: ext_sequence is not supported (as in racoon2); 32-bit sequence numbers are used", p.Name)
	}
}

// ikev2Bundle warns, once per ipsec{}, about what IKEv2 cannot negotiate
// in it. RFC 7296 (1.7) has no SA bundles: racoon2 sent AH and ESP as one
// non-conformant proposal, so a peer could pick AH alone and leave the
// traffic unencrypted; iked keeps the ESP SA of such a bundle (ike.go).
// racoon2 never negotiated IPComp with IKEv2 either.
func (c *checker) ikev2Bundle(p *Policy, ip *IPsec) {
	ah, esp, comp := bundleSAs(ip)
	if ah != nil && esp != nil {
		c.rep.warnf(ip.Pos, "ipsec %s: IKEv2 cannot negotiate an AH+ESP bundle (RFC 7296 1.7); with remote %s iked uses only ESP (sa %s), not sa %s", ip.Name, p.Remote.Name, esp.Name, ah.Name)
	}
	if comp != nil {
		c.rep.warnf(ip.Pos, "ipsec %s: IPComp is not negotiated by IKEv2 (as in racoon2); with remote %s sa %s is ignored", ip.Name, p.Remote.Name, comp.Name)
	}
}

// bundleSAs returns the AH, ESP and IPComp SAs of an ipsec{}.
func bundleSAs(ip *IPsec) (ah, esp, comp *SA) {
	for _, s := range ip.SAs {
		switch s.Protocol {
		case SAProtoAH:
			ah = s
		case SAProtoESP:
			esp = s
		case SAProtoIPComp:
			comp = s
		}
	}
	return ah, esp, comp
}

func (c *checker) sa(s *SA, reached bool) {
	if !reached {
		return // racoon2 never converts unreferenced sa sections (q14)
	}
	owner := label{"sa ", s.Name}
	switch s.Protocol {
	case SAProtoUnset:
		c.rep.errorf(s.Pos, "sa %s lacks sa_protocol", s.Name)
	case SAProtoESP:
		if len(s.EncAlg) == 0 {
			c.rep.errorf(s.Pos, "sa %s: esp needs esp_enc_alg", s.Name)
		}
		aead := c.algs(s.Pos, s.EncAlg, ClassEncryption, owner, "esp_enc_alg", true, espEncr)
		if len(s.ESPAuthAlg) == 0 && !aead {
			c.rep.errorf(s.Pos, "sa %s: esp needs esp_auth_alg", s.Name)
		}
		if aead && len(s.ESPAuthAlg) > 0 {
			c.rep.warnf(s.Pos, "sa %s: esp_auth_alg is not used with combined-mode (AEAD) ciphers", s.Name)
		}
		c.algs(s.Pos, s.ESPAuthAlg, ClassIntegrity, owner, "esp_auth_alg", true, espAuth)
		c.extra(s, s.AHAuthAlg, "ah_auth_alg")
		c.extra(s, s.IPCompAlg, "ipcomp_alg")
	case SAProtoAH:
		if len(s.AHAuthAlg) == 0 {
			c.rep.errorf(s.Pos, "sa %s: ah needs ah_auth_alg", s.Name)
		}
		c.algs(s.Pos, s.AHAuthAlg, ClassIntegrity, owner, "ah_auth_alg", true, espAuth)
		c.extra(s, s.EncAlg, "esp_enc_alg")
		c.extra(s, s.ESPAuthAlg, "esp_auth_alg")
		c.extra(s, s.IPCompAlg, "ipcomp_alg")
	case SAProtoIPComp:
		if len(s.IPCompAlg) == 0 {
			c.rep.errorf(s.Pos, "sa %s: ipcomp needs ipcomp_alg", s.Name)
		}
		c.algs(s.Pos, s.IPCompAlg, ClassCompression, owner, "ipcomp_alg", true, nil)
		c.extra(s, s.EncAlg, "esp_enc_alg")
		c.extra(s, s.ESPAuthAlg, "esp_auth_alg")
		c.extra(s, s.AHAuthAlg, "ah_auth_alg")
	}
	if s.SPI < 0 || s.SPI > 0xffffffff {
		c.rep.errorf(s.Pos, "sa %s: spi %d out of range", s.Name, s.SPI)
	}
}

func (c *checker) extra(s *SA, l []Algorithm, what string) {
	if len(l) > 0 {
		c.rep.warnf(s.Pos, "sa %s: %s is not used with sa_protocol %s", s.Name, what, s.Protocol)
	}
}

// Support sets: which algorithms each use accepts.
func espEncr(a *AlgInfo) bool { return a.Encr != 0 && a.Encr != 10 }
func espAuth(a *AlgInfo) bool { return a.Integ != 0 && a.Integ != 3 }
func ikev2Encr(a *AlgInfo) bool {
	switch a.Encr {
	case 3, 11, 12, 13, 18, 19, 20, 28:
		return true
	}
	return false
}
func ikev2Integ(a *AlgInfo) bool {
	switch a.Integ {
	case 1, 2, 5, 8, 12, 13, 14:
		return true
	}
	return false
}
func ikev2PRF(a *AlgInfo) bool { return a.PRF != 0 }
func dhSupported(a *AlgInfo) bool {
	return a.Group != 0 && a.Group != 3 && a.Group != 4
}
func ikev1Encr(a *AlgInfo) bool { return a.V1 != 0 }
func ikev1Hash(a *AlgInfo) bool { return a.V1 != 0 && a.Name != "tiger" }

// algs checks an algorithm list: the class, support, and key lengths. It
// reports whether every entry is an AEAD.
func (c *checker) algs(p Pos, l []Algorithm, class AlgClass, owner label, dir string, err bool, ok func(*AlgInfo) bool) bool {
	aead := len(l) > 0
	for _, a := range l {
		info := a.Info()
		if info == nil {
			continue
		}
		aead = aead && info.AEAD
		if info.Class != class {
			c.rep.add(p, !err, fmt.Sprintf("%s: %s: %s is a %s algorithm; %s wants %s", owner, dir, a.Name, info.Class, dir, class))
			continue
		}
		if ok != nil && !ok(info) {
			c.rep.add(p, !err, fmt.Sprintf("%s: %s: %s is not supported here", owner, dir, a.Name))
			continue
		}
		if class == ClassEncryption {
			c.keyLen(p, a, info, owner, dir, err)
		}
	}
	return aead
}

func (c *checker) keyLen(p Pos, a Algorithm, info *AlgInfo, owner label, dir string, err bool) {
	if msg := keyLenProblem(a, info); msg != "" {
		c.rep.add(p, !err, owner.String()+": "+dir+": "+msg)
	}
}

// keyLenProblem checks the ",keylen" of a cipher; "" when it is fine.
func keyLenProblem(a Algorithm, info *AlgInfo) string {
	bits := a.KeyLen
	switch {
	case bits <= 0 && info.NeedKeyLen:
		return fmt.Sprintf("%s needs a key length (%s,128, ,192 or ,256)", a.Name, a.Name)
	case bits > 0 && info.KeyLen > 0 && bits != info.KeyLen:
		return fmt.Sprintf("%s has a fixed key length of %d bits, not %d", a.Name, info.KeyLen, bits)
	case bits > 0 && info.KeyLen == 0 && info.Encr >= 12 && info.Encr <= 20 && bits != 128 && bits != 192 && bits != 256:
		return fmt.Sprintf("AES key length must be 128, 192 or 256, not %d", bits)
	}
	return ""
}

// remote checks one remote's effective protocol blocks. The default
// remote is only checked for the values it gives.
func (c *checker) remote(r *Remote, isDefault bool) {
	err := r.Used
	name := label{"remote ", r.Name}
	if isDefault {
		err, name = false, label{kind: "default remote"}
	}
	if !isDefault && !r.Used && (r.IKEv1 != nil || r.IKEv2 != nil) && !kinkOnly(r) {
		c.rep.warnf(r.Pos, "remote %s is not named by an auto_ipsec policy of any selector; iked will negotiate no SA with it (only the values it gives are checked)", r.Name)
	}
	if !isDefault {
		for _, k := range []*KMPConf{r.IKEv1, r.IKEv2, r.KINK} {
			if k != nil && k.Pos.Line != 0 && !explicitlyAccepts(r, k.Proto) {
				c.rep.warnf(k.Pos, "remote %s: the %s block is not used, acceptable_kmp does not include %s", r.Name, k.Proto, k.Proto)
			}
		}
	}
	if r.IKEv2 != nil && (isDefault || explicitlyAccepts(r, KMPIKEv2)) {
		c.ikev2(r, r.IKEv2, name, err, isDefault)
		if !isDefault && r.InitiateKMP() == KMPIKEv1 {
			c.rep.warnf(r.Pos, "remote %s: acceptable_kmp lists ikev1 first, so racoon2 initiates IKEv1, which iked cannot yet; iked only responds to IKEv2 for this remote", r.Name)
		}
	}
	if r.IKEv1 != nil && (isDefault || explicitlyAccepts(r, KMPIKEv1)) {
		c.ikev1(r, r.IKEv1, name, err, isDefault)
	}
}

// need reports a missing value; only remotes in use must be complete.
func kinkOnly(r *Remote) bool {
	return len(r.AcceptableKMP) > 0 && !r.Accepts(KMPIKEv1) && !r.Accepts(KMPIKEv2)
}

func (c *checker) need(err, isDefault bool, p Pos, format string, args ...any) {
	if isDefault || !err {
		return
	}
	c.report(err, p, format, args...)
}

func (c *checker) ikev2(r *Remote, k *KMPConf, name label, err, isDefault bool) {
	p := k.Pos
	if p.Line == 0 {
		p = r.Pos
	}
	if len(k.MyID) == 0 {
		c.need(err, isDefault, p, "%s: ikev2 needs my_id", name)
	}
	if k.NonceSize != 0 && (k.NonceSize < 16 || k.NonceSize > 256) {
		c.report(err, p, "%s: ikev2 nonce_size must be 16 to 256 bytes, not %d", name, k.NonceSize)
	}
	if len(k.EncAlg) == 0 {
		c.need(err, isDefault, p, "%s: ikev2 needs kmp_enc_alg", name)
	}
	aead := c.algs(p, k.EncAlg, ClassEncryption, name, "kmp_enc_alg", err, ikev2Encr)
	for _, a := range k.EncAlg {
		if a.Name == "rijndael_cbc" && a.KeyLen <= 0 {
			c.report(err, p, "%s: kmp_enc_alg: IKEv2 needs a key length with rijndael_cbc (rijndael_cbc,128)", name)
		}
	}
	if len(k.HashAlg) == 0 && !aead {
		c.need(err, isDefault, p, "%s: ikev2 needs kmp_hash_alg (integrity)", name)
	}
	c.algs(p, k.HashAlg, ClassIntegrity, name, "kmp_hash_alg", err, ikev2Integ)
	if len(k.PRFAlg) == 0 {
		c.need(err, isDefault, p, "%s: ikev2 needs kmp_prf_alg", name)
	}
	c.algs(p, k.PRFAlg, ClassIntegrity, name, "kmp_prf_alg", err, ikev2PRF)
	if len(k.DHGroup) == 0 {
		c.need(err, isDefault, p, "%s: ikev2 needs kmp_dh_group", name)
	}
	c.algs(p, k.DHGroup, ClassDHGroup, name, "kmp_dh_group", err, dhSupported)
	if len(k.AuthMethod) == 0 {
		c.need(err, isDefault, p, "%s: ikev2 needs kmp_auth_method", name)
	}
	c.algs(p, k.AuthMethod, ClassAuthMethod, name, "kmp_auth_method", err, func(a *AlgInfo) bool { return a.AuthMethod != 0 })
	c.authKeys(k, name, "ikev2", p, err, isDefault, k.AuthMethod)
	if pr := k.Provide; pr != nil && pr.AddressPool != "" {
		pr.Pool = c.cfg.AddressPool(pr.AddressPool)
		if pr.Pool == nil {
			c.report(err, p, "%s: no addresspool %s", name, pr.AddressPool)
		}
		if k.Passive != On && !isDefault {
			c.rep.warnf(p, "%s: a remote that provides addresses is a responder; passive is forced on", name)
		}
	}
}

func (c *checker) ikev1(r *Remote, k *KMPConf, name label, err, isDefault bool) {
	p := k.Pos
	if p.Line == 0 {
		p = r.Pos
	}
	if len(k.PeersIPAddr) == 0 {
		c.need(err, isDefault, p, "%s: ikev1 needs peers_ipaddr", name)
	}
	if k.ExchangeMode != ModeMain && k.ExchangeMode != ModeUnset {
		c.report(err, p, "%s: ikev1 supports only exchange_mode main", name)
	}
	if len(k.AuthMethod) == 0 {
		c.need(err, isDefault, p, "%s: ikev1 needs kmp_auth_method (racoon2 would crash here)", name)
	} else if len(k.AuthMethod) > 1 {
		c.rep.warnf(p, "%s: ikev1 uses only the first kmp_auth_method (%s)", name, k.AuthMethod[0].Name)
	}
	for _, l := range []struct {
		algs  []Algorithm
		class AlgClass
		what  string
		ok    func(*AlgInfo) bool
	}{
		{k.EncAlg, ClassEncryption, "kmp_enc_alg", ikev1Encr},
		{k.HashAlg, ClassHash, "kmp_hash_alg", ikev1Hash},
		{k.DHGroup, ClassDHGroup, "kmp_dh_group", dhSupported},
		{k.AuthMethod, ClassAuthMethod, "kmp_auth_method", func(a *AlgInfo) bool { return a.AuthMethod != 0 }},
	} {
		if len(l.algs) == 0 && l.what != "kmp_auth_method" {
			c.need(err, isDefault, p, "%s: ikev1 needs %s", name, l.what)
		}
		c.algs(p, l.algs, l.class, name, l.what, err, l.ok)
	}
	if len(k.AuthMethod) > 0 {
		c.authKeys(k, name, "ikev1", p, err, isDefault, k.AuthMethod[:1])
		if k.AuthMethod[0].Name == "psk" {
			for _, id := range k.PeersID {
				if id.Type != IDIPAddr {
					c.report(err, id.Pos, "%s: ikev1 main mode with psk needs ipaddr peers_id, not %s", name, id.Type)
				}
			}
		}
	}
}

// authKeys checks that each authentication method has its keys, and that
// secret files are private.
func (c *checker) authKeys(k *KMPConf, owner label, proto string, p Pos, err, isDefault bool, methods []Algorithm) {
	psk := false
	for _, m := range methods {
		switch m.Name {
		case "psk":
			psk = true
			if k.PreSharedKey == "" {
				c.need(err, isDefault, p, "%s: %s: psk needs pre_shared_key", owner, proto)
			}
		case "rsasig", "dss":
			if k.MyPublicKey == nil {
				c.need(err, isDefault, p, "%s: %s: %s needs my_public_key", owner, proto, m.Name)
			}
			if k.PeersPublicKey == nil {
				c.need(err, isDefault, p, "%s: %s: %s needs peers_public_key", owner, proto, m.Name)
			}
		}
	}
	// IKEConfig reads every key file a block names, whatever the method,
	// so each must be private; a missing one matters only when needed.
	if k.PreSharedKey != "" && (psk || !c.missing(k.PreSharedKey)) {
		c.secret(k.PreSharedKey, "pre_shared_key", p, err, isDefault)
	}
	if k.MyPublicKey != nil {
		c.secret(k.MyPublicKey.PrivFile, "private key", k.MyPublicKey.Pos, err, isDefault)
	}
}

// missing reports whether the secret file at path does not exist. It
// takes the verdict of an earlier check or of the look-ahead goroutine
// (statahead.go) and records nothing, so that secret still reports.
func (c *checker) missing(path string) bool {
	if c.opts.NoSecretChecks {
		return false
	}
	e, ok := c.secrets[path]
	if !ok {
		e = c.pre.check(path, c.opts.UID)
	}
	return os.IsNotExist(e)
}

// secret checks a key or password file: it must exist, be a regular file
// owned by the daemon's user, and have no group or other permissions.
func (c *checker) secret(path, what string, p Pos, err, isDefault bool) {
	if c.opts.NoSecretChecks || path == "" {
		return
	}
	if c.secrets == nil {
		c.secrets = map[string]error{}
	}
	e, done := c.secrets[path]
	if !done {
		e = c.pre.check(path, c.opts.UID)
		c.secrets[path] = e
	}
	if e == nil {
		return
	}
	if os.IsNotExist(e) {
		if !isDefault {
			c.report(err, p, "%s file %s: %v", what, path, e)
		}
		return
	}
	if done {
		return // bad permissions are reported once per file
	}
	c.rep.errorf(p, "%s file %s: %v", what, path, e)
}

// checkSecretFile is racoon2's rc_safefile with the secret flag. It
// calls stat(2) itself, as os.Stat does but without allocating: a large
// configuration names thousands of key files.
func checkSecretFile(path string, uid int) error {
	var st syscall.Stat_t
	err := syscall.Stat(path, &st)
	for err == syscall.EINTR {
		err = syscall.Stat(path, &st)
	}
	if err != nil {
		return &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if uint32(st.Mode)&syscall.S_IFMT != syscall.S_IFREG {
		return errNotRegular
	}
	if int(st.Uid) != uid {
		return fmt.Errorf("owned by uid %d, not by the daemon's uid %d", st.Uid, uid)
	}
	if m := fs.FileMode(st.Mode) & fs.ModePerm; m&0o077 != 0 {
		return fmt.Errorf("weak file permission %04o: group or others can access it (chmod 600)", m)
	}
	return nil
}

// iface expands the interface section.
func (c *checker) iface() {
	f := &c.cfg.Interface
	if len(f.IKEAddrs) == 0 {
		f.IKE = []netip.AddrPort{netip.AddrPortFrom(netip.IPv4Unspecified(), 0), netip.AddrPortFrom(netip.IPv6Unspecified(), 0)}
	}
	seen := map[netip.AddrPort]bool{}
	add := func(a netip.Addr, port uint16) {
		ap := netip.AddrPortFrom(a, port)
		if !seen[ap] {
			seen[ap] = true
			f.IKE = append(f.IKE, ap)
		}
	}
	for _, a := range f.IKEAddrs {
		switch a.Kind {
		case AddrIP:
			add(a.Addr(), a.Port)
		case AddrMacro:
			c.expandMacro(a, add)
		case AddrFQDN:
			c.rep.errorf(a.Pos, "interface ike: %s is a host name; iked listens on addresses or macros only", a.Name)
		case AddrUnix:
			c.rep.errorf(a.Pos, "interface ike: a unix socket cannot carry IKE")
		}
		if a.Kind != AddrUnix && a.Port != 0 && a.Port != 500 && a.Port != 4500 && (a.Kind == AddrIP && a.Prefix.Addr().Is6() || a.IsMacro("MY_IPV6")) {
			c.rep.warnf(a.Pos, "racoon2 silently fails to open IPv6 port %d; iked opens it", a.Port)
		}
	}
	for _, a := range f.SpmdAddrs {
		if a.Kind == AddrUnix {
			f.Spmd = append(f.Spmd, a.Name)
			continue
		}
		c.rep.warnf(a.Pos, "interface spmd: iked talks to spmd over unix sockets only; this entry is for spmd's debug TCP port and iked ignores it")
	}
	if f.SpmdPassword != "" && !c.opts.NoSecretChecks {
		switch e := checkSecretFile(f.SpmdPassword, c.opts.UID); {
		case os.IsNotExist(e):
			c.rep.warnf(f.SpmdPasswordPos, "spmd_password file %s does not exist; iked cannot log in to spmd until it does", f.SpmdPassword)
		case e != nil:
			c.rep.errorf(f.SpmdPasswordPos, "spmd_password file %s: %v", f.SpmdPassword, e)
		}
	}
}

func (c *checker) expandMacro(a Address, add func(netip.Addr, uint16)) {
	switch {
	case a.Iface == "" && (a.Name == "MY_IP" || a.Name == "IP_ANY" || a.Name == "IP_RW"):
		if a.Name == "IP_RW" {
			c.rep.warnf(a.Pos, "interface ike: IP_RW means any address here, like IP_ANY")
		}
		add(netip.IPv4Unspecified(), a.Port)
		add(netip.IPv6Unspecified(), a.Port)
		return
	case a.Iface == "" && a.Name == "MY_IPV4":
		add(netip.IPv4Unspecified(), a.Port)
		return
	case a.Iface == "" && a.Name == "MY_IPV6":
		add(netip.IPv6Unspecified(), a.Port)
		return
	}
	if c.opts.NoHostAddrs {
		return
	}
	if !c.gotAddr {
		c.gotAddr = true
		c.addrs, c.addrErr = c.opts.Addrs()
	}
	if c.addrErr != nil {
		c.rep.errorf(a.Pos, "interface ike: cannot list the host's addresses for %s: %v", a.Name, c.addrErr)
		return
	}
	n := 0
	for _, ia := range c.addrs {
		if a.Iface != "" && ia.Iface != a.Iface || !macroMatch(a.Name, ia.Addr) {
			continue
		}
		ad := ia.Addr
		if ad.Is6() && ad.IsLinkLocalUnicast() && ad.Zone() == "" {
			ad = ad.WithZone(ia.Iface)
		}
		add(ad, a.Port)
		n++
	}
	if n == 0 {
		label := a.Name
		if a.Iface != "" {
			label += "%" + a.Iface
		}
		c.rep.warnf(a.Pos, "interface ike: %s matches no address of this host", label)
	}
}

// zeroLifetimes warns where a default ipsec section's lifetime replaced
// one written as 0 or infinite (racoon2's "0 means unset").
func (c *checker) zeroLifetimes() {
	for _, z := range c.zeroLives {
		kw, v := "ipsec_sa_lifetime_time", ""
		if z.bytes {
			if n := z.p.IPsecSALifetimeByte; n != 0 {
				kw, v = "ipsec_sa_lifetime_byte", fmt.Sprint(n, " bytes")
			}
		} else if d := z.p.IPsecSALifetimeTime; d != 0 {
			v = d.String()
		}
		if v != "" {
			c.rep.warnf(z.pos, "%s %s means unset in racoon2: the default ipsec section's %s applies", kw, z.text, v)
		}
	}
}
