package crypto

import "testing"

// TestRegistry checks the IANA values (RFC 7296 3.3.2 and the IANA IKEv2
// registry) and the derived sizes.
func TestRegistry(t *testing.T) {
	for _, v := range []struct {
		typ     TransformType
		id      uint16
		name    string
		keyBits int
		keyLen  int
		weak    bool
		espOnly bool
	}{
		{TransformEncr, 3, "ENCR_3DES", 0, 24, true, false},
		{TransformEncr, 11, "ENCR_NULL", 0, 0, false, true},
		{TransformEncr, 12, "ENCR_AES_CBC", 256, 32, false, false},
		{TransformEncr, 13, "ENCR_AES_CTR", 128, 20, false, false},
		{TransformEncr, 18, "ENCR_AES_GCM_8", 192, 28, false, false},
		{TransformEncr, 20, "ENCR_AES_GCM_16", 128, 20, false, false},
		{TransformEncr, 28, "ENCR_CHACHA20_POLY1305", 0, 36, false, false}, // RFC 7634 2
		{TransformPRF, 1, "PRF_HMAC_MD5", 0, 16, true, false},
		{TransformPRF, 4, "PRF_AES128_XCBC", 0, 16, false, false},
		{TransformPRF, 7, "PRF_HMAC_SHA2_512", 0, 64, false, false},
		{TransformPRF, 8, "PRF_AES128_CMAC", 0, 16, false, false},
		{TransformInteg, 1, "AUTH_HMAC_MD5_96", 0, 16, true, false},
		{TransformInteg, 12, "AUTH_HMAC_SHA2_256_128", 0, 32, false, false},
		{TransformInteg, 14, "AUTH_HMAC_SHA2_512_256", 0, 64, false, false},
		{TransformDH, 2, "MODP_1024", 0, 0, true, false},
		{TransformDH, 14, "MODP_2048", 0, 0, false, false},
		{TransformDH, 31, "CURVE25519", 0, 0, false, false},
	} {
		tr, ok := LookupTransform(v.typ, v.id)
		if !ok {
			t.Errorf("%s %d missing", v.typ, v.id)
			continue
		}
		if tr.Name != v.name || tr.Weak != v.weak || tr.ESPOnly != v.espOnly {
			t.Errorf("%s %d = %+v", v.typ, v.id, tr)
		}
		if v.typ == TransformEncr {
			if n, err := tr.KeyLen(v.keyBits); err != nil || n != v.keyLen {
				t.Errorf("%s KeyLen(%d) = %d, %v; want %d", v.name, v.keyBits, n, err, v.keyLen)
			}
		} else if v.typ != TransformDH && tr.KeySize != v.keyLen {
			t.Errorf("%s KeySize = %d, want %d", v.name, tr.KeySize, v.keyLen)
		}
	}
	aes, _ := LookupTransform(TransformEncr, uint16(EncrAESCBC))
	if _, err := aes.KeyLen(0); err == nil {
		t.Error("AES-CBC without key length accepted") // RFC 7296 3.3.5: mandatory
	}
	if _, ok := LookupTransform(TransformEncr, 2); ok {
		t.Error("ENCR_DES implemented")
	}
	all := Transforms()
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.Type > b.Type || (a.Type == b.Type && a.ID >= b.ID) {
			t.Fatalf("Transforms not sorted at %d", i)
		}
	}
	if EncrAESCBC.String() != "ENCR_AES_CBC" || PRFHMACSHA2_256.String() != "PRF_HMAC_SHA2_256" ||
		DHCurve25519.String() != "CURVE25519" || EncrID(99).String() != "ENCR(99)" ||
		AuthDigitalSignature.String() != "DIGITAL_SIGNATURE" || TransformDH.String() != "DH" {
		t.Error("String names")
	}
}
