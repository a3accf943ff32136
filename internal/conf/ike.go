package conf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/racoon2go/iked/internal/ike"
)

// IKEOptions tune IKEConfig.
type IKEOptions struct {
	// Port is the IKE port initiations target (-t); 0 means 500.
	Port uint16
	// ReadFile reads key, certificate and ID files; nil means os.ReadFile.
	ReadFile func(string) ([]byte, error)
	// ReplayWindow is the IPsec replay window (racoon2: 32 on Linux, 64
	// elsewhere); 0 means 32.
	ReplayWindow uint32
}

// IKEConfig builds what the engines of version kmp (KMPIKEv2 or KMPIKEv1)
// see of the configuration: every remote with a block for that version
// (merged with default{remote} and racoon2's built-in defaults by Load),
// the default remote, and every outbound selector whose auto_ipsec policy
// names such a remote. Keys, certificates and ID files are read here, so
// that the engines never touch the disk.
func (c *Config) IKEConfig(kmp KMP, o IKEOptions) (*ike.Config, error) {
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
	}
	if o.Port == 0 {
		o.Port = ike.PortIKE
	}
	if o.ReplayWindow == 0 {
		o.ReplayWindow = 32
	}
	out := &ike.Config{Port: o.Port}
	var errs []error
	for _, r := range c.Remotes {
		k := kmpOf(r, kmp)
		if k == nil {
			continue
		}
		p, err := peerConfig(r.Name, k, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// racoon2 initiates only with the first acceptable_kmp entry.
		p.Passive = p.Passive || r.InitiateKMP() != kmp
		out.Peers = append(out.Peers, p)
	}
	if r := c.DefaultRemote; r != nil {
		if k := kmpOf(r, kmp); k != nil {
			if p, err := peerConfig("", k, o); err == nil {
				out.Default = p
			}
		}
	}
	for _, s := range c.Selectors {
		ch, ok := childConfig(s, kmp, o)
		if ok && out.PeerByName(ch.Remote) != nil {
			ch.ReverseSelector = reverseSelector(s, c.Selectors)
			ch.DynamicPolicy = ch.ReverseSelector != "" && (isRW(s.Policy.PeersSAIPAddr) || isRW(s.Policy.MySAIPAddr))
			out.Children = append(out.Children, ch)
		}
	}
	return out, errors.Join(errs...)
}

func kmpOf(r *Remote, kmp KMP) *KMPConf {
	switch kmp {
	case KMPIKEv2:
		return r.IKEv2
	case KMPIKEv1:
		return r.IKEv1
	}
	return nil
}

// peerConfig converts one remote's ikev2{} (or ikev1{}) block.
func peerConfig(name string, k *KMPConf, o IKEOptions) (*ike.PeerConfig, error) {
	where := "remote " + name
	if name == "" {
		where = "default remote"
	}
	p := &ike.PeerConfig{
		Name:          name,
		Port:          o.Port,
		Passive:       k.Passive.On(),
		NonceSize:     k.NonceSize,
		Lifetime:      k.KMPSALifetimeTime,
		LifetimeBytes: k.KMPSALifetimeByte,
		NegoLimit:     k.KMPSANegoTimeLimit,
		ChildNego:     k.IPsecSANegoTimeLimit,
		Retransmit:    ike.Retransmit{Interval: k.IntervalToSend, TimesPerSend: k.TimesPerSend, MaxRetry: k.MaxRetryToSend},
		DPDDelay:      k.DPDDelay,
		NATTraversal:  k.NATTraversal.On(),
		CookieReq:     k.CookieRequired.On(),
		SendPeersID:   k.SendPeersID.On(),
		VerifyID:      k.VerifyID.On(),
		SendCert:      k.SendCert.On(),
		SendCertReq:   k.SendCertReq.On(),
		NeedPFS:       k.NeedPFS.On(),
		ProposalCheck: proposalCheck(k.ProposalCheck),
		FragmentSize:  k.IKEFragSize,
	}
	for _, a := range k.PeersIPAddr {
		switch {
		case a.Kind == AddrIP:
			p.Addrs = append(p.Addrs, a.Addr())
		case a.IsMacro("IP_ANY") || a.IsMacro("IP_RW"):
			p.AnyAddr = true
		}
	}
	p.Proposal = ikeProposal(k)
	if len(k.AuthMethod) > 0 {
		if i := k.AuthMethod[0].Info(); i != nil {
			p.Auth = authMethod(i.AuthMethod)
		}
	}
	var err error
	if len(k.MyID) > 0 {
		if p.MyID, err = identity(k.MyID[0], o); err != nil {
			return nil, fmt.Errorf("%s: my_id: %w", where, err)
		}
	}
	for _, id := range k.PeersID {
		v, err := identity(id, o)
		if err != nil {
			return nil, fmt.Errorf("%s: peers_id: %w", where, err)
		}
		p.PeersIDs = append(p.PeersIDs, v)
	}
	if err := keys(p, k, o); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return p, nil
}

