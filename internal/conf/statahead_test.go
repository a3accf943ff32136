package conf

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Key files checked ahead give exactly what checking them in place gives.
func TestSecretStatsSameAsDirect(t *testing.T) {
	dir := t.TempDir()
	good, open, missing := filepath.Join(dir, "good"), filepath.Join(dir, "open"), filepath.Join(dir, "missing")
	os.WriteFile(good, []byte("k"), 0o600)
	os.WriteFile(open, []byte("k"), 0o644)
	os.Chmod(open, 0o644)
	uid := os.Geteuid()
	s := newSecretStats(uid)
	defer s.stop()
	paths := []string{good, open, missing, dir, good}
	for _, p := range paths {
		s.want(p)
	}
	s.start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		n := len(s.res)
		s.mu.Unlock()
		if n == 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for _, p := range paths {
		got, want := fmt.Sprint(s.check(p, uid)), fmt.Sprint(checkSecretFile(p, uid))
		if got != want {
			t.Errorf("%s: ahead %q, direct %q", p, got, want)
		}
	}
	// Another uid is never answered from the results.
	if e := s.check(good, uid+1); e == nil {
		t.Errorf("uid %d: no error for a file owned by %d", uid+1, uid)
	}
}

// The whole check gives the same report with and without key files
// checked ahead.
func TestSecretStatsSameReport(t *testing.T) {
	dir := t.TempDir()
	src := ""
	for i := 0; i < 40; i++ {
		p := filepath.Join(dir, fmt.Sprintf("k%d", i))
		switch i % 3 {
		case 0:
			os.WriteFile(p, []byte("k"), 0o600)
		case 1:
			os.WriteFile(p, []byte("k"), 0o640)
			os.Chmod(p, 0o640)
		}
		src += fmt.Sprintf("remote r%d { ikev2 { my_id fqdn \"a\"; peers_ipaddr 192.0.2.%d; kmp_enc_alg aes128_cbc; kmp_hash_alg hmac_sha1; kmp_prf_alg hmac_sha1; kmp_dh_group modp2048; kmp_auth_method psk; pre_shared_key %q; }; };\n", i, i+1, p)
		src += fmt.Sprintf("selector s%d { direction outbound; src 10.0.0.0/24; dst 10.1.%d.0/24; policy_index p%d; };\n", i, i, i)
		src += fmt.Sprintf("policy p%d { action auto_ipsec; remote_index r%d; ipsec_index i; };\n", i, i)
	}
	src += "ipsec i { sa_index e; };\nsa e { sa_protocol esp; esp_enc_alg aes128_cbc; esp_auth_alg hmac_sha1; };\n"
	conf := filepath.Join(dir, "racoon2.conf")
	os.WriteFile(conf, []byte(src), 0o600)
	_, r1 := Load(conf, Options{UID: -1, NoHostAddrs: true})
	c := &checker{rep: &Report{}, opts: &Options{UID: os.Geteuid(), NoSecretChecks: false}}
	c2, _ := Load(conf, Options{UID: -1, NoHostAddrs: true, NoSecretChecks: true})
	c.cfg = c2
	c2.idx = nil
	// Check the loaded configuration again without checking ahead.
	for _, rm := range c2.Remotes {
		c.remote(rm, false)
	}
	var want []string
	for _, d := range r1.Diags {
		if contains(d.Msg, "pre_shared_key file") {
			want = append(want, d.String())
		}
	}
	var got []string
	for _, d := range c.rep.Diags {
		if contains(d.Msg, "pre_shared_key file") {
			got = append(got, d.String())
		}
	}
	if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("key file reports differ:\nahead  %q\ndirect %q", want, got)
	}
}

// refCheckSecretFile is checkSecretFile through os.Stat, as it was.
func refCheckSecretFile(path string, uid int) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return errNotRegular
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != uid {
		return fmt.Errorf("owned by uid %d, not by the daemon's uid %d", st.Uid, uid)
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		return fmt.Errorf("weak file permission %04o: group or others can access it (chmod 600)", m)
	}
	return nil
}

func TestCheckSecretFileSameAsOSStat(t *testing.T) {
	dir := t.TempDir()
	files := map[string]os.FileMode{"p600": 0o600, "p640": 0o640, "p604": 0o604, "p400": 0o400, "p700": 0o700, "p4600": 0o600 | os.ModeSetuid}
	var paths []string
	for name, mode := range files {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("k"), 0o600)
		os.Chmod(p, mode)
		paths = append(paths, p)
	}
	os.Symlink(filepath.Join(dir, "p600"), filepath.Join(dir, "link"))
	os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling"))
	paths = append(paths, dir, filepath.Join(dir, "link"), filepath.Join(dir, "dangling"), filepath.Join(dir, "missing"), filepath.Join(dir, "p600", "x"), "")
	for _, uid := range []int{os.Geteuid(), os.Geteuid() + 1} {
		for _, p := range paths {
			got, want := checkSecretFile(p, uid), refCheckSecretFile(p, uid)
			if fmt.Sprint(got) != fmt.Sprint(want) || os.IsNotExist(got) != os.IsNotExist(want) {
				t.Errorf("%q uid %d: %v, os.Stat gives %v", p, uid, got, want)
			}
		}
	}
}
