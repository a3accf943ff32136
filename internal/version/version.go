// Package version holds values set at build time by the Makefile.
package version

// Set with -ldflags -X by the Makefile.
var (
	Version    = "dev"
	SysconfDir = "/usr/local/etc/racoon2"
)

// ConfigPath is the default configuration file, $(SYSCONFDIR)/racoon2.conf.
func ConfigPath() string { return SysconfDir + "/racoon2.conf" }
