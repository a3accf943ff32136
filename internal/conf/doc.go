// Package conf reads racoon2.conf as racoon2's iked does and turns it into
// a typed, checked Config. Engines never see the syntax.
//
// Load runs four steps:
//
//  1. lex and parse (lex.go, tree.go): racoon2's token rules (reserved
//     words, bare and quoted strings, CR LF) into a generic tree of
//     statements with file:line:col positions; include is expanded in
//     place ($[ENV] and glob in the path, cycles and depth checked);
//  2. build (build.go, kmp.go, sections.go, values.go): each section
//     becomes a typed value as soon as it is parsed, with setval ${VAR}
//     and environment $[VAR] expansion of every string; a section using a
//     variable defined later is built again at the end, as racoon2 fills
//     its setval table only after reading everything;
//  3. merge (merge.go): every remote, policy, ipsec and sa is completed
//     field by field from the default section and then from racoon2's
//     built-in defaults ("0 means unset");
//  4. check (check.go): references are resolved (selector -> policy ->
//     remote and ipsec -> sa), and what iked needs is checked. Sections
//     reached from a selector must be complete; others are checked only
//     for the values they give, with warnings, because racoon2 never
//     looks at them.
//
// With more than one CPU, steps 1 and 2 read the second half of a large
// main file on another goroutine (split.go), and key files named in the
// configuration are checked on a third while the rest is read
// (statahead.go); neither changes what is reported or in which order.
// Token texts are views of the file's bytes, never copies.
//
// All diagnostics are collected in a Report as "file:line:col: error: msg"
// or "warning: msg". Upstream quirks are reproduced where configurations
// depend on them (the first duplicate wins inside ikev2{}, the first
// setval wins, reserved words must be quoted) and get a warning that says
// so; where racoon2 would crash or misread, we do the right thing and
// warn.
//
// The model (types.go) is plain data: durations are time.Duration,
// addresses netip values inside Address, enums are typed, algorithms
// carry their IANA numbers through LookupAlgorithm. After Load every
// remote block holds effective values, so engines read fields directly.
// Config.Dump writes the model back in racoon2.conf syntax; loading that
// output gives the same model.
package conf
