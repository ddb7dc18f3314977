"""ha_hostile.py PCAP SRC DST PORT - hostile datagrams to an HA node's sync
port (t-ha.sh hostile), sent with a raw socket from SRC:PORT, the address
of the real sync peer, so that only the records' contents can tell them
apart:
  - every sync record of PCAP (a capture of the real channel, Ethernet)
    from SRC:PORT to DST:PORT sent again, unchanged: replays;
  - the same records with one byte of the sealed payload flipped: bad tag;
  - each record cut to 20 bytes, shorter than its header: bad length;
  - 64 random bytes: not a record (bad magic or length);
  - a record whose version byte is changed: bad version (or tag).
Prints how many of each it sent, as "sent KIND N" lines."""
import os
import socket
import struct
import sys

from rawudp import packet


def records(path, src, dst, port):
    """The UDP payloads of PCAP from SRC:PORT to DST:PORT."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    out = []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != socket.IPPROTO_UDP or ip[12:16] != src or ip[16:20] != dst:
            continue
        sport, dport, ulen = struct.unpack("!HHH", ip[ihl:ihl + 6])
        if sport == port and dport == port:
            out.append(ip[ihl + 8:ihl + ulen])
    return out


def main():
    pcap, src_s, dst_s, port_s = sys.argv[1:5]
    src, dst, port = socket.inet_aton(src_s), socket.inet_aton(dst_s), \
        int(port_s)
    recs = records(pcap, src, dst, port)
    if not recs:
        sys.exit("no sync records from %s to %s in %s" % (src_s, dst_s, pcap))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)

    def send(payload):
        s.sendto(packet(src, port, dst, port, payload), (dst_s, 0))

    sent = {}
    for kind, make in (
            ("replayed", lambda r: r),
            ("tampered", lambda r: r[:-1] + bytes([r[-1] ^ 0x01])),
            ("truncated", lambda r: r[:20]),
            ("version", lambda r: r[:4] + bytes([r[4] ^ 0x7F]) + r[5:])):
        for r in recs:
            send(make(r))
        sent[kind] = len(recs)
    for _ in range(10):
        send(os.urandom(64))
    sent["garbage"] = 10
    for kind, n in sent.items():
        print("sent %s %d" % (kind, n))


if __name__ == "__main__":
    main()
