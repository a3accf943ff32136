package conf

import "time"

// Built-in defaults of racoon2's iked (ike_conf.c, reference Appendix A).
// Fields iked does not implement for a protocol stay unset.

// NATKeepaliveInterval is iked's NAT keepalive period (natk_interval).
const NATKeepaliveInterval = 20 * time.Second

// ike_frag_size (our extension): the largest IP datagram, IP and UDP
// headers included, of an IKEv2 message sent unfragmented to a peer that
// supports RFC 7383. 1280 is IPv6's minimum MTU (RFC 7383 2.5.1 and
// strongSwan's default); 576 is the RFC's conservative IPv4 value.
const (
	DefaultIKEFragSize = 1280
	MinIKEFragSize     = 576
	MaxIKEFragSize     = 65535
)

var builtinV1 = &KMPConf{
	Proto: KMPIKEv1, Passive: Off, VerifyID: Off, VerifyPubkey: On, SendCert: On,
	SendCertReq: On, NonceSize: 16, InitialContact: On, SupportProxy: Off,
	ProposalCheck: CheckStrict, RandomPadContent: On, IntervalToSend: time.Second,
	TimesPerSend: 1, KMPSALifetimeTime: 28800 * time.Second,
	IPsecSANegoTimeLimit: 30 * time.Second, ExchangeMode: ModeMain, NeedPFS: Off,
	NATTraversal: On, DPD: On, DPDRetry: 5 * time.Second, DPDMaxFail: 5,
}

var builtinV2 = &KMPConf{
	Proto: KMPIKEv2, Passive: Off, VerifyID: On, NonceSize: 32,
	// racoon2's IKEv2 ignores proposal_check; ours honours it (obey).
	SelectorCheck: CheckExact, ProposalCheck: CheckObey, RandomPadContent: Off, RandomPadlen: Off,
	MaxRetryToSend: 10, IntervalToSend: time.Second, TimesPerSend: 1,
	KMPSALifetimeTime: 86400 * time.Second, KMPSANegoTimeLimit: 600 * time.Second,
	NeedPFS: Off, NATTraversal: On, DPDDelay: 3600 * time.Second,
	CookieRequired: Off, SendPeersID: Off, IKEFragSize: DefaultIKEFragSize,
}

// fill sets *d to s while *d is its zero value: Unset, 0, "" and nil
// mean "not given" everywhere in the model.
func fill[T comparable](d *T, s T) {
	var zero T
	if *d == zero {
		*d = s
	}
}

func fillSlice[T any](d *[]T, s []T) {
	if len(*d) == 0 {
		*d = s
	}
}

// fillKMP sets every unset field of d from s ("0 means unset").
func fillKMP(d, s *KMPConf) {
	if s == nil {
		return
	}
	fill(&d.LogMode, s.LogMode)
	fill(&d.LogFile, s.LogFile)
	fill(&d.Passive, s.Passive)
	fill(&d.UseCoA, s.UseCoA)
	fillSlice(&d.PeersIPAddr, s.PeersIPAddr)
	fill(&d.PeersKMPPort, s.PeersKMPPort)
	fill(&d.VerifyID, s.VerifyID)
	fill(&d.VerifyPubkey, s.VerifyPubkey)
	fill(&d.SendCert, s.SendCert)
	fill(&d.SendCertReq, s.SendCertReq)
	fill(&d.NonceSize, s.NonceSize)
	fill(&d.InitialContact, s.InitialContact)
	fill(&d.SupportProxy, s.SupportProxy)
	fill(&d.NATTraversal, s.NATTraversal)
	fillSlice(&d.MyID, s.MyID)
	fillSlice(&d.PeersID, s.PeersID)
	fill(&d.SelectorCheck, s.SelectorCheck)
	fill(&d.ProposalCheck, s.ProposalCheck)
	fill(&d.RandomPadContent, s.RandomPadContent)
	fill(&d.RandomPadlen, s.RandomPadlen)
	fill(&d.MaxPadlen, s.MaxPadlen)
	fill(&d.MaxRetryToSend, s.MaxRetryToSend)
	fill(&d.IntervalToSend, s.IntervalToSend)
	fill(&d.TimesPerSend, s.TimesPerSend)
	fill(&d.KMPSALifetimeTime, s.KMPSALifetimeTime)
	fill(&d.KMPSALifetimeByte, s.KMPSALifetimeByte)
	fill(&d.KMPSANegoTimeLimit, s.KMPSANegoTimeLimit)
	fill(&d.KMPSAGracePeriod, s.KMPSAGracePeriod)
	fill(&d.IPsecSANegoTimeLimit, s.IPsecSANegoTimeLimit)
	fillSlice(&d.EncAlg, s.EncAlg)
	fillSlice(&d.HashAlg, s.HashAlg)
	fillSlice(&d.PRFAlg, s.PRFAlg)
	fillSlice(&d.DHGroup, s.DHGroup)
	fillSlice(&d.AuthMethod, s.AuthMethod)
	fill(&d.MobilityRole, s.MobilityRole)
	for i := range d.Scripts {
		fill(&d.Scripts[i], s.Scripts[i])
	}
	fill(&d.ExchangeMode, s.ExchangeMode)
	fill(&d.MyGSSAPIID, s.MyGSSAPIID)
	fill(&d.DPD, s.DPD)
	fill(&d.DPDRetry, s.DPDRetry)
	fill(&d.DPDMaxFail, s.DPDMaxFail)
	fill(&d.NeedPFS, s.NeedPFS)
	fill(&d.MyPublicKey, s.MyPublicKey)
	fill(&d.PeersPublicKey, s.PeersPublicKey)
	fill(&d.PreSharedKey, s.PreSharedKey)
	fill(&d.DPDDelay, s.DPDDelay)
	fill(&d.CookieRequired, s.CookieRequired)
	fill(&d.SendPeersID, s.SendPeersID)
	fill(&d.Provide, s.Provide)
	fill(&d.Request, s.Request)
	fill(&d.IKEFragSize, s.IKEFragSize)
	fill(&d.MyPrincipal, s.MyPrincipal)
	fill(&d.PeersPrincipal, s.PeersPrincipal)
}

