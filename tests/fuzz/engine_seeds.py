#!/usr/bin/env python3
"""engine_seeds.py - seeds for fuzz_engine from the real captures.

For each tests/data/captures/*/*.pcap (Ethernet, IPv4, UDP 500/4500)
writes tests/fuzz/corpus/engine/cap-NAME (the initiator's IKE messages
only, as fuzz_engine's records) and cap-NAME-all (both directions).
The non-ESP marker of port 4500 is removed; ESP and NAT keepalives are
left out.  Records: flags (bit 0 to 4500, bits 1-2 source 198.51.100.2
for IKEv1 captures else 198.51.100.3, bit 3 from 4500, bit 4 the
responder SPI/cookie patched in when the message carries one, bit 5 the
event loop runs), 2-byte length, the message.

    tests/fuzz/engine_seeds.py [CAPTURES-DIR [OUT-DIR]]
"""
import os
import struct
import sys


def pcap_udp(path):
    """(src, sport, dport, payload) of every IPv4 UDP packet."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    linktype = struct.unpack(end + 'I', data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + 'IIII', data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            if len(pkt) < 14 or pkt[12:14] != b'\x08\x00':
                continue
            ip = pkt[14:]
        elif linktype == 113:           # Linux cooked
            if len(pkt) < 16 or pkt[14:16] != b'\x08\x00':
                continue
            ip = pkt[16:]
        else:
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        udp = ip[ihl:]
        if len(udp) < 8:
            continue
        sport, dport = struct.unpack('>HH', udp[:4])
        yield ip[12:16], sport, dport, udp[8:]


def ike_messages(path):
    for src, sport, dport, p in pcap_udp(path):
        if 4500 in (sport, dport):
            if len(p) < 4 or p[:4] != b'\0\0\0\0':
                continue            # ESP in UDP or a keepalive
            p = p[4:]
        elif 500 not in (sport, dport):
            continue
        if len(p) >= 28:
            yield src, sport, dport, p


def record(p, dport, sport, v1):
    flags = (dport == 4500) | ((0 if v1 else 1) << 1) | \
        ((sport == 4500) << 3) | 0x20
    if p[8:16] != b'\0' * 8:
        flags |= 0x10
    return bytes([flags]) + struct.pack('>H', len(p)) + p


def main():
    top = os.path.dirname(os.path.abspath(__file__))
    caps = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(top, '..', 'data', 'captures')
    out = sys.argv[2] if len(sys.argv) > 2 else \
        os.path.join(top, 'corpus', 'engine')
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(caps)):
        d = os.path.join(caps, name)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if not f.endswith('.pcap'):
                continue
            msgs = list(ike_messages(os.path.join(d, f)))
            if not msgs:
                continue
            init = msgs[0][0]
            v1 = msgs[0][3][17] >> 4 == 1    # version byte
            ini = b''.join(record(p, dp, sp, v1)
                           for s, sp, dp, p in msgs if s == init)
            both = b''.join(record(p, dp, sp, v1)
                            for s, sp, dp, p in msgs)
            for suffix, blob in (('', ini), ('-all', both)):
                path = os.path.join(out, 'cap-' + name + suffix)
                with open(path, 'wb') as o:
                    o.write(blob)
                print('%s: %d bytes' % (path, len(blob)))


if __name__ == '__main__':
    main()
