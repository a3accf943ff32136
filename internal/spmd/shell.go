package spmd

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/spmdclient"
)

// racoon2's reply texts (spmd/shell.c), byte for byte.
const (
	txtSyntax       = "Syntax Error"
	txtNotImpl      = "Command not implemented"
	txtNeedLogin    = "need login"
	txtNeedLoginNS  = "Need Login"
	txtLoginOK      = "OK"
	txtLoginFailed  = "FAILED(Internal Error)"
	txtBye          = "BYE"
	txtSLIDFailed   = "Operation failed"
	txtOpFailed     = "Operation Failed"
	txtNoSelector   = "Operation Failed, selector not found"
	txtNoReverse    = "Operation Failed, reverse selector not found"
	txtSameDir      = "Operation Failed, found reverse selector is same direction"
	txtInternal     = "Operation Failed, internal error"
	txtDeleted      = "Policy Deleted"
	txtNoPolicy     = "NO Policy Exists"
	txtNotCached    = "Not Cached"
	txtFQDNAdded    = "FQDN Registered"
	txtFQDNDeleted  = "FQDN Deregistered"
	txtFQDNExists   = "FQDN Already Registered"
	txtFQDNNoSuch   = "No such a FQDN exists"
	txtNoFQDN       = "No FQDN Registered"
	txtNoNameServer = "No Name Server(resolver off?)"
	txtResolverOff  = "Operation Failed(resolver off?)"
	maxFQDNs        = 1024
	maxFQDNLen      = 255
)

// statLabels are the nine counters of STAT; without the DNS proxy they are
// all zero.
var statLabels = []string{
	"DNS QUERY", "DNS QUERY RETRANSMIT", "DNS QUERY ERROR",
	"DNS RESPONSE", "DNS RESPONSE ERROR", "DNS RESPONSE DROP",
	"CACHE HIT", "CACHE MISS", "CACHE TOTAL FQDN",
}

// handle answers one read's worth of input, appending the reply to out.
func (s *Server) handle(ss *session, in []byte, out []byte) ([]byte, bool) {
	w := spmdclient.ParseCommand(in)
	if len(w) == 0 {
		return spmdclient.AppendReply(out, 502, txtNotImpl), false
	}
	cmd, args := w[0], w[1:]
	m := func(name string) bool { return spmdclient.Match(cmd, name) }
	switch {
	case m("QUIT"), m("EXIT"):
		return spmdclient.AppendReply(out, 250, txtBye), true
	case m("LOGIN"):
		return s.login(ss, args, out), false
	case m("NS"):
		if !ss.loggedIn {
			return spmdclient.AppendReply(out, 550, txtNeedLoginNS), false
		}
		code, lines := nsCommand(args)
		return spmdclient.AppendReply(out, code, lines...), false
	case m("SLID"), m("POLICY"), m("MIGRATE"), m("FQDN"), m("STAT"):
		if !ss.loggedIn {
			return spmdclient.AppendReply(out, 550, txtNeedLogin), false
		}
	default:
		return spmdclient.AppendReply(out, 502, txtNotImpl), false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked()
	var code int
	var lines []string
	switch {
	case m("SLID"):
		code, lines = s.slid(args)
	case m("POLICY"):
		code, lines = s.policy(args)
	case m("MIGRATE"):
		code, lines = s.migrate(args)
	case m("FQDN"):
		code, lines = s.fqdn(args)
	default: // STAT
		code, lines = stat(args)
	}
	return spmdclient.AppendReply(out, code, lines...), false
}

func one(code int, text string) (int, []string) { return code, []string{text} }

// login checks LOGIN <hash> against the challenge of this connection. The
// challenge is used up by the first attempt, right or wrong; a hash is
// accepted when its first 40 characters match (racoon2's strncmp).
func (s *Server) login(ss *session, args []string, out []byte) []byte {
	challenge := ss.challenge
	ss.challenge = ""
	if len(args) != 1 || challenge == "" || ss.loggedIn {
		s.log.Warn("spmif login refused", "reason", "bad form or challenge used")
		return spmdclient.AppendReply(out, 550, txtLoginFailed)
	}
	pw, err := spmdclient.ReadPassword(s.opts.PasswordFile)
	if err != nil {
		s.log.Error("spmif login: password file", "err", err)
		return spmdclient.AppendReply(out, 550, txtLoginFailed)
	}
	want := spmdclient.LoginHash(challenge, pw)
	clear(pw)
	got := args[0]
	if len(got) < spmdclient.HashLen || got[:spmdclient.HashLen] != want {
		s.log.Warn("spmif login refused", "reason", "wrong hash")
		return spmdclient.AppendReply(out, 550, txtLoginFailed)
	}
	ss.loggedIn = true
	s.log.Info("spmif client logged in")
	return spmdclient.AppendReply(out, 250, txtLoginOK)
}

// strtoul reads leading decimal digits as C's strtoul does ("17abc" is 17,
// "abc" is 0); overflow saturates.
func strtoul(s string) uint64 {
	var v uint64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if v > (^uint64(0)-d)/10 {
			return ^uint64(0)
		}
		v = v*10 + d
	}
	return v
}

