package crypto

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// prfVectors are published PRF outputs. RFC 4868 2.7 borrows RFC 4231's
// HMAC-SHA2 cases; its AUTH512-4 key is printed with a spurious first line
// (80 bytes for a 64-byte key), the table uses the 64-byte key that the
// printed outputs belong to.
var prfVectors = []struct {
	name           string
	id             PRFID
	key, data, out string
}{
	{"RFC 4868 2.7 PRF-1 PRF-HMAC-SHA-256", PRFHMACSHA2_256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
	{"RFC 4868 2.7 PRF-1 PRF-HMAC-SHA-384", PRFHMACSHA2_384, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"},
	{"RFC 4868 2.7 PRF-1 PRF-HMAC-SHA-512", PRFHMACSHA2_512, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
	{"RFC 4868 2.7 PRF-2 PRF-HMAC-SHA-256", PRFHMACSHA2_256, "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	{"RFC 4868 2.7 PRF-2 PRF-HMAC-SHA-384", PRFHMACSHA2_384, "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
	{"RFC 4868 2.7 PRF-2 PRF-HMAC-SHA-512", PRFHMACSHA2_512, "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	{"RFC 4868 2.7 PRF-3 PRF-HMAC-SHA-256", PRFHMACSHA2_256, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
	{"RFC 4868 2.7 PRF-3 PRF-HMAC-SHA-384", PRFHMACSHA2_384, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27"},
	{"RFC 4868 2.7 PRF-3 PRF-HMAC-SHA-512", PRFHMACSHA2_512, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
	{"RFC 4868 2.7 PRF-4 PRF-HMAC-SHA-256", PRFHMACSHA2_256, "0102030405060708090a0b0c0d0e0f10111213141516171819", "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
	{"RFC 4868 2.7 PRF-4 PRF-HMAC-SHA-384", PRFHMACSHA2_384, "0102030405060708090a0b0c0d0e0f10111213141516171819", "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb"},
	{"RFC 4868 2.7 PRF-4 PRF-HMAC-SHA-512", PRFHMACSHA2_512, "0102030405060708090a0b0c0d0e0f10111213141516171819", "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
	{"RFC 4868 2.7 PRF-5 PRF-HMAC-SHA-256", PRFHMACSHA2_256, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
	{"RFC 4868 2.7 PRF-5 PRF-HMAC-SHA-384", PRFHMACSHA2_384, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374", "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952"},
	{"RFC 4868 2.7 PRF-5 PRF-HMAC-SHA-512", PRFHMACSHA2_512, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374", "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
	{"RFC 4868 2.7 PRF-6 PRF-HMAC-SHA-256", PRFHMACSHA2_256, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e", "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
	{"RFC 4868 2.7 PRF-6 PRF-HMAC-SHA-384", PRFHMACSHA2_384, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e", "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e"},
	{"RFC 4868 2.7 PRF-6 PRF-HMAC-SHA-512", PRFHMACSHA2_512, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e", "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
	{"RFC 4868 2.7 AUTH256-1 PRF-HMAC-SHA-256", PRFHMACSHA2_256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"},
	{"RFC 4868 2.7 AUTH256-2 PRF-HMAC-SHA-256", PRFHMACSHA2_256, "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6"},
	{"RFC 4868 2.7 AUTH256-3 PRF-HMAC-SHA-256", PRFHMACSHA2_256, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", "cdcb1220d1ecccea91e53aba3092f962e549fe6ce9ed7fdc43191fbde45c30b0"},
	{"RFC 4868 2.7 AUTH256-4 PRF-HMAC-SHA-256", PRFHMACSHA2_256, "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", "372efcf9b40b35c2115b1346903d2ef42fced46f0846e7257bb156d3d7b30d3f"},
	{"RFC 4868 2.7 AUTH384-1 PRF-HMAC-SHA-384", PRFHMACSHA2_384, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee9737a959796489bddbc4c5df61d5b3297b4fb68dab9f1b582c2"},
	{"RFC 4868 2.7 AUTH384-2 PRF-HMAC-SHA-384", PRFHMACSHA2_384, "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "2c7353974f1842fd66d53c452ca42122b28c0b594cfb184da86a368e9b8e16f5349524ca4e82400cbde0686d403371c9"},
	{"RFC 4868 2.7 AUTH384-3 PRF-HMAC-SHA-384", PRFHMACSHA2_384, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", "809f439be00274321d4a538652164b53554a508184a0c3160353e3428597003d35914a18770f9443987054944b7c4b4a"},
	{"RFC 4868 2.7 AUTH384-4 PRF-HMAC-SHA-384", PRFHMACSHA2_384, "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f200a0b0c0d0e0f10111213141516171819", "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", "5b540085c6e6358096532b2493609ed1cb298f774f87bb5c2ebf182c83cc7428707fb92eab2536a5812258228bc96687"},
	{"RFC 4868 2.7 AUTH512-1 PRF-HMAC-SHA-512", PRFHMACSHA2_512, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8ac2878ebd5803f6f0b61dbce5e251ff8789a4722c1be65aea45fd464e89f8f5b"},
	{"RFC 4868 2.7 AUTH512-2 PRF-HMAC-SHA-512", PRFHMACSHA2_512, "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b154546aa334ae9fb9afc2184932d8695e397bfa0ffb93466cfcceaae38c833b7dba38"},
	{"RFC 4868 2.7 AUTH512-3 PRF-HMAC-SHA-512", PRFHMACSHA2_512, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", "2ee7acd783624ca9398710f3ee05ae41b9f9b0510c87e49e586cc9bf961733d8623c7b55cebefccf02d5581acc1c9d5fb1ff68a1de45509fbe4da9a433922655"},
	{"RFC 4868 2.7 AUTH512-4 PRF-HMAC-SHA-512", PRFHMACSHA2_512, "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40", "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", "5e6688e5a3daec826ca32eaea224eff5e700628947470e13ad01302561bab108b8c48cbc6b807dcfbd850521a685babc7eae4a2a2e660dc0e86b931d65503fd2"},
	// RFC 4434 2.1: AES-XCBC-PRF-128 with 16-, 10- and 18-byte keys.
	{"RFC 4434 2.1 key 16", PRFAES128XCBC, "000102030405060708090a0b0c0d0e0f", "000102030405060708090a0b0c0d0e0f10111213", "47f51b4564966215b8985c63055ed308"},
	{"RFC 4434 2.1 key 10", PRFAES128XCBC, "00010203040506070809", "000102030405060708090a0b0c0d0e0f10111213", "0fa087af7d866e7653434e602fdde835"},
	{"RFC 4434 2.1 key 18", PRFAES128XCBC, "000102030405060708090a0b0c0d0e0fedcb", "000102030405060708090a0b0c0d0e0f10111213", "8cd3c93ae598a9803006ffb67c40e9e4"},

	// RFC 4615 4: AES-CMAC-PRF-128 with 18-, 16- and 10-byte keys.
	{"RFC 4615 4 key 18", PRFAES128CMAC, "000102030405060708090a0b0c0d0e0fedcb", "000102030405060708090a0b0c0d0e0f10111213", "84a348a4a45d235babfffc0d2b4da09a"},
	{"RFC 4615 4 key 16", PRFAES128CMAC, "000102030405060708090a0b0c0d0e0f", "000102030405060708090a0b0c0d0e0f10111213", "980ae87b5f4c9c5214f5b6a8455e4c2d"},
	{"RFC 4615 4 key 10", PRFAES128CMAC, "00010203040506070809", "000102030405060708090a0b0c0d0e0f10111213", "290d9e112edb09ee141fcf64c0b72f3d"},

	// RFC 2202 2 and 3: HMAC-MD5 and HMAC-SHA1 test cases 1 and 2.
	{"RFC 2202 2 HMAC-MD5 case 1", PRFHMACMD5, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "9294727a3638bb1c13f48ef8158bfc9d"},
	{"RFC 2202 2 HMAC-MD5 case 2", PRFHMACMD5, "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "750c783e6ab0b503eaa86e310a5db738"},
	{"RFC 2202 3 HMAC-SHA1 case 1", PRFHMACSHA1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "b617318655057264e28bc0b6fb378c8ef146be00"},
	{"RFC 2202 3 HMAC-SHA1 case 2", PRFHMACSHA1, "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
}

func TestPRFVectors(t *testing.T) {
	for _, v := range prfVectors {
		t.Run(v.name, func(t *testing.T) {
			p, err := NewPRF(v.id)
			if err != nil {
				t.Fatal(err)
			}
			key, data, want := hx(t, v.key), hx(t, v.data), hx(t, v.out)
			got, err := p.Compute(nil, key, data)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("prf = %x, want %x", got, want)
			}
			if p.Size() != len(want) {
				t.Errorf("Size = %d, want %d", p.Size(), len(want))
			}
			// Split input and reuse through Reset must give the same result.
			h, err := p.New(key)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				h.Reset()
				h.Write(data[:len(data)/2])
				h.Write(data[len(data)/2:])
				if got := h.Sum(nil); !bytes.Equal(got, want) {
					t.Fatalf("incremental prf = %x, want %x", got, want)
				}
			}
		})
	}
}

// TestMACVectors checks the MAC cores on their own RFCs' vectors.
func TestMACVectors(t *testing.T) {
	cmacKey := "2b7e151628aed2a6abf7158809cf4f3c"
	cmacMsg := "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
		"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
	xcbcKey := "000102030405060708090a0b0c0d0e0f"
	for _, v := range []struct {
		name     string
		xcbc     bool
		key, msg string
		out      string
	}{
		// RFC 4493 4, examples 1-4.
		{"RFC 4493 4 len 0", false, cmacKey, "", "bb1d6929e95937287fa37d129b756746"},
		{"RFC 4493 4 len 16", false, cmacKey, cmacMsg[:32], "070a16b46b4d4144f79bdd9dd04a287c"},
		{"RFC 4493 4 len 40", false, cmacKey, cmacMsg[:80], "dfa66747de9ae63030ca32611497c827"},
		{"RFC 4493 4 len 64", false, cmacKey, cmacMsg, "51f0bebf7e3b9d92fc49741779363cfe"},
		// RFC 3566 4.6, test cases 1, 2, 3, 5 and 6 (case 4 is RFC 4434's first vector).
		{"RFC 3566 4.6 case 1", true, xcbcKey, "", "75f0251d528ac01c4573dfd584d79f29"},
		{"RFC 3566 4.6 case 2", true, xcbcKey, "000102", "5b376580ae2f19afe7219ceef172756f"},
		{"RFC 3566 4.6 case 3", true, xcbcKey, hex.EncodeToString(seq(0, 16)), "d2a246fa349b68a79998a4394ff7a263"},
		{"RFC 3566 4.6 case 5", true, xcbcKey, hex.EncodeToString(seq(0, 32)), "f54f0ec8d2b9f3d36807734bd5283fd4"},
		{"RFC 3566 4.6 case 6", true, xcbcKey, hex.EncodeToString(seq(0, 34)), "becbb3bccdb518a30677d5481fb6b4d8"},
	} {
		t.Run(v.name, func(t *testing.T) {
			newMAC := newCMAC
			if v.xcbc {
				newMAC = newXCBC
			}
			m, err := newMAC(hx(t, v.key))
			if err != nil {
				t.Fatal(err)
			}
			msg := hx(t, v.msg)
			for i := range msg { // byte at a time exercises the buffering
				m.Write(msg[i : i+1])
			}
			if got, want := m.Sum(nil), hx(t, v.out); !bytes.Equal(got, want) {
				t.Fatalf("MAC = %x, want %x", got, want)
			}
		})
	}
}

// TestPRFPlus checks prf+ (RFC 7296 2.13) against a direct evaluation of
// its definition with crypto/hmac.
func TestPRFPlus(t *testing.T) {
	p, _ := NewPRF(PRFHMACSHA2_256)
	key, seed := seq(1, 32), seq(100, 40)
	var want, prev []byte
	for i := byte(1); len(want) < 200; i++ {
		h := hmac.New(sha256.New, key)
		h.Write(prev)
		h.Write(seed)
		h.Write([]byte{i})
		prev = h.Sum(nil)
		want = append(want, prev...)
	}
	for _, n := range []int{0, 1, 31, 32, 33, 200} {
		got, err := PRFPlus(p, key, seed, n)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want[:n]) {
			t.Fatalf("prf+ %d bytes = %x, want %x", n, got, want[:n])
		}
	}
	if _, err := PRFPlus(p, key, seed, 255*32+1); err != ErrPRFPlusTooLong {
		t.Fatalf("256 blocks: err = %v, want ErrPRFPlusTooLong", err)
	}
	if _, err := PRFPlus(p, key, seed, 255*32); err != nil {
		t.Fatalf("255 blocks: %v", err)
	}
}

func TestNewPRFUnknown(t *testing.T) {
	if _, err := NewPRF(3); err == nil { // PRF_HMAC_TIGER
		t.Fatal("PRF_HMAC_TIGER accepted")
	}
}
