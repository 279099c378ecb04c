#!/usr/bin/python3
"""Writes the hand-made seeds of the binary-format harnesses into fuzz/corpus/ (run it again
after a format change; the files are committed, scripts/fuzz.sh starts from them):
  dns_response_fuzz  A and AAAA answers (with a compression pointer, a CNAME chain, NXDOMAIN)
  journal_fuzz       a segment of three frames, one with a torn tail, a state-file variant
  mqtt_decoder_fuzz  CONNACK, SUBACK, PUBLISH QoS 0 and 1 with properties, PINGRESP
  chunked_body_fuzz  bodies with extensions, trailers, and a split CRLF
The first byte of a dns/mqtt/chunked seed is the harness's selector byte (expected id or
slice size); see each harness.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- DNS (RFC 1035); the harness takes the first two bytes as the expected id ----
def qname(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"


def dns(rid, rcode, answers, qtype=1):
    head = struct.pack(">HHHHHH", rid, 0x8180 | rcode, 1, len(answers), 0, 0)
    q = qname("www.example.com") + struct.pack(">HH", qtype, 1)
    return head + q + b"".join(answers)


def rr(rtype, rdata, name=b"\xc0\x0c", ttl=300):
    return name + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


put("dns_response_fuzz", "a_two", dns(0x1234, 0, [rr(1, bytes([93, 184, 216, 34])),
                                                   rr(1, bytes([93, 184, 216, 35]))]))
put("dns_response_fuzz", "aaaa", dns(0x1234, 0, [rr(28, bytes(range(16)))], qtype=28))
cname_target = qname("edge.example.net")
put("dns_response_fuzz", "cname_chain",
    dns(0x1234, 0, [rr(5, cname_target), rr(1, bytes([192, 0, 2, 7]), name=b"\xc0\x2d")]))
put("dns_response_fuzz", "nxdomain", dns(0x1234, 3, []))
put("dns_response_fuzz", "pointer_loop", dns(0x1234, 0, [rr(1, b"\1\2\3\4", name=b"\xc0\x21")]))


# ---- journal segment (agent/journal/frame.h): little-endian 28-byte header ----
def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def frame(seq, kind, json):
    payload = kind.encode() + json.encode()
    head = b"UPJ1" + struct.pack("<IQHHI", len(payload), seq, len(kind), 0, crc32c(payload))
    return head + struct.pack("<I", crc32c(head))


def frame_bytes(seq, kind, json):
    payload = kind.encode() + json.encode()
    return frame(seq, kind, json) + payload


rec = '{"kind":"%s","seq":%d,"device_id":"d1","school_id":"s1"}'
seg = (frame_bytes(1, "event", rec % ("event", 1)) +
       frame_bytes(2, "availability", rec % ("availability", 2)) +
       frame_bytes(3, "throughput", rec % ("throughput", 3)))
put("journal_fuzz", "three_frames", seg)
put("journal_fuzz", "torn_tail", seg + frame_bytes(4, "event", rec % ("event", 4))[:40])
damaged = bytearray(seg)
damaged[40] ^= 0xFF  # inside the first payload: CRC mismatch, the scan resyncs
put("journal_fuzz", "damaged_payload", bytes(damaged))
# 'S' + 128 bytes of journal.state, then the segment (journal_fuzz.cpp).
state = b'{"acked_seq":1,"journal_id":"00000000000000aa"}'.ljust(128, b" ")
put("journal_fuzz", "with_state", b"S" + state + seg)


# ---- MQTT 5 (collector/ingest/mqtt_codec); first byte = slice size ----
def varint(n):
    out = b""
    while True:
        b, n = n % 128, n // 128
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def utf8(s):
    return struct.pack(">H", len(s)) + s.encode()


connack = packet(0x20, b"\0\0" + varint(3) + b"\x21\x00\x0a")  # receive maximum 10
suback = packet(0x90, struct.pack(">H", 1) + varint(0) + b"\x01")
topic = "uplinkprobe/s1/d1/throughput"
body = b'{"kind":"throughput"}'
props = b"\x01\x01" + b"\x03" + utf8("application/json")  # payload format, content type
pub0 = packet(0x30, utf8(topic) + varint(0) + body)
pub1 = packet(0x32, utf8(topic) + struct.pack(">H", 7) + varint(len(props)) + props + body)
ping = packet(0xD0, b"")
put("mqtt_decoder_fuzz", "session", b"\x05" + connack + suback + pub0 + pub1 + ping)
put("mqtt_decoder_fuzz", "publish_qos1", b"\x01" + pub1)
put("mqtt_decoder_fuzz", "oversized_length", b"\x03" + b"\x30\xff\xff\xff\x7f")

# ---- chunked bodies; first byte = limit exponent and slice size ----
put("chunked_body_fuzz", "two_chunks", b"\x14" + b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
put("chunked_body_fuzz", "extension_trailer",
    b"\x15" + b"a;name=value\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\nGET / HTTP/1.1\r\n")
put("chunked_body_fuzz", "too_large", b"\x02" + b"ff\r\n" + b"x" * 255 + b"\r\n0\r\n\r\n")
put("chunked_body_fuzz", "hex_case", b"\x10" + b"A\r\n0123456789\r\n0000\r\n\r\n")
