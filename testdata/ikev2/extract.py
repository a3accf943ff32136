#!/usr/bin/env python3
"""Turns `tshark -T fields -e udp.srcport -e udp.dstport -e udp.payload`
lines into NN-EXCHANGE-DIR.bin files holding one IKE message each (the
4-byte non-ESP marker used on port 4500 stripped, RFC 3948 2.2)."""
import sys

EXCHANGES = {34: "ike_sa_init", 35: "ike_auth", 36: "create_child_sa", 37: "informational"}
out = sys.argv[1]
n = 0
for line in sys.stdin:
    parts = line.split()
    if len(parts) != 3:
        continue
    sport, dport, data = int(parts[0]), int(parts[1]), bytes.fromhex(parts[2].replace(":", ""))
    if 4500 in (sport, dport):
        if data[:4] != b"\0\0\0\0":
            continue  # ESP, not IKE
        data = data[4:]
    if len(data) < 28:
        continue  # NAT keepalive
    n += 1
    ex = EXCHANGES.get(data[18], "x%d" % data[18])
    flags = data[19]
    kind = "resp" if flags & 0x20 else "req"
    frag = "-skf" if data[16] == 53 else ""
    with open("%s/%02d-%s-%s%s.bin" % (out, n, ex, kind, frag), "wb") as f:
        f.write(data)