// effectiveKMP merges a remote's block with the default remote's and the
// built-ins. It returns nil when neither has the block and the protocol
// is not accepted.
func effectiveKMP(own, def *KMPConf, proto KMP, accepted bool) *KMPConf {
	if own == nil && (!accepted || proto == KMPKINK && def == nil) {
		return nil
	}
	// own belongs to this remote alone, so it is completed in place.
	e := own
	if e == nil {
		e = &KMPConf{Proto: proto}
		if def != nil {
			e.Pos = def.Pos
		}
	}
	fillKMP(e, def)
	switch proto {
	case KMPIKEv1:
		fillKMP(e, builtinV1)
	case KMPIKEv2:
		fillKMP(e, builtinV2)
	}
	return e
}

// effectiveRemote merges r with the default remote.
func effectiveRemote(r, def *Remote) {
	var dv1, dv2, dk *KMPConf
	if def != nil {
		fillSlice(&r.AcceptableKMP, def.AcceptableKMP)
		fill(&r.SelectorIndex, def.SelectorIndex)
		dv1, dv2, dk = def.IKEv1, def.IKEv2, def.KINK
	}
	r.IKEv1 = effectiveKMP(r.IKEv1, dv1, KMPIKEv1, explicitlyAccepts(r, KMPIKEv1))
	r.IKEv2 = effectiveKMP(r.IKEv2, dv2, KMPIKEv2, explicitlyAccepts(r, KMPIKEv2))
	r.KINK = effectiveKMP(r.KINK, dk, KMPKINK, explicitlyAccepts(r, KMPKINK))
}

// explicitlyAccepts: listed in acceptable_kmp, or IKEv2 when none is
// configured (iked initiates IKEv2 then).
func explicitlyAccepts(r *Remote, k KMP) bool {
	if len(r.AcceptableKMP) == 0 {
		return k == KMPIKEv2
	}
	return r.Accepts(k)
}

func effectivePolicy(p, def *Policy) {
	if def != nil {
		fill(&p.Action, def.Action)
		fill(&p.Install, def.Install)
		fill(&p.RemoteIndex, def.RemoteIndex)
		fillSlice(&p.IPsecIndex, def.IPsecIndex)
		fill(&p.IPsecMode, def.IPsecMode)
		fillSlice(&p.MySAIPAddr, def.MySAIPAddr)
		fillSlice(&p.PeersSAIPAddr, def.PeersSAIPAddr)
		fill(&p.IPsecLevel, def.IPsecLevel)
	}
	fill(&p.Install, On)           // rcf_fix_policy
	fill(&p.IPsecMode, ModeTunnel) // ike_ipsec_mode
}

func effectiveIPsec(p, def *IPsec) {
	if def == nil {
		return
	}
	fill(&p.IPsecSALifetimeTime, def.IPsecSALifetimeTime)
	fill(&p.IPsecSALifetimeByte, def.IPsecSALifetimeByte)
	fill(&p.ExtSequence, def.ExtSequence)
	fillSlice(&p.SAIndex, def.SAIndex)
}

func effectiveSA(s, def *SA) {
	if def == nil {
		return
	}
	fill(&s.Protocol, def.Protocol)
	fillSlice(&s.EncAlg, def.EncAlg)
	fillSlice(&s.ESPAuthAlg, def.ESPAuthAlg)
	fillSlice(&s.AHAuthAlg, def.AHAuthAlg)
	fillSlice(&s.IPCompAlg, def.IPCompAlg)
	fill(&s.SPI, def.SPI)
}

// builtinRemote merges the default remote's blocks with the built-ins.
func builtinRemote(def *Remote) *Remote {
	if def == nil {
		return nil
	}
	r := *def
	for _, k := range []**KMPConf{&r.IKEv1, &r.IKEv2, &r.KINK} {
		if *k != nil {
			c := **k // the written default stays as it is
			*k = effectiveKMP(&c, nil, c.Proto, true)
		}
	}
	return &r
}
