package conf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every key file IKEConfig reads must pass the secret-file check, whatever
// the authentication method (reference 1.3, file safety).
func TestSecretFiles_Ref1_3_CheckedWhateverAuthMethod(t *testing.T) {
	dir := t.TempDir()
	psk := filepath.Join(dir, "psk")
	key := filepath.Join(dir, "key.pem")
	for _, p := range []string{psk, key} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	certKey := withIKEv2(`my_public_key x509pem "` + key + `" "` + key + `";`)
	certKey = strings.Replace(certKey, `pre_shared_key "/psk"`, `pre_shared_key "`+psk+`"`, 1)
	o := memOpts(map[string]string{"t.conf": certKey})
	o.NoSecretChecks = false
	_, r := Load("t.conf", o)
	if !strings.Contains(reportText(r), "error: private key file "+key) {
		t.Errorf("a world-readable private key is not refused with psk auth:\n%s", reportText(r))
	}
	// And a pre_shared_key named with rsasig auth.
	rsa := strings.Replace(certKey, "kmp_auth_method { psk; }", "kmp_auth_method { rsasig; }", 1)
	rsa = strings.Replace(rsa, `my_public_key x509pem`, `peers_public_key x509pem "/peer.pem"; my_public_key x509pem`, 1)
	o = memOpts(map[string]string{"t.conf": rsa})
	o.NoSecretChecks = false
	_, r = Load("t.conf", o)
	if !strings.Contains(reportText(r), "error: pre_shared_key file "+psk) {
		t.Errorf("a world-readable pre_shared_key is not refused with rsasig auth:\n%s", reportText(r))
	}
}
