#!/usr/bin/env python3
"""dnsstub: a minimal authoritative-for-everything DNS server over UDP, for the network lab.

Every A query is answered with --answer (TTL 5); AAAA and other types get NOERROR with no
answer; malformed packets are ignored (never crash). One query per datagram, 512-byte replies.
Stdlib only so it runs wherever the lab runs.
"""
import argparse
import socket
import struct
import sys


def parse_question(data):
    """Returns (qid, flags, question_bytes, qtype) or None if the packet is not a usable query."""
    if len(data) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", data[:6])
    if flags & 0x8000 or qdcount != 1:  # a response, or not exactly one question
        return None
    pos = 12
    for _ in range(128):  # bounded label walk
        if pos >= len(data):
            return None
        length = data[pos]
        if length == 0:
            pos += 1
            break
        if length & 0xC0:  # compression is not valid in a question we parse
            return None
        pos += 1 + length
    else:
        return None
    if pos + 4 > len(data):
        return None
    qtype, _qclass = struct.unpack("!HH", data[pos:pos + 4])
    return qid, flags, data[12:pos + 4], qtype


def answer(data, answer_ip):
    parsed = parse_question(data)
    if parsed is None:
        return None
    qid, flags, question, qtype = parsed
    rd = flags & 0x0100
    out_flags = 0x8000 | 0x0400 | rd | 0x0080  # QR, AA, RD copied, RA
    answers = b""
    ancount = 0
    if qtype == 1:
        answers = (b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 5, 4) + socket.inet_aton(answer_ip))
        ancount = 1
    header = struct.pack("!HHHHHH", qid, out_flags, 1, ancount, 0, 0)
    return header + question + answers


def query(server, port, name, timeout):
    """Client mode for lab checks: prints the first A answer, exit 0; exit 1 on timeout/none."""
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.strip(".").split(".")) + b"\0"
    packet = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(timeout)
    try:
        sock.sendto(packet, (server, port))
        data, _ = sock.recvfrom(4096)
    except OSError as e:
        print("dnsstub: query failed: %s" % e)
        return 1
    if len(data) < 12 or struct.unpack("!H", data[6:8])[0] < 1 or len(data) < 4:
        print("dnsstub: no answer")
        return 1
    print(socket.inet_ntoa(data[-4:]))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--answer", default="127.0.0.1")
    ap.add_argument("--query", metavar="NAME", help="client mode: ask --listen for NAME")
    ap.add_argument("--timeout", type=float, default=1.0)
    args = ap.parse_args()
    if args.query:
        sys.exit(query(args.listen, args.port, args.query, args.timeout))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.listen, args.port))
    print("dnsstub: listening %s:%d answer=%s" % (args.listen, args.port, args.answer), flush=True)
    while True:
        data, peer = sock.recvfrom(4096)
        reply = answer(data, args.answer)
        if reply is not None:
            try:
                sock.sendto(reply[:512], peer)
            except OSError:
                pass


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
