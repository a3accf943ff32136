package conf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Dump writes the effective configuration in racoon2.conf syntax: the
// variables are expanded, every remote, policy, ipsec and sa carries its
// merged values (default section and built-in defaults applied), and the
// default section is kept as written. Loading the output gives the same
// model, and dumping that again gives the same text.
//
// A value that itself contains "${" or "$[" (from an environment
// variable) cannot be written literally: racoon2.conf has no escapes, so
// reading it back would expand it again. Such a value is written as it
// was in the file ("$[VAR]"), which gives the same value again under the
// same environment; when that text is not known, Dump fails with
// ErrNotExpressible instead of writing a different configuration.
func (c *Config) Dump(w io.Writer) error {
	d := &dumper{w: bufio.NewWriter(w), raw: c.rawText}
	d.line(0, "# effective configuration written by iked --dump-config")
	if len(c.VarOrder) > 0 {
		d.open(0, "setval")
		for _, n := range c.VarOrder {
			d.line(1, quote(n)+" "+quote(c.Vars[n])+";") // as written
		}
		d.close(0)
	}
	d.iface(&c.Interface)
	if c.Resolver.Present {
		d.resolver(&c.Resolver)
	}
	if df := c.Default; df.Remote != nil || df.Policy != nil || df.IPsec != nil || df.SA != nil {
		d.open(0, "default")
		if df.Remote != nil {
			d.remoteBody(1, "remote", df.Remote)
		}
		if df.Policy != nil {
			d.policy(1, "policy", df.Policy)
		}
		if df.IPsec != nil {
			d.ipsec(1, "ipsec", df.IPsec)
		}
		if df.SA != nil {
			d.sa(1, "sa", df.SA)
		}
		d.close(0)
	}
	for _, r := range c.Remotes {
		d.remoteBody(0, "remote "+d.q(r.Name), r)
	}
	for _, s := range c.Selectors {
		d.selector(s)
	}
	for _, p := range c.Policies {
		d.policy(0, "policy "+d.q(p.Name), p)
	}
	for _, p := range c.IPsecs {
		d.ipsec(0, "ipsec "+d.q(p.Name), p)
	}
	for _, s := range c.SAs {
		d.sa(0, "sa "+d.q(s.Name), s)
	}
	for _, p := range c.AddressPools {
		d.open(0, "addresspool "+d.q(p.Name))
		for _, r := range p.Ranges {
			d.line(1, quote(r.Start.String())+" - "+quote(r.End.String())+";")
		}
		d.close(0)
	}
	if d.err != nil {
		return d.err
	}
	return d.w.Flush()
}

// ErrNotExpressible is returned by Dump for a value that racoon2.conf
// syntax cannot express.
var ErrNotExpressible = errors.New("conf: value cannot be written in racoon2.conf syntax")

type dumper struct {
	w   *bufio.Writer
	raw map[string]string // Config.rawText
	err error             // the first value that cannot be written
}

// quote quotes a string the racoon2 way (no escapes exist; the lexer
// cannot produce a string with a double quote in it).
func quote(s string) string { return `"` + s + `"` }

// q quotes an expanded value so that reading it back gives s again.
func (d *dumper) q(s string) string {
	if !hasVarSyntax(s) {
		return quote(s)
	}
	if r, ok := d.raw[s]; ok {
		return quote(r)
	}
	if d.err == nil {
		d.err = fmt.Errorf("%w: %q would be expanded again when read", ErrNotExpressible, s)
	}
	return quote(s)
}

// hasVarSyntax tells whether reading s in quotes would expand something.
func hasVarSyntax(s string) bool {
	return strings.Contains(s, "${") || strings.Contains(s, "$[")
}

func (d *dumper) line(depth int, s string) {
	for i := 0; i < depth; i++ {
		d.w.WriteByte('\t')
	}
	d.w.WriteString(s)
	d.w.WriteByte('\n')
}

func (d *dumper) open(depth int, head string) { d.line(depth, head+" {") }
func (d *dumper) close(depth int)             { d.line(depth, "};") }

func (d *dumper) kv(depth int, key, val string) { d.line(depth, key+" "+val+";") }

func (d *dumper) str(depth int, key, val string) {
	if val != "" {
		d.kv(depth, key, d.q(val))
	}
}

func (d *dumper) boolean(depth int, key string, b Bool) {
	if b != Unset {
		d.kv(depth, key, b.String())
	}
}

