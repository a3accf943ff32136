package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/racoon2go/iked/internal/conf"
	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/ike/iketest"
)

// linuxPFKey reports what Linux PF_KEY's REGISTER gives (the in-kernel test
// bed's answer, see internal/pfkey): CBC ciphers and HMACs, no AEAD, and a
// note that HMAC-SHA2-256 gets a 96-bit ICV.
type linuxPFKey struct{ *iketest.Kernel }

func (linuxPFKey) Supported() *ike.Algorithms {
	return &ike.Algorithms{
		Encr:       map[uint16]bool{3: true, 12: true, 13: true},
		Integ:      map[uint16]bool{1: true, 2: true, 13: true, 14: true},
		EncrNotes:  map[uint16]string{20: "Linux PF_KEY cannot install AEAD transforms"},
		IntegNotes: map[uint16]string{12: "Linux PF_KEY installs HMAC-SHA2-256 with a 96-bit ICV, not RFC 4868's 128 bits"},
	}
}

func loadTestConf(t *testing.T, espEnc, espAuth string) *conf.Config {
	t.Helper()
	dir := t.TempDir()
	psk := filepath.Join(dir, "psk")
	if err := os.WriteFile(psk, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	text := `remote r { acceptable_kmp { ikev2; }; ikev2 { my_id ipaddr "127.0.0.1"; peers_ipaddr "127.0.0.2";
	  kmp_enc_alg { aes128_cbc; }; kmp_prf_alg { hmac_sha2_256; }; kmp_hash_alg { hmac_sha2_256; };
	  kmp_dh_group { modp2048; }; kmp_auth_method { psk; }; pre_shared_key "` + psk + `"; }; };
	selector s { direction outbound; src "127.0.0.1"; dst "127.0.0.2"; policy_index p; };
	selector s_in { direction inbound; src "127.0.0.2"; dst "127.0.0.1"; policy_index p; };
	policy p { action auto_ipsec; remote_index r; ipsec_mode transport; ipsec_index { i; }; };
	ipsec i { ipsec_sa_lifetime_time 1 hour; ipsec_sa_lifetime_byte 1 MB; sa_index e; };
	sa e { sa_protocol esp; esp_enc_alg { ` + espEnc + `; }; esp_auth_alg { ` + espAuth + `; }; };
	`
	path := filepath.Join(dir, "racoon2.conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	c, rep := conf.Load(path, conf.Options{UID: -1, NoHostAddrs: true})
	if rep.HasErrors() {
		var b bytes.Buffer
		rep.WriteTo(&b)
		t.Fatalf("config: %s", b.String())
	}
	return c
}

// TestCheckKernelPFKeyLinux: the transforms Linux PF_KEY cannot install
// correctly are refused by name, pointing at --kernel xfrm (issue 6).
func TestCheckKernelPFKeyLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the PF_KEY limits checked here are Linux's")
	}
	k := linuxPFKey{iketest.NewKernel(0)}
	log := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	if err := checkKernel("pfkey", k, &config{Conf: loadTestConf(t, "aes128_cbc", "hmac_sha1")}, log); err != nil {
		t.Fatalf("AES-CBC + HMAC-SHA1 refused: %v", err)
	}
	err := checkKernel("pfkey", k, &config{Conf: loadTestConf(t, "aes128_cbc", "hmac_sha2_256")}, log)
	if err == nil || !strings.Contains(err.Error(), "AUTH_HMAC_SHA2_256_128") || !strings.Contains(err.Error(), "--kernel xfrm carries it") {
		t.Fatalf("HMAC-SHA2-256 through Linux PF_KEY: %v", err)
	}
	err = checkKernel("pfkey", k, &config{Conf: loadTestConf(t, "aes128_gcm_16", "hmac_sha1")}, log)
	if err == nil || !strings.Contains(err.Error(), "ENCR_AES_GCM_16") {
		t.Fatalf("AES-GCM through Linux PF_KEY: %v", err)
	}
}
