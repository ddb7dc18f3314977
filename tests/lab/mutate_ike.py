#!/usr/bin/env python3
"""mutate_ike.py PCAP PEER DST COUNT RATE SEED - mutated copies of a
peer's real IKE messages, sent to gatewayd (t-flood.sh, after the flood).

Reads the IKE messages that PEER (an IPv4 address) sent to DST in PCAP, a
capture of the test's own exchange (libpcap format, Ethernet or Linux
cooked link types; UDP port 500, and port 4500 behind the non-ESP
marker).  Then sends COUNT datagrams at RATE per second to DST, from
PEER's address and port through a raw socket (spoofed: the test routes
nothing back), each a copy of one of those messages, chosen at random
and changed in one or more of these ways (SEED makes a run repeatable):

  - bits flipped, bytes set to 0x00, 0xff or at random;
  - cut short at any length (down to nothing), or random bytes added;
  - an IKE header field rewritten: next payload, version, exchange type,
    flags, message ID, or the length (off by a little, or anything);
  - a generic payload header's length rewritten (the first payload's, or
    one found by walking the chain while it is in the clear);
  - the header of one message on the body of another;
  - nothing at all (a replay, one in twenty).

The SPIs (or cookies) stay those of the real exchange unless a mutation
hits them, so most copies reach the live SA's decoders.  Prints a line
per kind of mutation with its count, and on the last line the number of
datagrams sent.
"""
import random
import socket
import struct
import sys
import time

from rawudp import packet


def read_pcap(path, peer, dst):
    """(sport, dport, IKE message) of each datagram PEER sent to DST."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    elif magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    else:
        sys.exit("mutate_ike.py: %s is not a libpcap capture" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    out = []
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:            # Ethernet
            if len(frame) < 14 or frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
        elif linktype == 113:        # Linux cooked (SLL)
            if len(frame) < 16 or frame[14:16] != b"\x08\x00":
                continue
            ip = frame[16:]
        elif linktype == 276:        # Linux cooked v2 (SLL2)
            if len(frame) < 20 or frame[0:2] != b"\x08\x00":
                continue
            ip = frame[20:]
        elif linktype in (101, 228):  # raw IPv4
            ip = frame
        else:
            sys.exit("mutate_ike.py: link type %d not read" % linktype)
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_UDP:
            continue
        ihl = (ip[0] & 15) * 4
        if ip[12:16] != peer or ip[16:20] != dst or len(ip) < ihl + 8:
            continue
        sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        body = ip[ihl + 8:]
        if dport == 4500:
            if len(body) < 4 or body[:4] != b"\0\0\0\0":
                continue             # ESP in UDP, not IKE
            body = body[4:]
        elif dport != 500:
            continue
        if len(body) >= 28:
            out.append((sport, dport, body))
    return out


def mutate(rng, msg, others):
    """A changed copy of MSG (bytes) and the name of what was done."""
    m = bytearray(msg)
    kind = rng.randrange(9)
    if kind == 0:
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(m))
            m[i] ^= 1 << rng.randrange(8)
        return bytes(m), "bits flipped"
    if kind == 1:
        for _ in range(rng.randint(1, 4)):
            m[rng.randrange(len(m))] = rng.choice((0, 0xFF,
                                                   rng.randrange(256)))
        return bytes(m), "bytes set"
    if kind == 2:
        return bytes(m[:rng.randrange(len(m))]), "cut short"
    if kind == 3:
        return bytes(m) + rng.randbytes(rng.randint(1, 64)), "bytes added"
    if kind == 4:
        # IKE header (RFC 7296 §3.1, RFC 2408 §3.1): 16 next payload,
        # 17 version, 18 exchange type, 19 flags, 20-23 message ID,
        # 24-27 length
        f = rng.randrange(6)
        if f < 4:
            m[16 + f] = rng.randrange(256)
        elif f == 4:
            m[20:24] = struct.pack("!I", rng.choice((
                0, 1, 0xFFFFFFFF, rng.getrandbits(32),
                (struct.unpack("!I", bytes(m[20:24]))[0] + 1) & 0xFFFFFFFF)))
        else:
            n = struct.unpack("!I", bytes(m[24:28]))[0]
            m[24:28] = struct.pack("!I", rng.choice((
                0, 27, 28, n - 1, n + 1, n + 4, 0xFFFFFFFF,
                rng.getrandbits(32))) & 0xFFFFFFFF)
        return bytes(m), "header field"
    if kind == 5:
        # a generic payload header's length (bytes 2-3 of each payload):
        # walk the chain from byte 28 while the lengths hold
        offs = []
        o = 28
        while o + 4 <= len(m) and len(offs) < 16:
            offs.append(o)
            pl = struct.unpack("!H", bytes(m[o + 2:o + 4]))[0]
            if pl < 4:
                break
            o += pl
        if not offs:
            return mutate(rng, msg, others)
        o = rng.choice(offs)
        pl = struct.unpack("!H", bytes(m[o + 2:o + 4]))[0]
        m[o + 2:o + 4] = struct.pack("!H", rng.choice((
            0, 1, 3, 4, 5, pl - 1, pl + 1, 0xFFFF,
            rng.randrange(65536))) & 0xFFFF)
        return bytes(m), "payload length"
    if kind == 6:
        o = rng.choice(others)
        return bytes(m[:28]) + o[28:], "header on another body"
    if kind == 7:
        # two mutations
        a, _ = mutate(rng, msg, others)
        if len(a) < 28:
            return a, "two changes"
        b, _ = mutate(rng, a, others)
        return b, "two changes"
    if rng.randrange(20) == 0:
        return bytes(m), "replay"
    return mutate(rng, msg, others)


def main():
    if len(sys.argv) != 7:
        sys.exit("usage: mutate_ike.py PCAP PEER DST COUNT RATE SEED")
    path, peer, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    count, rate, seed = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    p = socket.inet_aton(peer)
    d = socket.inet_aton(dst)
    msgs = read_pcap(path, p, d)
    if not msgs:
        sys.exit("mutate_ike.py: no IKE message from %s to %s in %s" %
                 (peer, dst, path))
    print("%d real messages of %s read" % (len(msgs), peer))
    rng = random.Random(seed)
    bodies = [b for _, _, b in msgs]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    kinds = {}
    sent = errors = 0
    t0 = time.monotonic()
    batch = max(1, rate // 100)
    while sent < count:
        due = min(count, int((time.monotonic() - t0) * rate) + batch)
        while sent < due:
            sport, dport, body = rng.choice(msgs)
            out, kind = mutate(rng, body, bodies)
            kinds[kind] = kinds.get(kind, 0) + 1
            if dport == 4500:
                out = b"\0\0\0\0" + out
            try:
                s.sendto(packet(p, sport, d, dport, out), (dst, 0))
            except OSError:
                errors += 1
            sent += 1
        time.sleep(0.01)
    for k in sorted(kinds):
        print("%-24s %d" % (k, kinds[k]))
    el = time.monotonic() - t0
    print("rate %d/s achieved (%d in %.1f s)" % (sent / el if el else 0,
                                                  sent, el))
    if errors:
        print("%d sends failed" % errors, file=sys.stderr)
    print(sent - errors)


if __name__ == "__main__":
    main()