func (d *dumper) num(depth int, key string, v int64) {
	if v != 0 {
		d.kv(depth, key, strconv.FormatInt(v, 10))
	}
}

func (d *dumper) dur(depth int, key string, v time.Duration) {
	if v != 0 {
		d.kv(depth, key, strconv.FormatInt(int64(v/time.Second), 10)+" sec")
	}
}

func (d *dumper) bytes(depth int, key string, v uint64) {
	if v != 0 {
		d.kv(depth, key, strconv.FormatUint(v, 10)+" bytes")
	}
}

func (d *dumper) addrString(a Address) string {
	var s string
	switch a.Kind {
	case AddrUnix:
		return "unix " + d.q(a.Name)
	case AddrIP:
		s = a.Prefix.Addr().String()
		if a.Iface != "" {
			s += "%" + a.Iface
		}
		if a.Prefix.Bits() != a.Prefix.Addr().BitLen() {
			s += "/" + strconv.Itoa(a.Prefix.Bits())
		}
	case AddrMacro:
		s = a.Name
		if a.Iface != "" {
			s += "%" + a.Iface
		}
	default:
		s = a.Name
	}
	s = d.q(s)
	if a.Port != 0 {
		s += " port " + strconv.Itoa(int(a.Port))
	}
	return s
}

// list writes a list directive: bare for one element, braced otherwise.
func (d *dumper) list(depth int, key string, items []string) {
	switch len(items) {
	case 0:
	case 1:
		d.kv(depth, key, items[0])
	default:
		d.line(depth, key+" { "+strings.Join(items, "; ")+"; };")
	}
}

// each writes l as a list directive, each element formatted by f.
func each[T any](d *dumper, depth int, key string, l []T, f func(T) string) {
	items := make([]string, len(l))
	for i, x := range l {
		items[i] = f(x)
	}
	d.list(depth, key, items)
}

func (d *dumper) addrs(depth int, key string, l []Address) { each(d, depth, key, l, d.addrString) }

func (d *dumper) strs(depth int, key string, l []string) { each(d, depth, key, l, d.q) }

func (d *dumper) algString(a Algorithm) string {
	s := a.Name
	switch {
	case a.HasKey && a.KeyLen > 0:
		s += "," + strconv.Itoa(a.KeyLen) + "," + d.q(a.Key)
	case a.HasKey:
		s += ",," + d.q(a.Key)
	case a.KeyLen > 0:
		s += "," + strconv.Itoa(a.KeyLen)
	}
	return s
}

func (d *dumper) algs(depth int, key string, l []Algorithm) { each(d, depth, key, l, d.algString) }

func (d *dumper) idString(id ID) string {
	s := id.Type.String()
	switch id.Qual {
	case QualFile:
		s += " file"
	case QualTag:
		s += " tag"
	}
	return s + " " + d.q(id.Value)
}

func (d *dumper) ids(depth int, key string, l []ID) { each(d, depth, key, l, d.idString) }

func (d *dumper) iface(f *Interface) {
	if len(f.IKEAddrs) == 0 && len(f.KINK) == 0 && len(f.SpmdAddrs) == 0 && f.SpmdPassword == "" && f.ApplicationBypass == Unset {
		return
	}
	d.open(0, "interface")
	d.addrs(1, "ike", f.IKEAddrs)
	d.addrs(1, "kink", f.KINK)
	d.addrs(1, "spmd", f.SpmdAddrs)
	d.str(1, "spmd_password", f.SpmdPassword)
	d.boolean(1, "application_bypass", f.ApplicationBypass)
	d.close(0)
}

func (d *dumper) resolver(r *Resolver) {
	d.open(0, "resolver")
	d.boolean(1, "resolver", r.Enable)
	d.addrs(1, "nameserver", r.Nameserver)
	d.addrs(1, "dns_query", r.DNSQuery)
	d.close(0)
}

func (d *dumper) remoteBody(depth int, head string, r *Remote) {
	d.open(depth, head)
	if len(r.AcceptableKMP) > 0 {
		items := make([]string, len(r.AcceptableKMP))
		for i, k := range r.AcceptableKMP {
			items[i] = k.String()
		}
		d.list(depth+1, "acceptable_kmp", items)
	}
	d.str(depth+1, "selector_index", r.SelectorIndex)
	for _, k := range []*KMPConf{r.IKEv1, r.IKEv2, r.KINK} {
		if k != nil {
			d.kmp(depth+1, k)
		}
	}
	d.close(depth)
}

