#!/usr/bin/env python3
"""pcapcheck.py PCAP WORDS_FILE: looks for each word (one a line) in the TCP payload of a capture.

Payloads are joined per flow and direction in capture order, so a word split over two segments is still found.
Prints one JSON object: {"payloadBytes": N, "found": [words found]}. Reads pcap (not pcapng) with Ethernet,
Linux cooked (SLL) or SLL2 link types, IPv4 only: what `tcpdump -w` writes in the lab.
"""
import json
import struct
import sys


def payloads(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            l3, proto = 14, struct.unpack(">H", pkt[12:14])[0] if len(pkt) >= 14 else 0
        elif linktype == 113:
            l3, proto = 16, struct.unpack(">H", pkt[14:16])[0] if len(pkt) >= 16 else 0
        elif linktype == 276:
            l3, proto = 20, struct.unpack(">H", pkt[0:2])[0] if len(pkt) >= 20 else 0
        else:
            raise SystemExit("pcapcheck: link type %d not handled" % linktype)
        if proto != 0x0800 or len(pkt) < l3 + 20:
            continue
        ip = pkt[l3:]
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        if ip[9] != 6 or len(ip) < ihl + 20:
            continue
        tcp = ip[ihl:total]
        doff = (tcp[12] >> 4) * 4
        body = tcp[doff:]
        if body:
            yield (ip[12:16], tcp[0:2], ip[16:20], tcp[2:4]), body


def main():
    pcap, words_file = sys.argv[1:3]
    with open(words_file, encoding="utf-8") as f:
        words = sorted({w.strip() for w in f if w.strip()})
    flows = {}
    total = 0
    for key, body in payloads(pcap):
        flows.setdefault(key, []).append(body)
        total += len(body)
    joined = [b"".join(parts) for parts in flows.values()]
    found = [w for w in words if any(w.encode("utf-8") in j for j in joined)]
    print(json.dumps({"payloadBytes": total, "found": found}))


if __name__ == "__main__":
    main()
