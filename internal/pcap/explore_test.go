package pcap

import (
	"log/slog"
	"net/netip"
	"testing"
	"time"
)

func TestExplore(t *testing.T) {
	w, err := Open("/tmp/pcapx.pcap", slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(1700000000, 0)
	i, r := netip.MustParseAddrPort("192.0.2.1:500"), netip.MustParseAddrPort("192.0.2.2:500")
	for _, c := range v2Negotiation(i, r) {
		c.write(w, ts)
	}
	for _, c := range v1MainMode(i, r) {
		c.write(w, ts)
	}
	i, r = netip.MustParseAddrPort("192.0.2.1:4500"), netip.MustParseAddrPort("192.0.2.2:4500")
	v := v2Negotiation(i, r)
	v[2].write(w, ts)
	i, r = netip.MustParseAddrPort("[2001:db8::1]:500"), netip.MustParseAddrPort("[2001:db8::2]:500")
	v = v2Negotiation(i, r)
	v[0].write(w, ts)
	v[2].write(w, ts)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	t.Log(w.Stats())
}
