package conf

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: the parser never panics, and for any input without errors,
// Dump then Load is a fixed point (the second dump equals the first).
func FuzzLoad(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(`setval { A "1"; }; interface { ike { MY_IP port 500; }; }; addresspool p { 10.0.0.1 - 10.0.0.2; };`))
	f.Add([]byte("remote r { ikev2 { kmp_enc_alg { aes_ctr,256; rijndael_cbc,,\"k\"; }; script phase1_up \"/x\";; }; };"))
	if dir := sharedSamples(); dir != "" {
		for _, pat := range []string{"*.conf", "*.in", "quirks/*.conf"} {
			files, _ := filepath.Glob(filepath.Join(dir, pat))
			for _, p := range files {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, r := Load("f.conf", memOpts(map[string]string{"f.conf": string(data)}))
		if c == nil || r.HasErrors() {
			return
		}
		var d1, d2 bytes.Buffer
		if err := c.Dump(&d1); err != nil {
			// The fuzz environment is empty, so no value can come
			// from $[VAR] with "${" in it: every dump must succeed.
			t.Fatal(err)
		}
		c2, r2 := Load("d.conf", memOpts(map[string]string{"d.conf": d1.String()}))
		if c2 == nil || r2.HasErrors() {
			t.Fatalf("dump does not load:\n%s\n%s", reportText(r2), d1.String())
		}
		if err := c2.Dump(&d2); err != nil {
			t.Fatal(err)
		}
		if d1.String() != d2.String() {
			t.Fatalf("not a fixed point:\n--- first\n%s\n--- second\n%s", d1.String(), d2.String())
		}
	})
}

func sharedSamples() string {
	dir, _ := os.Getwd()
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			s := filepath.Join(filepath.Dir(d), "shared", "racoon2-samples")
			if _, err := os.Stat(s); err == nil {
				return s
			}
			break
		}
	}
	if _, err := os.Stat("/work/shared/racoon2-samples"); err == nil {
		return "/work/shared/racoon2-samples"
	}
	return ""
}
