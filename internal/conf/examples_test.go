package conf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The quick-start examples load without errors or warnings, and each
// side is the mirror of the other.
func TestExamples(t *testing.T) {
	var remotes [2]*Remote
	for i, f := range []string{"racoon2.conf", "peer.conf"} {
		c, r := Load(filepath.Join("..", "..", "testdata", "examples", f), diskOpts())
		if c == nil || len(r.Diags) != 0 {
			t.Fatalf("%s:\n%s", f, reportText(r))
		}
		if !c.Selector("to_peer").Policy.Remote.Used {
			t.Errorf("%s: remote not used", f)
		}
		remotes[i] = c.Remote("peer")
	}
	a, b := remotes[0].IKEv2, remotes[1].IKEv2
	if a.MyID[0].Value != b.PeersID[0].Value || b.MyID[0].Value != a.PeersID[0].Value || a.PeersIPAddr[0].Prefix.Addr().String() != "127.0.0.2" {
		t.Errorf("examples are not mirrors: %+v / %+v", a, b)
	}
}

// The example of man/racoon2.conf.5 is a valid configuration.
func TestManPageExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "man", "racoon2.conf.5"))
	if err != nil {
		t.Skip(err)
	}
	s := string(b)
	i := strings.Index(s, ".Sh EXAMPLES")
	j := strings.Index(s[i:], ".Bd -literal")
	k := strings.Index(s[i+j:], ".Ed")
	if i < 0 || j < 0 || k < 0 {
		t.Fatal("no example in the manual")
	}
	ex := s[i+j : i+j+k]
	ex = ex[strings.IndexByte(ex, '\n')+1:]
	c, r := load(t, ex)
	if c == nil || r.HasErrors() || len(r.Diags) != 0 {
		t.Fatalf("manual example:\n%s\n%s", ex, reportText(r))
	}
}
