#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send hostile or malformed datagrams to the interconnect port of a running
hcxrepl device (Documentation/hcxrepl/protocol.rst), for the VM tests.
Each subcommand prints one line saying what it sent and exits 0; bad
arguments print one error line to stderr and exit 1.

    hcxpkt.py junk HOST PORT --count N
        random datagrams of 1..200 bytes that start like a message
    hcxpkt.py flood HOST PORT --pubkey B64 --count N [--rate PPS]
        initiations with a correct mac1 for the responder key B64 but
        random contents, which cost the responder a handshake attempt each
    hcxpkt.py truncate HOST PORT [--type T]
        every length short of each message type's full size; the last
        line is "sent N" with N the number of datagrams
    hcxpkt.py resend PCAP HOST PORT [--type T] [--count N] [--flip-bit]
                     [--truncate BYTES]
        replay the last N messages of type T (default 4, data) sent to
        PORT in a classic pcap capture, optionally cut short and/or with
        one bit flipped in their encrypted part
    hcxpkt.py data HOST PORT --index I --count N
        data messages for receiver index I, counters 0..N-1, random
        ciphertext

Every subcommand takes --source-port P to send from that local UDP port.
HOST may be an IPv4 or an IPv6 address (or a name).
"""
import argparse
import base64
import binascii
import errno
import hashlib
import hmac
import os
import random
import socket
import struct
import sys
import time

LABEL_MAC1 = b"mac1----"

MSG_INITIATION, MSG_RESPONSE, MSG_COOKIE, MSG_DATA = 1, 2, 3, 4
NAMES = {MSG_INITIATION: "initiations", MSG_RESPONSE: "responses",
         MSG_COOKIE: "cookie replies", MSG_DATA: "data messages"}
# The full size of each message; for data, that of a keepalive (header and
# tag around an empty frame).
FULL_SIZE = {MSG_INITIATION: 148, MSG_RESPONSE: 92, MSG_COOKIE: 64,
             MSG_DATA: 32}
# The encrypted bytes of each message, [start, end); None is the end.  The
# cookie reply's 24-byte nonce at [8..32) is in the clear: [8..20) random
# bytes that derive its key, [20..32) the AES-GCM nonce (4 zero bytes and a
# big-endian 64-bit counter); only the sealed cookie at [32..64) is not.
ENCRYPTED = {MSG_INITIATION: (40, 116), MSG_RESPONSE: (44, 60),
             MSG_COOKIE: (32, 64), MSG_DATA: (16, None)}
INITIATION_MAC1 = 116           # offset of mac1 in an initiation
DATA_HEADER = 16
DATA_CIPHERTEXT = 64            # random "ciphertext" of the data subcommand

LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86dd
VLAN_TPIDS = (0x8100, 0x88a8, 0x9100)
IPPROTO_UDP = 17
# Classic pcap magics as the file's first 4 bytes, with the byte order of
# its header fields (microsecond and nanosecond timestamps alike).
PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
               b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


class Failure(Exception):
    """Something the user should hear about in one line; exit 1."""


class Parser(argparse.ArgumentParser):
    """argparse, but an error is one line and exit status 1."""

    def error(self, message):
        self.exit(1, f"{self.prog}: error: {message}\n")


# --- Message contents ------------------------------------------------------

def HASH(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


def MAC(key, data):
    return hmac.digest(key, data, "sha256")[:16]


def zero_reserved(buf):
    """Clear the reserved bytes [1..4) of BUF, as many as it has."""
    end = min(4, len(buf))
    buf[1:end] = bytes(max(0, end - 1))


def junk_datagram():
    buf = bytearray(os.urandom(random.randint(1, 200)))
    buf[0] = random.randint(MSG_INITIATION, MSG_DATA)
    if random.random() < 0.5:
        zero_reserved(buf)
    return bytes(buf)


def fake_initiation(mac1_key):
    """Random sender index, ephemeral, static and timestamp; a correct
    mac1 under MAC1_KEY; no mac2."""
    msg = struct.pack("<B3xI", MSG_INITIATION, random.getrandbits(32))
    msg += os.urandom(INITIATION_MAC1 - len(msg))
    return msg + MAC(mac1_key, msg) + bytes(16)


def truncated(msg_type, length):
    buf = bytearray(os.urandom(length))
    if buf:
        buf[0] = msg_type
        zero_reserved(buf)
    return bytes(buf)


def fake_data(index, counter):
    return (struct.pack("<B3xIQ", MSG_DATA, index, counter) +
            os.urandom(DATA_CIPHERTEXT))


def flip_bit(msg, msg_type):
    """MSG with one random bit of its encrypted part flipped."""
    start, end = ENCRYPTED[msg_type]
    end = len(msg) if end is None else min(end, len(msg))
    if start >= end:
        raise Failure(f"no encrypted byte to flip in a {len(msg)}-byte "
                      f"message of type {msg_type}")
    buf = bytearray(msg)
    buf[random.randrange(start, end)] ^= 1 << random.randrange(8)
    return bytes(buf)


# --- Reading a capture -----------------------------------------------------

def pcap_frames(data, path):
    """The link type of a classic pcap file's contents DATA and its frames,
    as captured (possibly cut at the snap length).  A record cut short by
    the end of the file ends the capture."""
    magic = data[:4]
    if magic == PCAPNG_MAGIC:
        raise Failure(f"{path}: pcapng is not supported, only classic pcap "
                      f"(tcpdump -w)")
    order = PCAP_MAGICS.get(magic)
    if order is None or len(data) < 24:
        raise Failure(f"{path}: not a pcap file")
    linktype = struct.unpack_from(order + "I", data, 20)[0] & 0xffff
    if linktype not in (LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL,
                        LINKTYPE_LINUX_SLL2):
        raise Failure(f"{path}: unsupported link type {linktype}")
    frames = []
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from(order + "I", data, off + 8)[0]
        frame = data[off + 16:off + 16 + incl]
        if len(frame) < incl:
            break
        frames.append(frame)
        off += 16 + incl
    return linktype, frames


def be16(buf, off):
    return struct.unpack_from("!H", buf, off)[0]


def network_packet(linktype, frame):
    """(ethertype, packet) carried by a frame of LINKTYPE."""
    if linktype == LINKTYPE_ETHERNET:
        off, ethertype = 14, be16(frame, 12)
        while ethertype in VLAN_TPIDS:
            ethertype = be16(frame, off + 2)
            off += 4
    elif linktype == LINKTYPE_LINUX_SLL:
        off, ethertype = 16, be16(frame, 14)
    else:
        off, ethertype = 20, be16(frame, 0)
    return ethertype, frame[off:]


def ipv4_udp(pkt):
    """The UDP segment of an unfragmented IPv4 packet, or None."""
    if pkt[0] >> 4 != 4:
        return None
    ihl = (pkt[0] & 0xf) * 4
    total, frag = struct.unpack_from("!H2xH", pkt, 2)
    # Any fragment, first or not: MF set or a nonzero fragment offset.
    if ihl < 20 or total < ihl or frag & 0x3fff or pkt[9] != IPPROTO_UDP:
        return None
    return pkt[ihl:total]


def ipv6_udp(pkt):
    """The UDP segment of an unfragmented IPv6 packet, or None."""
    if pkt[0] >> 4 != 6:
        return None
    end = 40 + be16(pkt, 4)
    nexthdr, off = pkt[6], 40
    while nexthdr != IPPROTO_UDP:
        if nexthdr in (0, 43, 60):          # hop-by-hop, routing, dstopts
            length = (pkt[off + 1] + 1) * 8
        elif nexthdr == 44:                 # fragment: offset or M set
            if be16(pkt, off + 2) & 0xfff9:
                return None
            length = 8
        elif nexthdr == 51:                 # authentication header
            length = (pkt[off + 1] + 2) * 4
        else:
            return None
        nexthdr = pkt[off]
        off += length
        if off > end:
            return None
    return pkt[off:end]


def udp_datagram(linktype, frame):
    """(destination port, payload) of a frame holding a whole UDP datagram,
    or None."""
    try:
        ethertype, pkt = network_packet(linktype, frame)
        if ethertype == ETH_P_IP:
            seg = ipv4_udp(pkt)
        elif ethertype == ETH_P_IPV6:
            seg = ipv6_udp(pkt)
        else:
            return None
        if seg is None or len(seg) < 8:
            return None
        dport, length = struct.unpack_from("!2xHH", seg)
    except (IndexError, struct.error):
        return None
    if length < 8 or length > len(seg):     # cut by the snap length
        return None
    return dport, seg[8:length]


def captured_messages(path, port, msg_type):
    """Payloads of the datagrams to PORT in capture PATH whose first byte
    is MSG_TYPE, in capture order."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise Failure(f"{path}: {e.strerror}") from None
    linktype, frames = pcap_frames(data, path)
    found = []
    for frame in frames:
        datagram = udp_datagram(linktype, frame)
        if datagram and datagram[0] == port and \
                datagram[1][:1] == bytes([msg_type]):
            found.append(datagram[1])
    return found


