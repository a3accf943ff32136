package main

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"

	"github.com/racoon2go/iked/internal/conf"
	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/kernel"
)

// checkKernel refuses IPsec transforms the kernel interface cannot install
// correctly (Linux PF_KEY: the AEADs, and HMAC-SHA2-256 with its 96-bit
// ICV) and warns about byte lifetimes the interface ignores (the BSDs).
// It also records in cfg whether byte lifetimes reach the kernel.
// Only the transforms of auto_ipsec policies count: those are the ones iked
// negotiates.
func checkKernel(kind string, k ike.Kernel, cfg *config, log *slog.Logger) error {
	c := cfg.Conf
	if c == nil {
		return nil
	}
	resolved, err := kernel.Resolve(kind, runtime.GOOS)
	if err != nil {
		return err
	}
	cfg.NoByteLifetimes = !kernel.LimitsOf(resolved, runtime.GOOS).ByteLifetimes
	var wants []kernel.Want
	seen := map[*conf.IPsec]bool{}
	for _, p := range c.Policies {
		if p.Action != conf.ActionAutoIPsec {
			continue
		}
		for _, ip := range p.IPsecs {
			if ip == nil || seen[ip] {
				continue
			}
			seen[ip] = true
			if w := kernel.ByteLifetimeWarning(resolved, runtime.GOOS, fmt.Sprintf("ipsec %s", ip.Name), ip.IPsecSALifetimeByte); w != "" {
				log.Warn(w)
			}
			wants = appendWants(wants, ip.SAs)
		}
	}
	problems := kernel.Check(resolved, k.Supported(), wants)
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Msg
	}
	return errors.New("IPsec transforms the kernel cannot install: " + strings.Join(msgs, "; "))
}

func appendWants(wants []kernel.Want, sas []*conf.SA) []kernel.Want {
	add := func(kind kernel.TransformKind, algs []conf.Algorithm) {
		for _, a := range algs {
			info := a.Info()
			if info == nil {
				continue
			}
			id := info.Encr
			switch kind {
			case kernel.Integ:
				id = info.Integ
			case kernel.Comp:
				id = info.IPComp
			}
			if id != 0 {
				wants = append(wants, kernel.Want{Kind: kind, ID: id})
			}
		}
	}
	for _, sa := range sas {
		if sa == nil {
			continue
		}
		add(kernel.Encr, sa.EncAlg)
		add(kernel.Integ, sa.ESPAuthAlg)
		add(kernel.Integ, sa.AHAuthAlg)
		add(kernel.Comp, sa.IPCompAlg)
	}
	return wants
}
