#!/usr/bin/env python3
"""flood_init.py DST PREFIX NSRC RATE SECONDS - spoofed IKEv2 IKE_SA_INIT
requests for the lab's flood test (t-flood.sh v2).

Sends RATE datagrams per second for SECONDS to DST:500, each from
PREFIX.N/250.N%250+1 port 500 (N = 0..NSRC-1 in turn, PREFIX like
"198.18"; 4096 sources reach PREFIX.16.96) through a raw socket (the
test's own namespace; the source addresses belong to a subnet the test
routes there).  Each request (RFC 7296 §3) has a fresh random SPIi, SPIr
0, exchange IKE_SA_INIT (34), the initiator flag, message ID 0, and
offers what gatewayd accepts by default: SA with one IKE proposal
(AES-CBC-128, PRF-HMAC-SHA1, HMAC-SHA1-96, MODP-1024), a KE of group 2
(128 random bytes, the top bit clear so that the value stays below the
prime) and a 32-byte random Nonce.  So gatewayd answers each one with
either its IKE_SA_INIT response or, past its half-open threshold, a
stateless N(COOKIE) (§2.6) that the spoofed source never returns.

When the machine cannot keep up, it sends as fast as it can until
SECONDS are over.  Prints "rate R/s achieved (N in S s)" and, on the last
line, the number of datagrams sent.
"""
import os
import random
import signal
import socket
import struct
import sys
import time

IKE_PORT = 500
EXCH_IKE_SA_INIT = 34
FLAG_INITIATOR = 0x08
PL_SA, PL_KE, PL_NONCE = 33, 34, 40
MODP1024 = 2
KE_LEN = 128
NONCE_LEN = 32


def fold(data):
    """One's-complement sum of DATA's 16-bit words, in 0..0xFFFE.

    A sum of words w_i * 2^16k is the sum of the w_i modulo 0xFFFF
    (2^16 = 1 there), which is what end-around carries compute; 0 and
    0xFFFF, the two zeros of one's complement, both come out as 0.
    """
    if len(data) % 2:
        data += b"\0"
    return int.from_bytes(data, "big") % 0xFFFF


def transform(last, ttype, tid, attrs=b""):
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs),
                       ttype, 0, tid) + attrs


def sa_payload():
    trans = (transform(False, 1, 12, struct.pack("!HH", 0x800E, 128)) +
             transform(False, 2, 2) +     # PRF_HMAC_SHA1
             transform(False, 3, 2) +     # AUTH_HMAC_SHA1_96
             transform(True, 4, MODP1024))
    # proposal 1, protocol IKE, no SPI, 4 transforms
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(trans), 1, 1, 0, 4) + trans
    return struct.pack("!BBH", PL_KE, 0, 4 + len(prop)) + prop


class Request:
    """An IKE_SA_INIT request whose random parts change per datagram."""

    def _build(self):
        sa = sa_payload()
        ke_hdr = struct.pack("!BBHHH", PL_NONCE, 0, 8 + KE_LEN, MODP1024, 0)
        nonce_hdr = struct.pack("!BBH", 0, 0, 4 + NONCE_LEN)
        length = 28 + len(sa) + len(ke_hdr) + KE_LEN + len(nonce_hdr) + \
            NONCE_LEN
        # after SPIi: SPIr, next payload, version 2.0, exchange, flags,
        # message ID, length
        self.after_spi = (b"\0" * 8 +
                          struct.pack("!BBBBII", PL_SA, 0x20,
                                      EXCH_IKE_SA_INIT, FLAG_INITIATOR, 0,
                                      length) + sa + ke_hdr)
        self.nonce_hdr = nonce_hdr
        self.length = length

    def __init__(self):
        self.rng = random.Random(os.urandom(16))
        self._build()

    def make(self):
        # not os.urandom: a system call per datagram halves the rate in UML
        r = bytearray(self.rng.randbytes(8 + KE_LEN + NONCE_LEN))
        r[8] &= 0x7F    # KE below the MODP-1024 prime
        spi, ke, nonce = bytes(r[:8]), bytes(r[8:8 + KE_LEN]), \
            bytes(r[8 + KE_LEN:])
        return spi + self.after_spi + ke + self.nonce_hdr + nonce


def ip_udp(src, dst, payload):
    udp_len = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_UDP, udp_len)
    udp = struct.pack("!HHHH", IKE_PORT, IKE_PORT, udp_len, 0)
    c = 0xFFFF - fold(pseudo + udp + payload)
    udp = udp[:6] + struct.pack("!H", c or 0xFFFF)    # 0: no checksum
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64,
                     socket.IPPROTO_UDP, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", 0xFFFF - fold(ip)) + ip[12:]
    return ip + udp + payload


def send(s, d, dst, srcs, req, rate, secs, t0, counts):
    """Sends RATE/s until SECS after T0; COUNTS: [sent, failed]."""
    nsrc = len(srcs)
    batch = max(1, rate // 100)
    while True:
        el = time.monotonic() - t0
        if el >= secs:
            break
        # send what is due (at most a batch ahead, a batch at a time, so
        # that a slow machine still stops on time); rest when ahead
        n = min(int(el * rate) + batch - counts[0], batch)
        for _ in range(n):
            try:
                s.sendto(ip_udp(srcs[counts[0] % nsrc], d, req.make()),
                         (dst, 0))
            except OSError:
                counts[1] += 1
            counts[0] += 1
        if counts[0] >= int(el * rate):
            time.sleep(0.01)


def stop(signum, frame):
    raise KeyboardInterrupt


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: flood_init.py DST PREFIX NSRC RATE SECONDS")
    dst, prefix, nsrc, rate, secs = (sys.argv[1], sys.argv[2],
                                     int(sys.argv[3]), int(sys.argv[4]),
                                     float(sys.argv[5]))
    d = socket.inet_aton(dst)
    srcs = [socket.inet_aton("%s.%d.%d" % (prefix, i // 250, i % 250 + 1))
            for i in range(nsrc)]
    req = Request()
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    counts = [0, 0]
    # killed early (the test failed): still say what was sent
    signal.signal(signal.SIGTERM, stop)
    t0 = time.monotonic()
    try:
        send(s, d, dst, srcs, req, rate, secs, t0, counts)
    except KeyboardInterrupt:
        print("stopped early", file=sys.stderr)
    el = time.monotonic() - t0
    sent = counts[0] - counts[1]
    if counts[1]:
        print("%d sends failed" % counts[1], file=sys.stderr)
    print("rate %d/s achieved (%d in %.1f s)" % (sent / el, sent, el))
    print(sent, flush=True)


if __name__ == "__main__":
    main()