# --- Sending ---------------------------------------------------------------

class Target:
    """A UDP socket and the address it sends to."""

    def __init__(self, host, port, source_port):
        try:
            family, _, _, _, self.addr = socket.getaddrinfo(
                host, port, socket.AF_UNSPEC, socket.SOCK_DGRAM,
                socket.IPPROTO_UDP)[0]
        except socket.gaierror as e:
            raise Failure(f"{host}: {e.strerror}") from None
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        if source_port is not None:
            anywhere = "::" if family == socket.AF_INET6 else "0.0.0.0"
            try:
                self.sock.bind((anywhere, source_port))
            except OSError as e:
                raise Failure(f"source port {source_port}: "
                              f"{e.strerror}") from None

    def send(self, payload):
        """Send PAYLOAD, waiting out a full queue for up to a second."""
        give_up = time.monotonic() + 1
        while True:
            try:
                self.sock.sendto(payload, self.addr)
                return
            except OSError as e:
                if e.errno not in (errno.ENOBUFS, errno.EAGAIN) or \
                        time.monotonic() > give_up:
                    raise Failure(f"sending to {self.addr[0]} port "
                                  f"{self.addr[1]}: {e.strerror}") from None
                time.sleep(0.001)


def paced(count, rate):
    """0..COUNT-1, yielded no faster than RATE a second on average (no
    limit when RATE is None)."""
    start = time.monotonic()
    for i in range(count):
        if rate:
            ahead = start + i / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        yield i