// atoi reads an optional sign and leading digits as C's atoi; junk is 0.
func atoi(s string) int {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	v := strtoul(s)
	if v > 1<<20 {
		v = 1 << 20
	}
	if neg {
		return -int(v)
	}
	return int(v)
}

func (s *Server) slid(args []string) (int, []string) {
	if len(args) != 1 {
		return one(500, txtSyntax)
	}
	id := strtoul(args[0])
	if id > uint64(^uint32(0)) {
		return one(550, txtSLIDFailed)
	}
	e := s.table.lookup(uint32(id))
	if e == nil {
		return one(550, txtSLIDFailed)
	}
	return one(250, e.sel)
}

func (s *Server) policy(args []string) (int, []string) {
	if len(args) == 0 {
		return one(500, txtSyntax)
	}
	switch sub := args[0]; {
	case spmdclient.Match(sub, "ADD"):
		return s.policyAdd(args[1:])
	case spmdclient.Match(sub, "DELETE"):
		return s.policyDelete(args[1:])
	case spmdclient.Match(sub, "DUMP"):
		return s.policyDump()
	}
	return one(500, txtSyntax)
}

// cmdMode reads the mode word, which only decides the argument count.
func cmdMode(w string) (ike.Mode, bool) {
	switch {
	case strings.EqualFold(w, "transport"):
		return ike.ModeTransport, true
	case strings.EqualFold(w, "tunnel"):
		return ike.ModeTunnel, true
	}
	return ike.ModeAny, false
}

var errSyntax = errors.New("syntax")

// cmdPrefix parses "<addr>/<plen>". A missing slash is a syntax error; the
// address must be numeric; plen is read like atoi and clamped: <= 0 or
// beyond the address length means the full length, and a full-length
// unspecified address means /0.
func cmdPrefix(w string) (netip.Prefix, error) {
	i := strings.LastIndexByte(w, '/')
	if i < 0 {
		return netip.Prefix{}, errSyntax
	}
	a, err := netip.ParseAddr(w[:i])
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, errors.New("address")
	}
	bits := atoi(w[i+1:])
	if bits <= 0 || bits > a.BitLen() {
		bits = a.BitLen()
	}
	if bits == a.BitLen() && a.IsUnspecified() {
		bits = 0
	}
	return netip.PrefixFrom(a, bits), nil
}

// policyArgs holds a parsed POLICY ADD/DELETE.
type policyArgs struct {
	sel          string
	lifetime     uint64
	mode         ike.Mode
	src, dst     netip.Prefix
	saSrc, saDst netip.Addr
}