var (
	logModeWords = [...]string{"", "normal", "debug"}
	exchWords    = [...]string{"", "main", "aggressive", "base"}
	roleWords    = [...]string{"", "agent", "mobile", "correspondent"}
	reqOrder     = []struct {
		r    Request
		word string
	}{{ReqIP4, "ip4"}, {ReqIP6, "ip6"}, {ReqIP4DNS, "ip4_dns"}, {ReqIP6DNS, "ip6_dns"},
		{ReqIP4DHCP, "ip4_dhcp"}, {ReqIP6DHCP, "ip6_dhcp"}, {ReqAppVer, "application_version"},
		{ReqMIP6Home, "mip6_home_prefix"}}
)

func (d *dumper) kmp(depth int, k *KMPConf) {
	d.open(depth, k.Proto.String())
	n := depth + 1
	if k.LogMode != LogUnset {
		d.kv(n, "logmode", logModeWords[k.LogMode])
	}
	d.str(n, "logfile", k.LogFile)
	d.boolean(n, "passive", k.Passive)
	d.boolean(n, "use_coa", k.UseCoA)
	d.addrs(n, "peers_ipaddr", k.PeersIPAddr)
	d.num(n, "peers_kmp_port", int64(k.PeersKMPPort))
	d.boolean(n, "verify_id", k.VerifyID)
	d.boolean(n, "verify_pubkey", k.VerifyPubkey)
	d.boolean(n, "send_cert", k.SendCert)
	d.boolean(n, "send_cert_req", k.SendCertReq)
	d.bytes(n, "nonce_size", uint64(k.NonceSize))
	d.boolean(n, "initial_contact", k.InitialContact)
	d.boolean(n, "support_proxy", k.SupportProxy)
	d.boolean(n, "nat_traversal", k.NATTraversal)
	d.ids(n, "my_id", k.MyID)
	d.ids(n, "peers_id", k.PeersID)
	if k.SelectorCheck != CheckUnset {
		d.kv(n, "selector_check", k.SelectorCheck.String())
	}
	if k.ProposalCheck != CheckUnset {
		d.kv(n, "proposal_check", k.ProposalCheck.String())
	}
	d.boolean(n, "random_pad_content", k.RandomPadContent)
	d.boolean(n, "random_padlen", k.RandomPadlen)
	d.bytes(n, "max_padlen", uint64(k.MaxPadlen))
	d.num(n, "max_retry_to_send", int64(k.MaxRetryToSend))
	d.dur(n, "interval_to_send", k.IntervalToSend)
	d.num(n, "times_per_send", int64(k.TimesPerSend))
	d.dur(n, "kmp_sa_lifetime_time", k.KMPSALifetimeTime)
	d.bytes(n, "kmp_sa_lifetime_byte", k.KMPSALifetimeByte)
	d.dur(n, "kmp_sa_nego_time_limit", k.KMPSANegoTimeLimit)
	d.dur(n, "kmp_sa_grace_period", k.KMPSAGracePeriod)
	d.dur(n, "ipsec_sa_nego_time_limit", k.IPsecSANegoTimeLimit)
	d.algs(n, "kmp_enc_alg", k.EncAlg)
	d.algs(n, "kmp_hash_alg", k.HashAlg)
	d.algs(n, "kmp_prf_alg", k.PRFAlg)
	d.algs(n, "kmp_dh_group", k.DHGroup)
	d.algs(n, "kmp_auth_method", k.AuthMethod)
	if k.MobilityRole != RoleUnset {
		d.kv(n, "mobility_role", roleWords[k.MobilityRole])
	}
	var scripts []string
	for i, s := range k.Scripts {
		if s != "" {
			scripts = append(scripts, ScriptType(i).String()+" "+d.q(s))
		}
	}
	if len(scripts) > 0 {
		d.line(n, "script { "+strings.Join(scripts, "; ")+"; };")
	}
	if k.ExchangeMode != ModeUnset {
		d.kv(n, "exchange_mode", exchWords[k.ExchangeMode])
	}
	d.str(n, "my_gssapi_id", k.MyGSSAPIID)
	d.boolean(n, "dpd", k.DPD)
	d.dur(n, "dpd_retry", k.DPDRetry)
	d.num(n, "dpd_maxfail", int64(k.DPDMaxFail))
	d.boolean(n, "need_pfs", k.NeedPFS)
	if kf := k.MyPublicKey; kf != nil {
		d.kv(n, "my_public_key", kf.Type.String()+" "+d.q(kf.PubFile)+" "+d.q(kf.PrivFile))
	}
	if kf := k.PeersPublicKey; kf != nil {
		d.kv(n, "peers_public_key", kf.Type.String()+" "+d.q(kf.PubFile))
	}
	d.str(n, "pre_shared_key", k.PreSharedKey)
	d.dur(n, "dpd_delay", k.DPDDelay)
	d.boolean(n, "cookie_required", k.CookieRequired)
	d.boolean(n, "send_peers_id", k.SendPeersID)
	d.bytes(n, "ike_frag_size", uint64(k.IKEFragSize))
	if p := k.Provide; p != nil {
		d.open(n, "provide")
		d.str(n+1, "addresspool", p.AddressPool)
		d.addrs(n+1, "dns", p.DNS)
		d.addrs(n+1, "dhcp", p.DHCP)
		d.str(n+1, "application_version", p.AppVersion)
		d.addrs(n+1, "mip6_home_prefix", p.MIP6HomePrefix)
		d.close(n)
	}
	if k.Request != 0 {
		var items []string
		for _, r := range reqOrder {
			if k.Request&r.r != 0 {
				items = append(items, r.word)
			}
		}
		d.line(n, "request { "+strings.Join(items, "; ")+"; };")
	}
	d.str(n, "my_principal", k.MyPrincipal)
	d.str(n, "peers_principal", k.PeersPrincipal)
	d.close(depth)
}

