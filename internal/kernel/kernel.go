// Package kernel picks the IPsec kernel backend for --kernel and checks a
// configuration's ESP/AH/IPComp transforms against it.
package kernel

import (
	"fmt"
	"log/slog"
	"runtime"
	"sort"
	"strings"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/pfkey"
	"github.com/racoon2go/iked/internal/xfrm"
)

// Kinds are the values of --kernel.
var Kinds = []string{"auto", "pfkey", "xfrm"}

// Resolve turns a --kernel value into the backend it means on goos:
// auto is XFRM on Linux and PF_KEY elsewhere; XFRM exists on Linux only.
func Resolve(kind, goos string) (string, error) {
	switch kind {
	case "", "auto":
		if goos == "linux" {
			return "xfrm", nil
		}
		return "pfkey", nil
	case "pfkey":
		return kind, nil
	case "xfrm":
		if goos != "linux" {
			return "", fmt.Errorf("--kernel xfrm: XFRM is a Linux interface; %s has PF_KEY only (--kernel pfkey)", goos)
		}
		return kind, nil
	}
	return "", fmt.Errorf("--kernel %q: want one of %s", kind, strings.Join(Kinds, ", "))
}

// Open opens the backend --kernel kind names.
func Open(kind string, log *slog.Logger) (ike.Kernel, error) {
	k, err := Resolve(kind, runtime.GOOS)
	if err != nil {
		return nil, err
	}
	if k == "xfrm" {
		return xfrm.Open(log)
	}
	pk, err := pfkey.Open(log)
	if err != nil {
		return nil, err
	}
	return pk, nil
}

// TransformKind is the IKEv2 transform type of a Want (RFC 7296 section
// 3.3.2).
type TransformKind uint8

// Transform kinds the kernel installs.
const (
	Encr TransformKind = iota + 1
	Integ
	Comp
)

// Want is one transform a configuration asks for, by IKEv2 ID.
type Want struct {
	Kind TransformKind
	ID   uint16
}

// Problem is a transform the backend cannot install correctly.
type Problem struct {
	Want
	Msg string
}

func (p Problem) Error() string { return p.Msg }

// Check returns the transforms of wants that the backend named kind
// (after Resolve), with the algorithms a, cannot install correctly. A nil a
// means the backend cannot tell, and nothing is refused. Each message
// names the transform; when the refusal comes from PF_KEY's limits on
// Linux it says that --kernel xfrm carries it.
func Check(kind string, a *ike.Algorithms, wants []Want) []Problem {
	if a == nil {
		return nil
	}
	var out []Problem
	seen := map[Want]bool{}
	for _, w := range wants {
		if seen[w] {
			continue
		}
		seen[w] = true
		var ok bool
		var note string
		switch w.Kind {
		case Encr:
			ok, note = a.Encr[w.ID], a.EncrNotes[w.ID]
		case Integ:
			ok, note = a.Integ[w.ID], a.IntegNotes[w.ID]
		case Comp:
			ok = a.Comp[w.ID]
		}
		if ok {
			continue
		}
		msg := fmt.Sprintf("%s: not supported by the %s kernel interface", Name(w), kind)
		if note != "" {
			msg = fmt.Sprintf("%s: %s", Name(w), note)
		}
		if kind == "pfkey" && runtime.GOOS == "linux" && xfrmCarries(w) {
			msg += "; --kernel xfrm carries it"
		}
		out = append(out, Problem{Want: w, Msg: msg})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

func xfrmCarries(w Want) bool {
	switch w.Kind {
	case Encr:
		_, ok := xfrm.Encr[w.ID]
		return ok
	case Integ:
		_, ok := xfrm.Integ[w.ID]
		return ok
	case Comp:
		_, ok := xfrm.Comp[w.ID]
		return ok
	}
	return false
}

var (
	encrNames = map[uint16]string{2: "ENCR_DES", 3: "ENCR_3DES", 6: "ENCR_CAST", 7: "ENCR_BLOWFISH",
		11: "ENCR_NULL", 12: "ENCR_AES_CBC", 13: "ENCR_AES_CTR", 14: "ENCR_AES_CCM_8", 15: "ENCR_AES_CCM_12",
		16: "ENCR_AES_CCM_16", 18: "ENCR_AES_GCM_8", 19: "ENCR_AES_GCM_12", 20: "ENCR_AES_GCM_16",
		21: "ENCR_NULL_AUTH_AES_GMAC", 23: "ENCR_CAMELLIA_CBC", 28: "ENCR_CHACHA20_POLY1305"}
	integNames = map[uint16]string{1: "AUTH_HMAC_MD5_96", 2: "AUTH_HMAC_SHA1_96", 5: "AUTH_AES_XCBC_96",
		6: "AUTH_HMAC_MD5_128", 7: "AUTH_HMAC_SHA1_160", 8: "AUTH_AES_CMAC_96",
		12: "AUTH_HMAC_SHA2_256_128", 13: "AUTH_HMAC_SHA2_384_192", 14: "AUTH_HMAC_SHA2_512_256"}
	compNames = map[uint16]string{1: "IPCOMP_OUI", 2: "IPCOMP_DEFLATE", 3: "IPCOMP_LZS", 4: "IPCOMP_LZJH"}
)

// Name is the IANA name of a transform (RFC 7296 section 3.3.2).
func Name(w Want) string {
	var m map[uint16]string
	prefix := "ENCR"
	switch w.Kind {
	case Encr:
		m = encrNames
	case Integ:
		m, prefix = integNames, "AUTH"
	case Comp:
		m, prefix = compNames, "IPCOMP"
	}
	if n, ok := m[w.ID]; ok {
		return n
	}
	return fmt.Sprintf("%s transform %d", prefix, w.ID)
}