# --- Subcommands -----------------------------------------------------------

def cmd_junk(args, target):
    for _ in range(args.count):
        target.send(junk_datagram())
    print(f"sent {args.count} junk datagrams")


def cmd_flood(args, target):
    mac1_key = HASH(LABEL_MAC1, args.pubkey)
    for _ in paced(args.count, args.rate):
        target.send(fake_initiation(mac1_key))
    print(f"sent {args.count} {NAMES[MSG_INITIATION]}")


def cmd_truncate(args, target):
    types = [args.type] if args.type else sorted(FULL_SIZE)
    total = 0
    for msg_type in types:
        for length in range(FULL_SIZE[msg_type]):
            target.send(truncated(msg_type, length))
        total += FULL_SIZE[msg_type]
        print(f"sent {FULL_SIZE[msg_type]} truncated {NAMES[msg_type]} "
              f"(0..{FULL_SIZE[msg_type] - 1} bytes)")
    print(f"sent {total}")


def cmd_resend(args, target):
    found = captured_messages(args.pcap, args.port, args.type)
    if not found:
        raise Failure(f"{args.pcap}: no {NAMES[args.type]} to port "
                      f"{args.port}")
    chosen = []
    for msg in found[-args.count:]:
        if args.truncate is not None:
            msg = msg[:args.truncate]
        if args.flip_bit:
            msg = flip_bit(msg, args.type)
        chosen.append(msg)
    for msg in chosen:
        target.send(msg)
    print(f"resent {len(chosen)} {NAMES[args.type]}")


