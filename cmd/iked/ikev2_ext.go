package main

import (
	"log/slog"
	"net/netip"

	"github.com/racoon2go/iked/internal/conf"
	"github.com/racoon2go/iked/internal/hook"
	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ikev2"
)

// ikev2Ext gives the IKEv2 engine what part 2 of it needs from
// racoon2.conf and is not in ike.Config: hook scripts (script {}) and the
// configuration payload (provide {}, request {}, addresspool). It returns
// the hook runner (nil when no script is configured), which the daemon
// closes at exit.
func ikev2Ext(e *ikev2.Engine, c *conf.Config, log *slog.Logger) *hook.Runner {
	remotes := append([]*conf.Remote(nil), c.Remotes...)
	if c.DefaultRemote != nil {
		remotes = append(remotes, c.DefaultRemote)
	}
	tab := hook.Table{}
	pools := map[string]*ike.Pool{}
	for _, r := range remotes {
		k := r.IKEv2
		if k == nil {
			continue
		}
		for i, s := range k.Scripts {
			if s != "" {
				if tab[r.Name] == nil {
					tab[r.Name] = map[string]string{}
				}
				tab[r.Name][conf.ScriptType(i).String()] = s
			}
		}
		if cp := cpConfig(k, pools); cp != nil {
			e.SetCP(r.Name, cp)
		}
	}
	if len(tab) == 0 {
		return nil
	}
	run := hook.New(tab.Lookup, hook.Options{Log: log})
	e.SetHooks(run)
	return run
}

// cpConfig maps provide {} and request {}; remotes naming the same
// addresspool share its leases.
func cpConfig(k *conf.KMPConf, pools map[string]*ike.Pool) *ikev2.CPConfig {
	if k.Provide == nil && k.Request == 0 {
		return nil
	}
	cp := &ikev2.CPConfig{Request: cpRequest(k.Request)}
	if p := k.Provide; p != nil {
		cp.DNS, cp.DHCP, cp.AppVersion = addrs(p.DNS), addrs(p.DHCP), p.AppVersion
		if p.Pool != nil {
			pool := pools[p.Pool.Name]
			if pool == nil {
				pool = ike.NewPool(p.Pool.Name)
				for _, r := range p.Pool.Ranges {
					pool.Ranges = append(pool.Ranges, ike.AddrRange{First: r.Start, Last: r.End})
				}
				pools[p.Pool.Name] = pool
			}
			cp.Pool = pool
		}
	}
	return cp
}

func cpRequest(r conf.Request) ikev2.CPRequest {
	var out ikev2.CPRequest
	for _, m := range []struct {
		c conf.Request
		e ikev2.CPRequest
	}{
		{conf.ReqIP4, ikev2.ReqIP4}, {conf.ReqIP6, ikev2.ReqIP6}, {conf.ReqIP4DNS, ikev2.ReqIP4DNS},
		{conf.ReqIP6DNS, ikev2.ReqIP6DNS}, {conf.ReqIP4DHCP, ikev2.ReqIP4DHCP}, {conf.ReqIP6DHCP, ikev2.ReqIP6DHCP},
		{conf.ReqAppVer, ikev2.ReqAppVersion}, {conf.ReqMIP6Home, ikev2.ReqMIP6HomePrefix},
	} {
		if r&m.c != 0 {
			out |= m.e
		}
	}
	return out
}

func addrs(l []conf.Address) []netip.Addr {
	var out []netip.Addr
	for _, a := range l {
		if a.Kind == conf.AddrIP && a.Prefix.IsValid() {
			out = append(out, a.Prefix.Addr())
		}
	}
	return out
}
