// Package spmdclient speaks racoon2's spmif protocol: the CRLF line codec
// shared with the server (internal/spmd), the login hash, and the iked-side
// client that implements ike.PolicyService.
//
// The protocol (racoon2 lib/if_spmd.c and spmd/shell.c): commands are one
// line each, words separated by spaces or tabs, ended by CRLF; replies are
// one or more lines "DDD-text" (continued) and a final "DDD text".
package spmdclient

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Wire limits. racoon2's client reads a reply into 1024 bytes of at most 10
// lines; its server reads one command with a single read of up to 512 bytes.
const (
	MaxReplyLine  = 1024
	MaxReplyLines = 10
	MaxCommand    = 512
	// HashLen is the length of the challenge and of the login hash: the
	// uppercase hex of a SHA-1 digest.
	HashLen = 2 * sha1.Size
)

// ErrMalformed reports a reply line that is not "DDD-text" or "DDD text"
// ended by CRLF.
var ErrMalformed = errors.New("spmif: malformed reply")

// ParseReplyLine splits one reply line (with its CRLF) into its three-digit
// code and text; final is false for a "DDD-" continuation line.
func ParseReplyLine(line []byte) (code int, text string, final bool, err error) {
	n := len(line)
	if n < 6 || line[n-2] != '\r' || line[n-1] != '\n' {
		return 0, "", false, fmt.Errorf("%w: %q", ErrMalformed, clip(line))
	}
	for _, c := range line[:3] {
		if c < '0' || c > '9' {
			return 0, "", false, fmt.Errorf("%w: bad code %q", ErrMalformed, clip(line))
		}
		code = code*10 + int(c-'0')
	}
	switch line[3] {
	case ' ':
		final = true
	case '-':
	default:
		return 0, "", false, fmt.Errorf("%w: bad separator %q", ErrMalformed, clip(line))
	}
	body := line[4 : n-2]
	for _, c := range body {
		if c == '\r' || c == '\n' || c == 0 {
			return 0, "", false, fmt.Errorf("%w: control byte in %q", ErrMalformed, clip(line))
		}
	}
	return code, string(body), final, nil
}

func clip(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// Reply is a complete server reply: the code of its final line and the
// text of every line in order (continuation lines first).
type Reply struct {
	Code  int
	Lines []string
}

// Text is the text of the reply's first line (the one racoon2's client uses).
func (r Reply) Text() string {
	if len(r.Lines) == 0 {
		return ""
	}
	return r.Lines[0]
}

// OK reports whether the reply is a success in the POLICY/MIGRATE sense:
// the code starts with 2.
func (r Reply) OK() bool { return r.Code >= 200 && r.Code < 300 }

// Line is something that yields a reply's lines one at a time, such as a
// bufio.Reader (ReadSlice('\n')).
type lineReader interface {
	ReadSlice(delim byte) ([]byte, error)
}

// ReadReply reads lines until a final one. All lines must carry the same
// code. It fails on a line longer than MaxReplyLine or on more than
// maxLines lines (MaxReplyLines when maxLines <= 0).
func ReadReply(r lineReader, maxLines int) (Reply, error) {
	if maxLines <= 0 {
		maxLines = MaxReplyLines
	}
	var rep Reply
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			if len(line) > 0 && len(line) >= MaxReplyLine {
				return rep, fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, MaxReplyLine)
			}
			return rep, err
		}
		if len(line) > MaxReplyLine {
			return rep, fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, MaxReplyLine)
		}
		code, text, final, err := ParseReplyLine(line)
		if err != nil {
			return rep, err
		}
		if len(rep.Lines) > 0 && code != rep.Code {
			return rep, fmt.Errorf("%w: code %03d after %03d", ErrMalformed, code, rep.Code)
		}
		rep.Code = code
		rep.Lines = append(rep.Lines, text)
		if final {
			return rep, nil
		}
		if len(rep.Lines) >= maxLines {
			return rep, fmt.Errorf("%w: more than %d lines", ErrMalformed, maxLines)
		}
	}
}

// AppendReply appends a reply with the given code: every line but the last
// as "DDD-text", the last as "DDD text". No lines gives one empty final line.
func AppendReply(dst []byte, code int, lines ...string) []byte {
	if len(lines) == 0 {
		lines = []string{""}
	}
	for i, l := range lines {
		dst = append(dst, byte('0'+code/100%10), byte('0'+code/10%10), byte('0'+code%10))
		if i == len(lines)-1 {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, '-')
		}
		dst = append(dst, l...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// AppendCommand appends one command line: the words joined by single
// spaces, then CRLF. A word that is empty or holds a space, tab, CR, LF or
// NUL would change the command's meaning on the server and is refused.
func AppendCommand(dst []byte, words ...string) ([]byte, error) {
	if len(words) == 0 {
		return dst, errors.New("spmif: empty command")
	}
	for i, w := range words {
		if w == "" || strings.ContainsAny(w, " \t\r\n\x00") {
			return dst, fmt.Errorf("spmif: bad command word %q", w)
		}
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, w...)
	}
	if len(dst)+2 > MaxCommand {
		return dst, fmt.Errorf("spmif: command longer than %d bytes", MaxCommand)
	}
	return append(dst, '\r', '\n'), nil
}

// ParseCommand splits what one read of the server returned into words, as
// racoon2's spmd does: the text ends at the first CR (or NUL, the end of a
// C string); words are separated by spaces and tabs; an LF is a word of its
// own, so a command ended by LF alone gains the bogus last word "\n" and
// fails arity checks. Input beyond MaxCommand bytes is ignored.
func ParseCommand(buf []byte) []string {
	if len(buf) > MaxCommand {
		buf = buf[:MaxCommand]
	}
	var words []string
	start := -1
	flush := func(i int) {
		if start >= 0 {
			words = append(words, string(buf[start:i]))
			start = -1
		}
	}
	for i, c := range buf {
		switch c {
		case '\r', 0:
			flush(i)
			return words
		case ' ', '\t':
			flush(i)
		case '\n':
			flush(i)
			words = append(words, "\n")
		default:
			if start < 0 {
				start = i
			}
		}
	}
	flush(len(buf))
	return words
}

// Match reports whether word names the command name as racoon2 matches
// them: case-insensitively, by the first len(name) bytes (so "POLICYX"
// matches "POLICY" but "POL" does not).
func Match(word, name string) bool {
	return len(word) >= len(name) && strings.EqualFold(word[:len(name)], name)
}

// PassHex is the uppercase hex of the raw password file, the form both
// sides hash.
func PassHex(password []byte) string {
	return strings.ToUpper(hex.EncodeToString(password))
}

// LoginHash is the LOGIN argument: uppercase hex of
// SHA-1(challenge || PassHex(password)), challenge as sent by the server.
func LoginHash(challenge string, password []byte) string {
	h := sha1.New()
	h.Write([]byte(challenge))
	h.Write([]byte(PassHex(password)))
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}
