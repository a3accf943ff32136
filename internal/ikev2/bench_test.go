package ikev2

import (
	"strings"
	"testing"
)

// benchGolden returns the last capture whose name ends in suffix.
func benchGolden(b *testing.B, suffix string) []byte {
	var data []byte
	for _, g := range loadGolden(b) {
		if strings.HasSuffix(g.name, suffix) {
			data = g.data
		}
	}
	if data == nil {
		b.Fatalf("no golden *%s", suffix)
	}
	return data
}

// BenchmarkParseIKESAInit decodes and checks strongSwan's IKE_SA_INIT
// request (two proposals, X25519 KE, five notifications) into a reused
// Message.
func BenchmarkParseIKESAInit(b *testing.B) {
	pkt := benchGolden(b, "-ike_sa_init-req.bin")
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if err := m.Parse(pkt); err != nil {
			b.Fatal(err)
		}
		if err := m.Check(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendIKESAInit(b *testing.B) {
	m, err := ParseMessage(benchGolden(b, "-ike_sa_init-req.bin"))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = m.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenIKEAuth decodes and opens strongSwan's last IKE_AUTH request
// (AES-GCM-16-256, with an ECDSA certificate) and checks its payloads; the copy of the datagram each round
// is part of the cost, as opening works in place.
func BenchmarkOpenIKEAuth(b *testing.B) {
	pkt := benchGolden(b, "-ike_auth-req.bin")
	keys := goldenKeys(b)
	c := newTestGCM(keys[len(keys)-1]["ei"]) // the last IKE SA's keys
	work := make([]byte, len(pkt))
	var m Message
	b.ReportAllocs()
	for b.Loop() {
		copy(work, pkt)
		if err := m.Parse(work); err != nil {
			b.Fatal(err)
		}
		if err := m.Open(work, c); err != nil {
			b.Fatal(err)
		}
		if err := m.Check(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseIKEAuthInner decodes a large IKE_AUTH inner chain (ID, CERT,
// CERTREQ, AUTH, CP, SA, TS, ...) without the cipher.
func BenchmarkParseIKEAuthInner(b *testing.B) {
	inner, first, err := AppendPayloads(nil, sampleAuthInner())
	if err != nil {
		b.Fatal(err)
	}
	var m Message
	b.ReportAllocs()
	for b.Loop() {
		if err := m.DecodeInner(first, inner); err != nil {
			b.Fatal(err)
		}
		m.Payloads = m.Payloads[:0]
		m.arena.reset()
	}
}

func BenchmarkSealIKEAuth(b *testing.B) {
	inner := sampleAuthInner()[:11]
	c := newTestGCM(fill(20, 1))
	rnd := seededRand(1)
	buf := make([]byte, 0, 2048)
	var err error
	b.ReportAllocs()
	for b.Loop() {
		h := authHeader()
		if buf, err = AppendEncrypted(buf[:0], &h, inner, c, rnd); err != nil {
			b.Fatal(err)
		}
	}
}