func proposalCheck(c Check) ike.ProposalCheck {
	switch c {
	case CheckStrict:
		return ike.ProposalStrict
	case CheckClaim:
		return ike.ProposalClaim
	case CheckExact:
		return ike.ProposalExact
	}
	return ike.ProposalObey
}

func authMethod(m uint8) ike.AuthMethod {
	switch m {
	case 1:
		return ike.AuthRSASig
	case 2:
		return ike.AuthPSK
	case 3:
		return ike.AuthDSS
	}
	return 0
}

// variableKeyLen lists the ENCR transforms that carry a Key Length
// attribute (RFC 7296 3.3.5): AES-CBC, AES-CTR, AES-CCM, AES-GCM, GMAC.
func variableKeyLen(id uint16) bool {
	switch id {
	case 12, 13, 14, 15, 16, 18, 19, 20, 21:
		return true
	}
	return false
}

func encrAlgs(list []Algorithm) []ike.EncrAlg {
	var out []ike.EncrAlg
	for _, a := range list {
		i := a.Info()
		if i == nil || i.Encr == 0 {
			continue
		}
		e := ike.EncrAlg{ID: i.Encr}
		if variableKeyLen(i.Encr) {
			e.KeyBits = uint16(a.Bits())
			if e.KeyBits == 0 {
				e.KeyBits = 128 // rijndael_cbc without a length: AES-128
			}
		}
		out = append(out, e)
	}
	return out
}

func ids(list []Algorithm, pick func(*AlgInfo) uint16) []uint16 {
	var out []uint16
	for _, a := range list {
		if i := a.Info(); i != nil {
			if v := pick(i); v != 0 {
				out = append(out, v)
			}
		}
	}
	return out
}

func ikeProposal(k *KMPConf) ike.IKEProposal {
	return ike.IKEProposal{
		Encr:  encrAlgs(k.EncAlg),
		PRF:   ids(k.PRFAlg, func(i *AlgInfo) uint16 { return i.PRF }),
		Integ: ids(k.HashAlg, func(i *AlgInfo) uint16 { return i.Integ }),
		DH:    ids(k.DHGroup, func(i *AlgInfo) uint16 { return i.Group }),
	}
}

// identity encodes an id_spec as an ID payload's data (racoon2 3.4).
func identity(id ID, o IKEOptions) (ike.ID, error) {
	switch id.Type {
	case IDIPAddr:
		a, err := netip.ParseAddr(id.Value)
		if err != nil {
			return ike.ID{}, err
		}
		return ike.IDFromAddr(a), nil
	case IDFQDN:
		return ike.ID{Type: ike.IDFQDN, Data: []byte(id.Value)}, nil
	case IDEmail:
		return ike.ID{Type: ike.IDRFC822, Data: []byte(id.Value)}, nil
	case IDKeyID:
		if id.Qual == QualTag {
			return ike.ID{Type: ike.IDKeyID, Data: []byte(id.Value)}, nil
		}
		b, err := o.ReadFile(id.Value)
		if err != nil {
			return ike.ID{}, err
		}
		return ike.ID{Type: ike.IDKeyID, Data: b}, nil
	case IDX509Subject:
		certs, err := readCerts(id.Value, o)
		if err != nil {
			return ike.ID{}, err
		}
		c, err := x509.ParseCertificate(certs[0])
		if err != nil {
			return ike.ID{}, err
		}
		return ike.ID{Type: ike.IDDERASN1DN, Data: c.RawSubject}, nil
	}
	return ike.ID{}, fmt.Errorf("unsupported identity type %v", id.Type)
}

