package conf

import "time"

// Built-in defaults of racoon2's iked (ike_conf.c, reference Appendix A).
// Fields iked does not implement for a protocol stay unset.

// NATKeepaliveInterval is iked's NAT keepalive period (natk_interval).
const NATKeepaliveInterval = 20 * time.Second

func builtinIKEv1() *KMPConf {
	return &KMPConf{
		Proto: KMPIKEv1, Passive: Off, VerifyID: Off, VerifyPubkey: On, SendCert: On,
		SendCertReq: On, NonceSize: 16, InitialContact: On, SupportProxy: Off,
		ProposalCheck: CheckStrict, RandomPadContent: On, IntervalToSend: time.Second,
		TimesPerSend: 1, KMPSALifetimeTime: 28800 * time.Second,
		IPsecSANegoTimeLimit: 30 * time.Second, ExchangeMode: ModeMain, NeedPFS: Off,
		NATTraversal: On, DPD: On, DPDRetry: 5 * time.Second, DPDMaxFail: 5,
	}
}

func builtinIKEv2() *KMPConf {
	return &KMPConf{
		Proto: KMPIKEv2, Passive: Off, VerifyID: On, NonceSize: 32,
		SelectorCheck: CheckExact, RandomPadContent: Off, RandomPadlen: Off,
		MaxRetryToSend: 10, IntervalToSend: time.Second, TimesPerSend: 1,
		KMPSALifetimeTime: 86400 * time.Second, KMPSANegoTimeLimit: 600 * time.Second,
		NeedPFS: Off, NATTraversal: On, DPDDelay: 3600 * time.Second,
		CookieRequired: Off, SendPeersID: Off,
	}
}

func fillBool(d *Bool, s Bool) {
	if *d == Unset {
		*d = s
	}
}

func fillInt(d *int, s int) {
	if *d == 0 {
		*d = s
	}
}

func fillDur(d *time.Duration, s time.Duration) {
	if *d == 0 {
		*d = s
	}
}

func fillStr(d *string, s string) {
	if *d == "" {
		*d = s
	}
}

func fillSlice[T any](d *[]T, s []T) {
	if len(*d) == 0 {
		*d = s
	}
}

func fillPtr[T any](d **T, s *T) {
	if *d == nil {
		*d = s
	}
}

func fillU[T ~uint8 | ~uint16 | ~uint32 | ~uint64](d *T, s T) {
	if *d == 0 {
		*d = s
	}
}

// fillKMP sets every unset field of d from s ("0 means unset").
func fillKMP(d, s *KMPConf) {
	if s == nil {
		return
	}
	fillU(&d.LogMode, s.LogMode)
	fillStr(&d.LogFile, s.LogFile)
	fillBool(&d.Passive, s.Passive)
	fillBool(&d.UseCoA, s.UseCoA)
	fillSlice(&d.PeersIPAddr, s.PeersIPAddr)
	fillInt(&d.PeersKMPPort, s.PeersKMPPort)
	fillBool(&d.VerifyID, s.VerifyID)
	fillBool(&d.VerifyPubkey, s.VerifyPubkey)
	fillBool(&d.SendCert, s.SendCert)
	fillBool(&d.SendCertReq, s.SendCertReq)
	fillInt(&d.NonceSize, s.NonceSize)
	fillBool(&d.InitialContact, s.InitialContact)
	fillBool(&d.SupportProxy, s.SupportProxy)
	fillBool(&d.NATTraversal, s.NATTraversal)
	fillSlice(&d.MyID, s.MyID)
	fillSlice(&d.PeersID, s.PeersID)
	fillU(&d.SelectorCheck, s.SelectorCheck)
	fillU(&d.ProposalCheck, s.ProposalCheck)
	fillBool(&d.RandomPadContent, s.RandomPadContent)
	fillBool(&d.RandomPadlen, s.RandomPadlen)
	fillInt(&d.MaxPadlen, s.MaxPadlen)
	fillInt(&d.MaxRetryToSend, s.MaxRetryToSend)
	fillDur(&d.IntervalToSend, s.IntervalToSend)
	fillInt(&d.TimesPerSend, s.TimesPerSend)
	fillDur(&d.KMPSALifetimeTime, s.KMPSALifetimeTime)
	fillU(&d.KMPSALifetimeByte, s.KMPSALifetimeByte)
	fillDur(&d.KMPSANegoTimeLimit, s.KMPSANegoTimeLimit)
	fillDur(&d.KMPSAGracePeriod, s.KMPSAGracePeriod)
	fillDur(&d.IPsecSANegoTimeLimit, s.IPsecSANegoTimeLimit)
	fillSlice(&d.EncAlg, s.EncAlg)
	fillSlice(&d.HashAlg, s.HashAlg)
	fillSlice(&d.PRFAlg, s.PRFAlg)
	fillSlice(&d.DHGroup, s.DHGroup)
	fillSlice(&d.AuthMethod, s.AuthMethod)
	fillU(&d.MobilityRole, s.MobilityRole)
	for i := range d.Scripts {
		fillStr(&d.Scripts[i], s.Scripts[i])
	}
	fillU(&d.ExchangeMode, s.ExchangeMode)
	fillStr(&d.MyGSSAPIID, s.MyGSSAPIID)
	fillBool(&d.DPD, s.DPD)
	fillDur(&d.DPDRetry, s.DPDRetry)
	fillInt(&d.DPDMaxFail, s.DPDMaxFail)
	fillBool(&d.NeedPFS, s.NeedPFS)
	fillPtr(&d.MyPublicKey, s.MyPublicKey)
	fillPtr(&d.PeersPublicKey, s.PeersPublicKey)
	fillStr(&d.PreSharedKey, s.PreSharedKey)
	fillDur(&d.DPDDelay, s.DPDDelay)
	fillBool(&d.CookieRequired, s.CookieRequired)
	fillBool(&d.SendPeersID, s.SendPeersID)
	fillPtr(&d.Provide, s.Provide)
	fillU(&d.Request, s.Request)
	fillStr(&d.MyPrincipal, s.MyPrincipal)
	fillStr(&d.PeersPrincipal, s.PeersPrincipal)
}