var (
	dirWords   = [...]string{"", "outbound", "inbound"}
	modeWords  = [...]string{"", "transport", "tunnel"}
	levelWords = [...]string{"", "unique", "require", "use"}
)

func (d *dumper) selector(s *Selector) {
	d.open(0, "selector "+d.q(s.Name))
	d.num(1, "order", s.Order)
	if s.Direction != DirUnset {
		d.kv(1, "direction", dirWords[s.Direction])
	}
	d.addrs(1, "src", s.Src)
	d.addrs(1, "dst", s.Dst)
	if s.ULPName != "" {
		v := d.q(s.ULPName)
		for _, a := range s.ULPArgs {
			if a >= 0 {
				v += " " + strconv.Itoa(a)
			}
		}
		d.kv(1, "upper_layer_protocol", v)
	}
	d.strs(1, "next_header_including", s.NextHeaderIncluding)
	d.str(1, "tagged", s.Tagged)
	d.str(1, "policy_index", s.PolicyIndex)
	d.num(1, "reqid", int64(s.Reqid))
	d.close(0)
}

func (d *dumper) policy(depth int, head string, p *Policy) {
	d.open(depth, head)
	n := depth + 1
	if p.Action != ActionUnset {
		d.kv(n, "action", p.Action.String())
	}
	d.boolean(n, "install", p.Install)
	d.str(n, "remote_index", p.RemoteIndex)
	d.strs(n, "ipsec_index", p.IPsecIndex)
	if p.IPsecMode != ModeUnsetIPsec {
		d.kv(n, "ipsec_mode", modeWords[p.IPsecMode])
	}
	d.addrs(n, "my_sa_ipaddr", p.MySAIPAddr)
	d.addrs(n, "peers_sa_ipaddr", p.PeersSAIPAddr)
	if p.IPsecLevel != LevelUnset {
		d.kv(n, "ipsec_level", levelWords[p.IPsecLevel])
	}
	d.close(depth)
}

func (d *dumper) ipsec(depth int, head string, p *IPsec) {
	d.open(depth, head)
	n := depth + 1
	d.dur(n, "ipsec_sa_lifetime_time", p.IPsecSALifetimeTime)
	d.bytes(n, "ipsec_sa_lifetime_byte", p.IPsecSALifetimeByte)
	d.boolean(n, "ext_sequence", p.ExtSequence)
	d.strs(n, "sa_index", p.SAIndex)
	d.close(depth)
}

func (d *dumper) sa(depth int, head string, s *SA) {
	d.open(depth, head)
	n := depth + 1
	if s.Protocol != SAProtoUnset {
		d.kv(n, "sa_protocol", s.Protocol.String())
	}
	d.algs(n, "esp_enc_alg", s.EncAlg)
	d.algs(n, "esp_auth_alg", s.ESPAuthAlg)
	d.algs(n, "ah_auth_alg", s.AHAuthAlg)
	d.algs(n, "ipcomp_alg", s.IPCompAlg)
	d.num(n, "spi", s.SPI)
	d.close(depth)
}