// keys reads the PSK or the key pair and peer certificate.
func keys(p *ike.PeerConfig, k *KMPConf, o IKEOptions) error {
	if k.PreSharedKey != "" {
		b, err := o.ReadFile(k.PreSharedKey)
		if err != nil {
			if p.Auth == ike.AuthPSK {
				return fmt.Errorf("pre_shared_key: %w", err)
			}
		} else {
			p.PSK = b // the whole file, trailing newline included (racoon2)
		}
	}
	if m := k.MyPublicKey; m != nil && m.Type == KeyX509PEM {
		chain, err := readCerts(m.PubFile, o)
		if err != nil {
			return fmt.Errorf("my_public_key: %w", err)
		}
		key, err := readKey(m.PrivFile, o)
		if err != nil {
			return fmt.Errorf("my_public_key: %w", err)
		}
		p.CertChain, p.PrivateKey = chain, key
		if _, ok := key.(*ecdsa.PrivateKey); ok && p.Auth == ike.AuthRSASig {
			p.Auth = ike.AuthECDSA // rsasig names "certificates" in racoon2
		}
	}
	if m := k.PeersPublicKey; m != nil && m.Type == KeyX509PEM {
		certs, err := readCerts(m.PubFile, o)
		if err != nil {
			return fmt.Errorf("peers_public_key: %w", err)
		}
		p.PeerCerts = certs
	}
	return nil
}

// readCerts returns the DER certificates of a PEM file, in file order.
func readCerts(path string, o IKEOptions) ([][]byte, error) {
	b, err := o.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type == "CERTIFICATE" {
			out = append(out, blk.Bytes)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	return out, nil
}

// readKey reads a PEM private key (PKCS#8, PKCS#1 or SEC 1).
func readKey(path string, o IKEOptions) (crypto.Signer, error) {
	b, err := o.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("%s: no PEM private key", path)
		}
		if !strings.HasSuffix(blk.Type, "PRIVATE KEY") {
			continue
		}
		if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
			if s, ok := k.(crypto.Signer); ok {
				return s, nil
			}
		}
		if k, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err == nil {
			return k, nil
		}
		if k, err := x509.ParseECPrivateKey(blk.Bytes); err == nil {
			return k, nil
		}
		return nil, fmt.Errorf("%s: unsupported private key", path)
	}
}

