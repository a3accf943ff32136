package spmdclient

import (
	"bufio"
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Reference section 5.2: "DDD<SP>text\r\n" is final, "DDD-text\r\n" continues.
func TestParseReplyLine(t *testing.T) {
	for _, tc := range []struct {
		in    string
		code  int
		text  string
		final bool
		bad   bool
	}{
		{in: "250 OK\r\n", code: 250, text: "OK", final: true},
		{in: "220 0123456789ABCDEF0123456789ABCDEF01234567\r\n", code: 220, text: "0123456789ABCDEF0123456789ABCDEF01234567", final: true},
		{in: "250-sel 17\r\n", code: 250, text: "sel 17"},
		{in: "550 need login\r\n", code: 550, text: "need login", final: true},
		{in: "251 \r\n", code: 251, text: "", final: true},
		{in: "250 OK\n", bad: true},   // LF only
		{in: "250OK\r\n", bad: true},  // no separator
		{in: "25a OK\r\n", bad: true}, // not a code
		{in: "250\r\n", bad: true},    // too short
		{in: "250 a\rb\r\n", bad: true},
		{in: "", bad: true},
	} {
		code, text, final, err := ParseReplyLine([]byte(tc.in))
		if tc.bad {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%q: err %v, want ErrMalformed", tc.in, err)
			}
			continue
		}
		if err != nil || code != tc.code || text != tc.text || final != tc.final {
			t.Errorf("%q: got %d %q %v %v", tc.in, code, text, final, err)
		}
	}
}

func TestReadReply(t *testing.T) {
	in := "250-a 1\r\n250-b 2\r\n250 c 3\r\n250 next\r\n"
	rd := bufio.NewReaderSize(strings.NewReader(in), MaxReplyLine)
	r, err := ReadReply(rd, 0)
	if err != nil || r.Code != 250 || !reflect.DeepEqual(r.Lines, []string{"a 1", "b 2", "c 3"}) {
		t.Fatalf("got %+v %v", r, err)
	}
	r, err = ReadReply(rd, 0)
	if err != nil || r.Text() != "next" {
		t.Fatalf("second reply %+v %v", r, err)
	}
	// Mixed codes, too many lines, an over-long line: all malformed.
	for name, in := range map[string]string{
		"mixed":    "250-a\r\n550 b\r\n",
		"lines":    strings.Repeat("250-x\r\n", MaxReplyLines) + "250 y\r\n",
		"longline": "250 " + strings.Repeat("x", MaxReplyLine) + "\r\n",
	} {
		_, err := ReadReply(bufio.NewReaderSize(strings.NewReader(in), MaxReplyLine), 0)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err %v, want ErrMalformed", name, err)
		}
	}
}

func TestAppendReply(t *testing.T) {
	got := string(AppendReply(nil, 250, "sel1 8", "sel2 17"))
	if got != "250-sel1 8\r\n250 sel2 17\r\n" {
		t.Fatalf("got %q", got)
	}
	if got := string(AppendReply(nil, 502, "Command not implemented")); got != "502 Command not implemented\r\n" {
		t.Fatalf("got %q", got)
	}
}

func TestAppendCommand(t *testing.T) {
	got, err := AppendCommand(nil, "POLICY", "ADD", "s", "60", "transport", "10.0.0.1/32", "10.0.0.2/32")
	if err != nil || string(got) != "POLICY ADD s 60 transport 10.0.0.1/32 10.0.0.2/32\r\n" {
		t.Fatalf("got %q %v", got, err)
	}
	for _, bad := range []string{"", "a b", "a\tb", "a\r", "a\n", "a\x00"} {
		if _, err := AppendCommand(nil, "SLID", bad); err == nil {
			t.Errorf("word %q accepted", bad)
		}
	}
	if _, err := AppendCommand(nil, "X", strings.Repeat("y", MaxCommand)); err == nil {
		t.Error("over-long command accepted")
	}
}

// Reference section 5.2: split on spaces and tabs, stop at CR; an LF-only
// line gains a bogus "\n" argument.
func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"SLID 17\r\n", []string{"SLID", "17"}},
		{"SLID 17\n", []string{"SLID", "17", "\n"}},
		{"  policy\tadd  x \r\nQUIT\r\n", []string{"policy", "add", "x"}},
		{"QUIT", []string{"QUIT"}},
		{"\r\n", nil},
		{"LOGIN a\x00b\r\n", []string{"LOGIN", "a"}},
	} {
		if got := ParseCommand([]byte(tc.in)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %q want %q", tc.in, got, tc.want)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		w, name string
		ok      bool
	}{
		{"POLICY", "POLICY", true}, {"policy", "POLICY", true}, {"POLICYX", "POLICY", true},
		{"POL", "POLICY", false}, {"QUIT", "EXIT", false}, {"nsfoo", "NS", true},
	} {
		if Match(tc.w, tc.name) != tc.ok {
			t.Errorf("Match(%q,%q) != %v", tc.w, tc.name, tc.ok)
		}
	}
}

// Reference section 5.3: HASH = HEX(SHA1(CHALLENGE || HEX(password))),
// uppercase, the password file raw with its newline. The expected value
// was computed independently (Python hashlib).
func TestLoginHash(t *testing.T) {
	ch := "0123456789ABCDEF0123456789ABCDEF01234567"
	pw := []byte("\x01\xfesecret\n")
	if got := PassHex(pw); got != "01FE7365637265740A" {
		t.Fatalf("PassHex %s", got)
	}
	if got := LoginHash(ch, pw); got != "41ED93557A9D9DCB4631A12CECE385A2498B1F65" {
		t.Fatalf("LoginHash %s", got)
	}
}

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"250 OK\r\n", "250-a\r\n250 b\r\n", "220 X\r\n", "250\r\n", "2x0 a\r\n", "250-a\r\n550 b\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ReadReply(bufio.NewReaderSize(bytes.NewReader(b), MaxReplyLine), 0)
		if err != nil {
			return
		}
		if r.Code < 0 || r.Code > 999 || len(r.Lines) == 0 || len(r.Lines) > MaxReplyLines {
			t.Fatalf("bad reply %+v", r)
		}
		// Re-encoding gives the same reply back.
		enc := AppendReply(nil, r.Code, r.Lines...)
		r2, err := ReadReply(bufio.NewReaderSize(bytes.NewReader(enc), MaxReplyLine), 0)
		if err != nil || !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip %+v -> %q -> %+v %v", r, enc, r2, err)
		}
	})
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"SLID 17\r\n", "SLID 17\n", "POLICY ADD a 1 tunnel 1.1.1.1/32 2.2.2.2/32 3.3.3.3 4.4.4.4\r\n", "\t\r", "LOGIN \x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		w := ParseCommand(b)
		clean := len(w) > 0
		for _, x := range w {
			if x == "" {
				t.Fatal("empty word")
			}
			if x == "\n" {
				clean = false
				continue
			}
			if strings.ContainsAny(x, " \t\r\n\x00") {
				t.Fatalf("word %q holds a separator", x)
			}
		}
		if !clean {
			return
		}
		enc, err := AppendCommand(nil, w...)
		if err != nil {
			return // longer than a command may be once CRLF is added
		}
		if got := ParseCommand(enc); !reflect.DeepEqual(got, w) {
			t.Fatalf("round trip %q -> %q -> %q", w, enc, got)
		}
	})
}
