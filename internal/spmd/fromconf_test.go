package spmd

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racoon2go/iked/internal/conf"
	"github.com/racoon2go/iked/internal/ike"
)

// sampleVals fills in the ${VARIABLES} of racoon2's samples (vals.conf).
const sampleVals = `setval {
	PSKDIR "%[1]s"; CERTDIR "%[1]s"; PRESHRD_KEY "test.psk"; WILDCARD_PRESHRD_KEY "test.psk";
	MY_FQDN "me.example"; PEERS_FQDN "peer.example"; MY_PRINCIPAL "spmd/me";
	MY_IPADDRESS "%[2]s"; PEERS_IPADDRESS "%[3]s";
	MY_NET "%[4]s"; PEERS_NET "%[5]s";
	MY_GWADDRESS "%[2]s"; PEERS_GWADDRESS "%[3]s";
	PH1UP_SCR "/bin/true"; PH1DOWN_SCR "/bin/true";
};
interface {
	ike { %[2]s port 500; };
	spmd { unix "%[1]s/spmif"; };
	spmd_password "%[1]s/spmd.pwd";
};
resolver { resolver off; };
`

// sampleAddrs are the addresses the tests give the samples.
type sampleAddrs struct{ me, peer, myNet, peerNet string }

var defaultSample = sampleAddrs{"192.168.0.1", "192.168.1.1", "10.0.0.0/24", "10.0.1.0/24"}

// writeSample writes a racoon2.conf that sets the variables and includes
// default.conf and the named samples, plus the secret files, into dir.
func writeSample(t *testing.T, dir string, a sampleAddrs, samples ...string) string {
	t.Helper()
	wd, _ := os.Getwd()
	var b strings.Builder
	fmt.Fprintf(&b, sampleVals, dir, a.me, a.peer, a.myNet, a.peerNet)
	for _, s := range append([]string{"default.conf"}, samples...) {
		fmt.Fprintf(&b, "include \"%s\";\n", filepath.Join(wd, "testdata", "racoon2", s))
	}
	for name, body := range map[string]string{"racoon2.conf": b.String(), "test.psk": "secret\n", "spmd.pwd": string(testPassword)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "racoon2.conf")
}

func loadSample(t *testing.T, dir string, a sampleAddrs, samples ...string) *conf.Config {
	t.Helper()
	c, rep := conf.Load(writeSample(t, dir, a, samples...), conf.Options{UID: -1})
	if c == nil || rep.HasErrors() {
		var b strings.Builder
		rep.WriteTo(&b)
		t.Fatalf("conf.Load: %s", b.String())
	}
	return c
}

// The samples tunnel_ike.conf and transport_ike.conf through FromConf and
// the boot-time install (reference sections 9.2.1, 9.3.2, 9.3.3).
func TestFromConfSamples(t *testing.T) {
	dir := testDir(t)
	c := loadSample(t, dir, defaultSample, "tunnel_ike.conf", "transport_ike.conf")
	cfg := FromConf(c, nil)
	tunOut := cfg.Selector("ike_tun_sel_out")
	if tunOut == nil || tunOut.Dir != ike.DirOut || tunOut.Src.Prefix != netip.MustParsePrefix("10.0.0.0/24") ||
		tunOut.Dst.Prefix != netip.MustParsePrefix("10.0.1.0/24") || tunOut.Proto != 0 {
		t.Fatalf("ike_tun_sel_out: %+v", tunOut)
	}
	pl := tunOut.Policy
	if pl.Action != ActionAutoIPsec || pl.Mode != ike.ModeTunnel || pl.Level != ike.LevelRequire ||
		len(pl.Protos) != 1 || pl.Protos[0] != ike.ProtoESP || pl.MySA.Prefix.Addr() != netip.MustParseAddr("192.168.0.1") ||
		pl.PeersSA.Prefix.Addr() != netip.MustParseAddr("192.168.1.1") || pl.RemoteIndex != "ike_tun_remote" || !pl.Install {
		t.Fatalf("ike_tun_policy: %+v", pl)
	}
	if r := cfg.Reverse(tunOut); r == nil || r.Index != "ike_tun_sel_in" {
		t.Fatalf("reverse of ike_tun_sel_out: %+v", r)
	}
	trOut := cfg.Selector("ike_trans_sel_out")
	if trOut == nil || trOut.Proto != 17 || trOut.SrcPort != 1701 || trOut.DstPort != 0 || trOut.Policy.Mode != ike.ModeTransport {
		t.Fatalf("ike_trans_sel_out: %+v", trOut)
	}
	if r := cfg.Reverse(trOut); r == nil || r.Index != "ike_trans_sel_in" {
		t.Fatalf("reverse of ike_trans_sel_out: %+v", r)
	}

	e := newEnvConfig(t, cfg, true)
	if err := e.srv.InstallBoot(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range e.srv.Policies() {
		got = append(got, p[0])
	}
	if strings.Join(got, " ") != "ike_tun_sel_out ike_tun_sel_in ike_tun_sel_in ike_trans_sel_out ike_trans_sel_in" {
		t.Fatalf("installed %q", got)
	}
}