// childConfig converts an outbound selector with an auto_ipsec policy.
func childConfig(s *Selector, kmp KMP, o IKEOptions) (*ike.ChildConfig, bool) {
	pol := s.Policy
	if s.Direction != DirOutbound || pol == nil || pol.Action != ActionAutoIPsec || pol.Remote == nil {
		return nil, false
	}
	if kmpOf(pol.Remote, kmp) == nil {
		return nil, false
	}
	src, sp, ok1 := selAddr(s.Src, s.Dst)
	dst, dp, ok2 := selAddr(s.Dst, s.Src)
	if !ok1 || !ok2 {
		return nil, false // FQDNs and macros need resolving first
	}
	ch := &ike.ChildConfig{
		Selector: s.Name,
		Remote:   pol.Remote.Name,
		Sel:      ike.Selector{Src: src, Dst: dst, Proto: s.ULP, SrcPort: sp, DstPort: dp},
		Mode:     ike.ModeTunnel,
		Replay:   o.ReplayWindow,
		ReqID:    s.Reqid,
	}
	if pol.IPsecMode == ModeTransport {
		ch.Mode = ike.ModeTransport
	}
	if len(pol.MySAIPAddr) > 0 && pol.MySAIPAddr[0].Kind == AddrIP {
		ch.SALocal = pol.MySAIPAddr[0].Addr()
	}
	if len(pol.PeersSAIPAddr) > 0 && pol.PeersSAIPAddr[0].Kind == AddrIP {
		ch.SAPeer = pol.PeersSAIPAddr[0].Addr()
	}
	for i, ip := range pol.IPsecs {
		if i == 0 {
			ch.Lifetime = ike.Lifetime{HardTime: ip.IPsecSALifetimeTime, HardBytes: ip.IPsecSALifetimeByte}
		}
		_, esp, _ := bundleSAs(ip)
		for _, sa := range ip.SAs {
			if kmp == KMPIKEv2 && esp != nil && sa != esp {
				continue // no bundles in IKEv2: ESP alone (check.go ikev2Bundle)
			}
			switch sa.Protocol {
			case SAProtoESP:
				ch.Proposals = append(ch.Proposals, ike.ChildProposal{Proto: ike.ProtoESP,
					Encr:  encrAlgs(sa.EncAlg),
					Integ: ids(sa.ESPAuthAlg, func(i *AlgInfo) uint16 { return i.Integ }),
					SPI:   uint32(sa.SPI)})
			case SAProtoAH:
				ch.Proposals = append(ch.Proposals, ike.ChildProposal{Proto: ike.ProtoAH,
					Integ: ids(sa.AHAuthAlg, func(i *AlgInfo) uint16 { return i.Integ }),
					SPI:   uint32(sa.SPI)})
			}
		}
	}
	if k := kmpOf(pol.Remote, kmp); k.NeedPFS.On() {
		if g := ids(k.DHGroup, func(i *AlgInfo) uint16 { return i.Group }); len(g) > 0 {
			ch.PFSGroup = g[0]
		}
	}
	return ch, len(ch.Proposals) > 0
}

// selAddr is a selector's address as a prefix with its port. IP_ANY
// takes the family of the other side (IPv4 when both are IP_ANY).
func selAddr(as, other []Address) (netip.Prefix, uint16, bool) {
	if len(as) == 0 {
		return netip.Prefix{}, 0, false
	}
	a := as[0]
	switch {
	case a.Kind == AddrIP:
		return a.Prefix, a.Port, true
	case a.IsMacro("IP_ANY"):
		u := netip.IPv4Unspecified()
		if len(other) > 0 && other[0].Kind == AddrIP && other[0].Prefix.Addr().Is6() {
			u = netip.IPv6Unspecified()
		}
		return netip.PrefixFrom(u, 0), a.Port, true
	}
	return netip.Prefix{}, 0, false
}

// reverseSelector returns the index of the inbound selector of s's remote
// whose addresses are s's swapped: the reverse spmd installs with s on
// POLICY ADD (ike_spmif_post_policy_add looks it up before posting, racoon2
// reference 5.4), and the selector of iked's second POLICY DELETE.
// Addresses compare exactly and macros never match, as in spmd's
// rcf_get_rvrs_selector (reference 5.4, 7.2 item 5).
func reverseSelector(s *Selector, all []*Selector) string {
	for _, r := range all {
		if r.Direction != DirInbound || r.Policy == nil || r.Policy.RemoteIndex != s.Policy.RemoteIndex {
			continue
		}
		if mirrorAddrs(r.Src, s.Dst) && mirrorAddrs(r.Dst, s.Src) {
			return r.Name
		}
	}
	return ""
}

// isRW reports an IP_RW tunnel endpoint: spmd then installs no boot-time
// policy for the selector (reference 9.3.2) and iked announces it itself
// (5.4 (b)).
func isRW(as []Address) bool { return len(as) > 0 && as[0].IsMacro("IP_RW") }

// mirrorAddrs is sameAddrs (check.go) where a macro never matches.
func mirrorAddrs(a, b []Address) bool {
	for _, l := range [][]Address{a, b} {
		if len(l) > 0 && l[0].Kind == AddrMacro {
			return false
		}
	}
	return sameAddrs(a, b)
}