// parsePolicy parses [<lifetime>] <mode> <src> <dst> [<sa_src> <sa_dst>]
// after the selector; base is the transport-mode argument count.
func parsePolicy(args []string, withLifetime bool) (policyArgs, int, string) {
	base := 4
	if withLifetime {
		base = 5
	}
	if len(args) < base {
		return policyArgs{}, 500, txtSyntax
	}
	var pa policyArgs
	pa.sel = args[0]
	rest := args[1:]
	if withLifetime {
		v, err := strconv.ParseUint(rest[0], 10, 64)
		if err != nil {
			return pa, 500, txtSyntax
		}
		pa.lifetime = v
		rest = rest[1:]
	}
	mode, ok := cmdMode(rest[0])
	if !ok {
		return pa, 500, txtSyntax
	}
	pa.mode = mode
	want := base
	if mode == ike.ModeTunnel {
		want += 2
	}
	if len(args) != want {
		return pa, 500, txtSyntax
	}
	var err error
	for i, p := range []*netip.Prefix{&pa.src, &pa.dst} {
		if *p, err = cmdPrefix(rest[1+i]); err != nil {
			if err == errSyntax {
				return pa, 500, txtSyntax
			}
			return pa, 550, txtOpFailed
		}
	}
	if mode == ike.ModeTunnel {
		for i, a := range []*netip.Addr{&pa.saSrc, &pa.saDst} {
			if *a, err = netip.ParseAddr(rest[3+i]); err != nil || a.Zone() != "" {
				return pa, 550, txtOpFailed
			}
		}
	}
	return pa, 0, ""
}

// policyAdd installs the named selector's policy and its reverse's, with a
// hard lifetime, for addresses iked leased or learned (racoon2 POLICY ADD).
// Unlike racoon2 it answers after the kernel did, so a refusal is reported.
func (s *Server) policyAdd(args []string) (int, []string) {
	pa, code, txt := parsePolicy(args, true)
	if code != 0 {
		return one(code, txt)
	}
	sel := s.cfg.Selector(pa.sel)
	if sel == nil {
		return one(550, txtNoSelector)
	}
	rev := s.cfg.Reverse(sel)
	if rev == nil {
		return one(550, txtNoReverse)
	}
	if rev.Dir == sel.Dir {
		return one(550, txtSameDir)
	}
	life := time.Duration(min(pa.lifetime, uint64(1<<62)/uint64(time.Second))) * time.Second
	fwd := spec{sel: sel, src: pa.src, dst: pa.dst, srcPort: sel.SrcPort, dstPort: sel.DstPort, lifetime: life}
	bwd := spec{sel: rev, src: pa.dst, dst: pa.src, srcPort: sel.DstPort, dstPort: sel.SrcPort, lifetime: life}
	if err := addSAEnds(&fwd, &bwd, pa); err != nil {
		s.log.Warn("POLICY ADD", "selector", sel.Index, "err", err)
		return one(550, "Operation Failed(sl_index="+sel.Index+")")
	}
	var pols []*ike.Policy
	for _, sp := range []spec{fwd, bwd} {
		p, err := build(sp)
		if err != nil {
			s.log.Warn("POLICY ADD", "selector", sp.sel.Index, "err", err)
			return one(550, "Operation Failed(sl_index="+sp.sel.Index+")")
		}
		pols = append(pols, p)
	}
	var expires time.Time
	if life > 0 {
		expires = s.opts.Now().Add(life)
	}
	var done []*entry
	for i, p := range pols {
		es, err := s.install([]string{sel.Index, rev.Index}[i], p, expires)
		done = append(done, es...)
		if err != nil {
			s.log.Error("POLICY ADD: kernel refused", "selector", sel.Index, "err", err)
			for _, e := range done {
				s.uninstall(e)
			}
			return one(550, txtInternal)
		}
	}
	s.log.Info("POLICY ADD", "selector", sel.Index, "reverse", rev.Index, "src", pa.src, "dst", pa.dst, "lifetime", life)
	return one(250, "Policy Added "+sel.Index+" and "+rev.Index)
}

// addSAEnds sets tunnel endpoints: the command's, or for a transport
// command on a tunnel policy the configured literal ones (racoon2 crashed
// when they were not literal); the reverse gets them swapped.
func addSAEnds(fwd, bwd *spec, pa policyArgs) error {
	src, dst := pa.saSrc, pa.saDst
	if pa.mode != ike.ModeTunnel {
		pl := fwd.sel.Policy
		if pl == nil || pl.Mode != ike.ModeTunnel || pl.Action != ActionAutoIPsec {
			return nil
		}
		var err error
		if src, err = saAddr(pl.MySA, pa.src.Addr(), "my_sa_ipaddr"); err != nil {
			return err
		}
		if dst, err = saAddr(pl.PeersSA, pa.src.Addr(), "peers_sa_ipaddr"); err != nil {
			return err
		}
		if fwd.sel.Dir == ike.DirIn {
			src, dst = dst, src
		}
	}
	fwd.saSrc, fwd.saDst = src, dst
	bwd.saSrc, bwd.saDst = dst, src
	return nil
}

