#!/usr/bin/env python3
"""Reads a charon log at ike level 4 and prints the SK_* keys of each IKE SA
it set up, in order, as "name hex" lines; each SA starts with its "d" key."""
import re
import sys

lines = sys.stdin.read().splitlines()
i = 0
out = []
while i < len(lines):
    l = lines[i]
    m = re.search(r"Sk_(\w+) secret => (\d+) bytes", l)
    if m:
        name, n = m.group(1), int(m.group(2))
        hexs = ""
        i += 1
        while i < len(lines) and len(hexs) < 2 * n:
            d = re.search(r"\]\s+\d+: ((?:[0-9A-F]{2} ?)+)", lines[i])
            if not d:
                break
            hexs += d.group(1).replace(" ", "")[: 2 * n - len(hexs)]
            i += 1
        out.append("%s %s" % (name, hexs.lower()))
        continue
    i += 1
print("\n".join(out))