def cmd_data(args, target):
    for counter in range(args.count):
        target.send(fake_data(args.index, counter))
    print(f"sent {args.count} {NAMES[MSG_DATA]}")


# --- Command line ----------------------------------------------------------

def integer(lo, hi):
    """An argparse type: an integer in LO..HI, decimal or 0x hex."""
    def parse(text):
        try:
            value = int(text, 16) if text.lower().startswith("0x") \
                else int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"not an integer: '{text}'") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is not in {lo}..{hi}")
        return value
    return parse


def rate(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: '{text}'") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be positive: '{text}'")
    return value


def public_key(text):
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise argparse.ArgumentTypeError("not base64") from None
    if len(key) != 32:
        raise argparse.ArgumentTypeError(
            f"{len(key)} bytes, a public key has 32")
    return key


COUNT = integer(1, 1 << 40)
PORT = integer(1, 0xffff)
TYPE = integer(MSG_INITIATION, MSG_DATA)


def parser():
    top = Parser(description="Send hostile or malformed datagrams to an "
                 "hcxrepl interconnect port.")
    sub = top.add_subparsers(dest="command", required=True,
                             metavar="COMMAND")

    def command(name, func, text):
        p = sub.add_parser(name, help=text, description=text)
        p.set_defaults(func=func)
        return p

    def target(p):
        p.add_argument("host", metavar="HOST",
                       help="the device's address, IPv4 or IPv6")
        p.add_argument("port", metavar="PORT", type=PORT,
                       help="the device's UDP port")
        p.add_argument("--source-port", metavar="P", type=integer(0, 0xffff),
                       help="send from this local UDP port")

    p = command("junk", cmd_junk, "random datagrams of 1..200 bytes, type "
                "byte 1..4, reserved bytes zero half of the time")
    target(p)
    p.add_argument("--count", metavar="N", type=COUNT, required=True,
                   help="send N of them")

    p = command("flood", cmd_flood, "initiations with a correct mac1 for "
                "the responder's public key and random contents")
    target(p)
    p.add_argument("--pubkey", metavar="B64", type=public_key, required=True,
                   help="the responder's public key, base64")
    p.add_argument("--count", metavar="N", type=COUNT, required=True,
                   help="send N of them")
    p.add_argument("--rate", metavar="PPS", type=rate,
                   help="at most PPS initiations a second (default: no "
                   "limit)")

    p = command("truncate", cmd_truncate, "each message type at every "
                "length short of its full size (data: of header and tag), "
                "with its type byte and zero reserved bytes; the last line "
                "is 'sent N'")
    target(p)
    p.add_argument("--type", metavar="T", type=TYPE,
                   help="only message type T (1..4)")

    p = command("resend", cmd_resend, "send again the last messages of a "
                "type captured on their way to PORT in a classic pcap file "
                "(Ethernet or Linux cooked v1/v2)")
    p.add_argument("pcap", metavar="PCAP", help="the capture (tcpdump -w)")
    target(p)
    p.add_argument("--type", metavar="T", type=TYPE, default=MSG_DATA,
                   help="message type to resend (default 4, data)")
    p.add_argument("--count", metavar="N", type=COUNT, default=1,
                   help="resend the last N of them (default 1)")
    p.add_argument("--flip-bit", action="store_true",
                   help="flip one random bit of each in its encrypted part")
    p.add_argument("--truncate", metavar="BYTES", type=integer(0, 0xffff),
                   help="send only the first BYTES bytes of each")

    p = command("data", cmd_data, "data messages with random ciphertext "
                "for a receiver index, counters 0..N-1")
    target(p)
    p.add_argument("--index", metavar="I", type=integer(0, 0xffffffff),
                   required=True, help="receiver index (32 bits)")
    p.add_argument("--count", metavar="N", type=COUNT, required=True,
                   help="send N of them")
    return top


def main(argv):
    top = parser()
    args = top.parse_args(argv)
    try:
        args.func(args, Target(args.host, args.port, args.source_port))
    except Failure as e:
        print(f"{top.prog}: error: {e}", file=sys.stderr)
        return 1
    return 0


sys.exit(main(sys.argv[1:]))