// install puts p in the kernel with SPDUPDATE semantics (an existing policy
// with the same selector and direction is replaced), plus its forward
// twin when wanted, and records both.
func (s *Server) install(sel string, p *ike.Policy, expires time.Time) ([]*entry, error) {
	var out []*entry
	e, err := s.installOne(sel, p, expires)
	if err != nil {
		return nil, err
	}
	out = append(out, e)
	if s.opts.Fwd && p.Dir == ike.DirIn && p.Action == ike.ActionIPsec && policyMode(p) == ike.ModeTunnel {
		f := *p
		f.Dir, f.ID = ike.DirFwd, 0
		e, err := s.installOne(sel, &f, expires)
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (s *Server) installOne(sel string, p *ike.Policy, expires time.Time) (*entry, error) {
	id, err := s.kern.AddPolicy(p)
	ours := false
	if errors.Is(err, syscall.EOPNOTSUPP) && p.Lifetime != (ike.Lifetime{}) {
		// The backend cannot give a policy a lifetime: install it without
		// one and remove it ourselves when the lifetime ends.
		p.Lifetime, ours = ike.Lifetime{}, true
		id, err = s.kern.AddPolicy(p)
	}
	if errors.Is(err, syscall.EEXIST) {
		old := *p
		old.ID = 0
		if derr := s.kern.DeletePolicy(&old); derr == nil {
			id, err = s.kern.AddPolicy(p)
		}
	}
	if err != nil {
		return nil, err
	}
	e := &entry{sel: sel, pol: *p, expires: expires, ours: ours}
	e.pol.ID = id
	s.table.add(e)
	if ours {
		s.armLocked()
	}
	return e, nil
}

func (s *Server) uninstall(e *entry) error {
	err := s.kern.DeletePolicy(&e.pol)
	s.table.remove(e)
	return err
}

// policyDelete removes the named selector's policies whose mode, addresses
// and (in tunnel mode) endpoints match; ports and direction are not
// compared. Nothing matching is still "250 Policy Deleted", as in racoon2.
func (s *Server) policyDelete(args []string) (int, []string) {
	pa, code, txt := parsePolicy(args, false)
	if code != 0 {
		return one(code, txt)
	}
	if s.cfg.Selector(pa.sel) == nil {
		return one(550, txtNoSelector)
	}
	failed := false
	n := 0
	for _, e := range s.table.bySelector(pa.sel) {
		p := &e.pol
		if policyMode(p) != pa.mode || p.Selector.Src != pa.src || p.Selector.Dst != pa.dst {
			continue
		}
		if pa.mode == ike.ModeTunnel {
			if a, b, ok := tunnelEnds(p); !ok || a != pa.saSrc || b != pa.saDst {
				continue
			}
		}
		if err := s.uninstall(e); err != nil {
			s.log.Warn("POLICY DELETE: kernel", "selector", pa.sel, "id", p.ID, "err", err)
			failed = true
			continue
		}
		n++
	}
	s.log.Info("POLICY DELETE", "selector", pa.sel, "removed", n)
	if failed {
		return one(550, txtOpFailed)
	}
	return one(250, txtDeleted)
}

func (s *Server) policyDump() (int, []string) {
	if len(s.table.list) == 0 {
		return one(251, txtNoPolicy)
	}
	lines := make([]string, 0, len(s.table.list))
	for _, e := range s.table.list {
		lines = append(lines, e.sel+" "+strconv.FormatUint(uint64(e.pol.ID), 10))
	}
	return 250, lines
}

// migrate accepts the five-argument form racoon2's client sends, MIGRATE
// <slid> <sa_src> <sa_dst> <sa2_src> <sa2_dst> (racoon2's spmd wanted six
// and so refused it), and moves the selector's tunnel policies from the
// old endpoints to the new ones, either orientation.
func (s *Server) migrate(args []string) (int, []string) {
	if len(args) != 5 {
		return one(500, txtSyntax)
	}
	var a [4]netip.Addr
	for i := range a {
		var err error
		if a[i], err = netip.ParseAddr(args[1+i]); err != nil || a[i].Zone() != "" {
			return one(550, txtOpFailed)
		}
	}
	sel := args[0]
	if s.cfg.Selector(sel) == nil {
		return one(550, txtNoSelector)
	}
	moved := 0
	for _, e := range s.table.bySelector(sel) {
		src, dst, ok := tunnelEnds(&e.pol)
		var ns, nd netip.Addr
		switch {
		case !ok:
			continue
		case src == a[0] && dst == a[1]:
			ns, nd = a[2], a[3]
		case src == a[1] && dst == a[0]:
			ns, nd = a[3], a[2]
		default:
			continue
		}
		np := e.pol
		np.Templates = append([]ike.Template(nil), e.pol.Templates...)
		for i := range np.Templates {
			if np.Templates[i].Mode == ike.ModeTunnel {
				np.Templates[i].Src, np.Templates[i].Dst = ns, nd
			}
		}
		if err := s.uninstall(e); err != nil {
			s.log.Warn("MIGRATE: delete", "selector", sel, "err", err)
			return one(550, txtOpFailed)
		}
		np.ID = 0
		if _, err := s.installOne(sel, &np, e.expires); err != nil {
			s.log.Error("MIGRATE: kernel refused", "selector", sel, "err", err)
			return one(550, txtOpFailed)
		}
		moved++
	}
	if moved == 0 {
		return one(550, txtOpFailed)
	}
	s.log.Info("MIGRATE", "selector", sel, "from", args[1]+"-"+args[2], "to", args[3]+"-"+args[4])
	return one(250, "Migrate "+sel)
}

// fqdn keeps the registered-name list; with no resolver nothing is ever
// cached, so QUERY is always "501 Not Cached".
func (s *Server) fqdn(args []string) (int, []string) {
	if len(args) == 0 {
		return one(500, txtSyntax)
	}
	sub, rest := args[0], args[1:]
	switch {
	case spmdclient.Match(sub, "QUERY"):
		if len(rest) != 1 {
			return one(500, txtSyntax)
		}
		if _, err := netip.ParseAddr(rest[0]); err != nil {
			return one(550, txtOpFailed)
		}
		return one(501, txtNotCached)
	case spmdclient.Match(sub, "ADD"):
		if len(rest) != 1 || len(rest[0]) > maxFQDNLen {
			return one(500, txtSyntax)
		}
		for _, f := range s.fqdns {
			if strings.EqualFold(f, rest[0]) {
				return one(550, txtFQDNExists)
			}
		}
		if len(s.fqdns) >= maxFQDNs {
			return one(550, txtOpFailed)
		}
		s.fqdns = append(s.fqdns, rest[0])
		return one(250, txtFQDNAdded)
	case spmdclient.Match(sub, "DELETE"):
		if len(rest) != 1 {
			return one(500, txtSyntax)
		}
		for i, f := range s.fqdns {
			if strings.EqualFold(f, rest[0]) {
				s.fqdns = append(s.fqdns[:i], s.fqdns[i+1:]...)
				return one(250, txtFQDNDeleted)
			}
		}
		return one(550, txtFQDNNoSuch)
	case spmdclient.Match(sub, "LIST"):
		if len(rest) != 0 {
			return one(500, txtSyntax)
		}
		if len(s.fqdns) == 0 {
			return one(251, txtNoFQDN)
		}
		return 250, append([]string(nil), s.fqdns...)
	}
	return one(500, txtSyntax)
}

// nsCommand answers as racoon2 does with the resolver off.
func nsCommand(args []string) (int, []string) {
	if len(args) == 0 {
		return one(500, txtSyntax)
	}
	switch sub := args[0]; {
	case spmdclient.Match(sub, "LIST"):
		return one(251, txtNoNameServer)
	case spmdclient.Match(sub, "ADD"), spmdclient.Match(sub, "DELETE"), spmdclient.Match(sub, "CHANGE"):
		return one(550, txtResolverOff)
	}
	return one(500, txtSyntax)
}

func stat(args []string) (int, []string) {
	if len(args) != 0 {
		return one(500, txtSyntax)
	}
	lines := make([]string, len(statLabels))
	for i, l := range statLabels {
		lines[i] = l + " = 0"
	}
	return 250, lines
}
