package crypto

import "log/slog"

// Types holding secrets print and log as [redacted] (GUIDE: key material
// never reaches logs, even through a careless %v).
const redacted = "[redacted]"

func (*modpKey) String() string   { return redacted }
func (*ecpKey) String() string    { return redacted }
func (*x25519Key) String() string { return redacted }
func (*Integ) String() string     { return redacted }
func (*cbcSK) String() string     { return redacted }
func (*ctrSK) String() string     { return redacted }
func (*aeadSK) String() string    { return redacted }

func (*modpKey) LogValue() slog.Value   { return slog.StringValue(redacted) }
func (*ecpKey) LogValue() slog.Value    { return slog.StringValue(redacted) }
func (*x25519Key) LogValue() slog.Value { return slog.StringValue(redacted) }
func (*Integ) LogValue() slog.Value     { return slog.StringValue(redacted) }
func (*cbcSK) LogValue() slog.Value     { return slog.StringValue(redacted) }
func (*ctrSK) LogValue() slog.Value     { return slog.StringValue(redacted) }
func (*aeadSK) LogValue() slog.Value    { return slog.StringValue(redacted) }
