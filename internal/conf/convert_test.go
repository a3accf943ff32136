package conf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/racoon2go/iked/internal/ike"
)

func TestKernelConversions(t *testing.T) {
	c, _ := mustLoad(t, minimal+`
selector icmp { direction outbound; src 10.0.0.0/24; dst 10.0.1.5; upper_layer_protocol icmp 8 0; policy_index p; };
selector web { direction outbound; src 10.0.0.0/24 port any; dst 10.0.1.5 port 443; upper_layer_protocol tcp; policy_index p; };
selector rw { direction outbound; src MY_IP; dst 10.0.1.5; policy_index p; };`)
	sel, ok := c.Selector("icmp").KernelSelector()
	if !ok || sel.Proto != 1 || sel.SrcPort != 8 || sel.DstPort != 0 || sel.Dst.String() != "10.0.1.5/32" {
		t.Errorf("icmp = %+v %v", sel, ok)
	}
	sel, ok = c.Selector("web").KernelSelector()
	if !ok || sel.Proto != 6 || sel.DstPort != 443 || sel.Src.String() != "10.0.0.0/24" {
		t.Errorf("web = %+v", sel)
	}
	if sel, ok = c.Selector("out").KernelSelector(); !ok || sel.Proto != 0 {
		t.Errorf("any proto = %+v", sel)
	}
	if _, ok := c.Selector("rw").KernelSelector(); ok {
		t.Error("macro selector converted")
	}
	p := c.Policy("p")
	if p.IPsecMode.Kernel() != ike.ModeTunnel || p.IPsecs[0].SAs[0].Protocol.Kernel() != ike.ProtoESP {
		t.Errorf("mode/proto conversion")
	}
}

func TestReadSecretFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "k")
	os.WriteFile(p, []byte("key\n"), 0o600)
	b, err := ReadSecretFile(p, os.Geteuid())
	if err != nil || string(b) != "key\n" {
		t.Errorf("%q %v", b, err)
	}
	os.Chmod(p, 0o640)
	if _, err := ReadSecretFile(p, os.Geteuid()); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("weak file read: %v", err)
	}
}
