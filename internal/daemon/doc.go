// Package daemon holds what a classic Unix daemon shell needs and nothing
// about IKE: racoon2's log levels and log sinks (syslog LOG_DAEMON, a file,
// stdout, stderr) behind one slog.Handler, a locked pidfile, and detaching
// from the terminal by re-executing the program in a new session. Both
// cmd/iked and cmd/spmd use it; the ident chooses the program name.
package daemon
