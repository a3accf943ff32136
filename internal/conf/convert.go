package conf

import (
	"os"

	"github.com/racoon2go/iked/internal/ike"
)

// Conversions to the kernel-facing types of package ike.

// Kernel returns the ike.Mode of an ipsec_mode (tunnel when unset, the
// built-in default).
func (m Mode) Kernel() ike.Mode {
	if m == ModeTransport {
		return ike.ModeTransport
	}
	return ike.ModeTunnel
}

// Kernel returns the IP protocol of an sa_protocol (0 when unset).
func (p SAProto) Kernel() ike.Proto {
	switch p {
	case SAProtoESP:
		return ike.ProtoESP
	case SAProtoAH:
		return ike.ProtoAH
	case SAProtoIPComp:
		return ike.ProtoIPComp
	}
	return 0
}

// KernelSelector returns the selector as the kernel sees it: the first
// src and dst entries, their ports, and the upper-layer protocol (0 for
// any). ICMP type and code, or the MH type, take the place of the ports,
// as in racoon2. ok is false when src or dst is not a literal address
// (a macro or host name resolved at run time).
func (s *Selector) KernelSelector() (sel ike.Selector, ok bool) {
	if len(s.Src) == 0 || len(s.Dst) == 0 || s.Src[0].Kind != AddrIP || s.Dst[0].Kind != AddrIP {
		return sel, false
	}
	sel.Src, sel.Dst = s.Src[0].Prefix, s.Dst[0].Prefix
	sel.SrcPort, sel.DstPort = s.Src[0].Port, s.Dst[0].Port
	if s.ULP != ProtoAny {
		sel.Proto = s.ULP
	}
	if s.ULPArgs[0] >= 0 {
		sel.SrcPort = uint16(s.ULPArgs[0])
		sel.DstPort = 0
		if s.ULPArgs[1] >= 0 {
			sel.DstPort = uint16(s.ULPArgs[1])
		}
	}
	return sel, true
}

// ReadSecretFile reads a key or password file after the checks Load makes
// (regular file, owned by uid, no group or other permissions). A
// pre_shared_key is the whole content, trailing newline included.
func ReadSecretFile(path string, uid int) ([]byte, error) {
	if err := checkSecretFile(path, uid); err != nil {
		return nil, &os.PathError{Op: "secret file", Path: path, Err: err}
	}
	return os.ReadFile(path)
}
