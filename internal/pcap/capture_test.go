package pcap

import "github.com/racoon2go/iked/internal/ike"

// The engines record through ike.Capture; *Writer must satisfy it.
var _ ike.Capture = (*Writer)(nil)
