#!/usr/bin/env python3
"""flood_mm1.py DST PREFIX NSRC RATE SECONDS - spoofed IKEv1 Main Mode
first messages for the lab's flood test (t-flood.sh).

Sends RATE datagrams per second for SECONDS to DST:500, each from
PREFIX.N/250.N%250+1 port 500 (N = 0..NSRC-1 in turn, PREFIX like
"198.18") with a fresh
random initiator cookie, through a raw socket (the test's own namespace;
the source addresses belong to a subnet the test routes there).  The
message offers what gatewayd accepts by default (RFC 2409 Appendix A
attributes: AES-128, SHA-1, pre-shared key, MODP-1024, 28800 s), so each
one that gatewayd admits gets a Main Mode message 2.  Prints the number
of datagrams sent.
"""
import os
import socket
import struct
import sys
import time

from rawudp import packet


def mm1(icookie):
    # transform: KEY_IKE with TV attributes (type | 0x8000, value)
    attrs = b"".join(struct.pack("!HH", 0x8000 | t, v) for t, v in (
        (1, 7),       # encryption: AES-CBC
        (14, 128),    # key length
        (2, 2),       # hash: SHA
        (3, 1),       # authentication: pre-shared key
        (4, 2),       # group: MODP-1024
        (11, 1),      # life type: seconds
        (12, 28800),  # life duration
    ))
    trans = struct.pack("!BBHBBH", 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(trans), 1, 1, 0, 1) + trans
    sa = struct.pack("!BBHII", 0, 0, 12 + len(prop), 1, 1) + prop
    hdr = icookie + b"\0" * 8 + struct.pack("!BBBBII", 1, 0x10, 2, 0, 0,
                                            28 + len(sa))
    return hdr + sa


def main():
    dst, prefix, nsrc, rate, secs = (sys.argv[1], sys.argv[2],
                                     int(sys.argv[3]), int(sys.argv[4]),
                                     float(sys.argv[5]))
    d = socket.inet_aton(dst)
    srcs = [socket.inet_aton("%s.%d.%d" % (prefix, i // 250, i % 250 + 1))
            for i in range(nsrc)]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = errors = 0
    t0 = time.monotonic()
    batch = max(1, rate // 100)
    while True:
        el = time.monotonic() - t0
        if el >= secs:
            break
        # keep to the rate: send what is due, then sleep a little
        due = int(el * rate) + batch
        while sent < due:
            src = srcs[sent % nsrc]
            try:
                s.sendto(packet(src, 500, d, 500, mm1(os.urandom(8))),
                         (dst, 0))
            except OSError:
                errors += 1
            sent += 1
        time.sleep(0.01)
    if errors:
        print("%d sends failed" % errors, file=sys.stderr)
    print(sent - errors)


if __name__ == "__main__":
    main()