// effectiveKMP merges a remote's block with the default remote's and the
// built-ins. It returns nil when neither has the block and the protocol
// is not accepted.
func effectiveKMP(own, def *KMPConf, proto KMP, accepted bool) *KMPConf {
	if own == nil && (!accepted || proto == KMPKINK && def == nil) {
		return nil
	}
	e := &KMPConf{Proto: proto}
	if own != nil {
		*e = *own
	} else if def != nil {
		e.Pos = def.Pos
	}
	fillKMP(e, def)
	switch proto {
	case KMPIKEv1:
		fillKMP(e, builtinIKEv1())
	case KMPIKEv2:
		fillKMP(e, builtinIKEv2())
	}
	return e
}

// effectiveRemote merges r with the default remote.
func effectiveRemote(r, def *Remote) {
	var dv1, dv2, dk *KMPConf
	if def != nil {
		fillSlice(&r.AcceptableKMP, def.AcceptableKMP)
		fillStr(&r.SelectorIndex, def.SelectorIndex)
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
		fillU(&p.Action, def.Action)
		fillBool(&p.Install, def.Install)
		fillStr(&p.RemoteIndex, def.RemoteIndex)
		fillSlice(&p.IPsecIndex, def.IPsecIndex)
		fillU(&p.IPsecMode, def.IPsecMode)
		fillSlice(&p.MySAIPAddr, def.MySAIPAddr)
		fillSlice(&p.PeersSAIPAddr, def.PeersSAIPAddr)
		fillU(&p.IPsecLevel, def.IPsecLevel)
	}
	fillBool(&p.Install, On)        // rcf_fix_policy
	fillU(&p.IPsecMode, ModeTunnel) // ike_ipsec_mode
}

func effectiveIPsec(p, def *IPsec) {
	if def == nil {
		return
	}
	fillDur(&p.IPsecSALifetimeTime, def.IPsecSALifetimeTime)
	fillU(&p.IPsecSALifetimeByte, def.IPsecSALifetimeByte)
	fillBool(&p.ExtSequence, def.ExtSequence)
	fillSlice(&p.SAIndex, def.SAIndex)
}

func effectiveSA(s, def *SA) {
	if def == nil {
		return
	}
	fillU(&s.Protocol, def.Protocol)
	fillSlice(&s.EncAlg, def.EncAlg)
	fillSlice(&s.ESPAuthAlg, def.ESPAuthAlg)
	fillSlice(&s.AHAuthAlg, def.AHAuthAlg)
	fillSlice(&s.IPCompAlg, def.IPCompAlg)
	if s.SPI == 0 {
		s.SPI = def.SPI
	}
}

// builtinRemote merges the default remote's blocks with the built-ins.
func builtinRemote(def *Remote) *Remote {
	if def == nil {
		return nil
	}
	r := *def
	if r.IKEv1 != nil {
		r.IKEv1 = effectiveKMP(r.IKEv1, nil, KMPIKEv1, true)
	}
	if r.IKEv2 != nil {
		r.IKEv2 = effectiveKMP(r.IKEv2, nil, KMPIKEv2, true)
	}
	if r.KINK != nil {
		k := *r.KINK
		r.KINK = &k
	}
	return &r
}
