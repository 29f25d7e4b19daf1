#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send one hand-made request to a generic-netlink family and print the
kernel's answer as "errno=N msg=TEXT" (N is 0 for success), so tests can
check how malformed requests are refused; a dump adds "parts=N", the number
of datagrams its messages came in.  Nothing here knows the family's spec:
attributes are given raw.  A message that does not fit its datagram, or
whose attributes do not fill it exactly, ends the run with status 2.

usage: nlraw.py [--dump [--then SHELL_CMD]] FAMILY CMD [TYPE:KIND:VALUE ...]
       nlraw.py --join FAMILY GROUP
  KIND is u8, u16, u32, str (NUL-terminated), hex (raw bytes) or
  nest (VALUE is a comma-separated list of TYPE/KIND/VALUE).
  --then runs SHELL_CMD once the dump's first datagram is read, and adds
  "messages=N interrupted=N" to the answer: the dump's messages, and those
  flagged NLM_F_DUMP_INTR (the NLMSG_DONE included).
  --join joins the family's multicast GROUP and prints "errno=N" (0 when
  the kernel let this process join).
"""
import os
import socket
import struct
import subprocess
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLM_F_ACK_TLVS = 0x200
NLM_F_DUMP_INTR = 0x10
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_EXT_ACK = 11
SOL_NETLINK = 270
NLMSGERR_ATTR_MSG = 1


def attr(atype, payload):
    hdr = struct.pack("HH", 4 + len(payload), atype)
    pad = b"\0" * ((4 - len(payload) % 4) % 4)
    return hdr + payload + pad


def encode(spec, sep=":"):
    atype, kind, value = spec.split(sep, 2)
    atype = int(atype)
    if kind == "u8":
        return attr(atype, struct.pack("B", int(value)))
    if kind == "u16":
        return attr(atype, struct.pack("H", int(value)))
    if kind == "u32":
        return attr(atype, struct.pack("I", int(value)))
    if kind == "str":
        return attr(atype, value.encode() + b"\0")
    if kind == "hex":
        return attr(atype, bytes.fromhex(value))
    if kind == "nest":
        return attr(atype | 0x8000,
                    b"".join(encode(s, "/") for s in value.split(",") if s))
    raise SystemExit(f"nlraw.py: unknown attribute kind '{kind}'")


def request(sock, family, cmd, flags, payload, seq):
    body = struct.pack("BBH", cmd, 1, 0) + payload
    msg = struct.pack("IHHII", 16 + len(body), family, flags, seq,
                      os.getpid()) + body
    sock.send(msg)


def answers(sock, after_first=None):
    """Messages as they arrive, each with the number of the datagram that
    brought it.  The buffer is libmnl's page-sized one, so that dumps come
    in the parts the CLI sees.  AFTER_FIRST runs once the first datagram's
    messages are handled: the kernel filled the second as the first was
    read, so what AFTER_FIRST changes shows from the third on."""
    part = 0
    while True:
        if part == 1 and after_first:
            after_first()
        data = sock.recv(4096)
        part += 1
        off = 0
        while off < len(data):
            if off + 16 > len(data):
                malformed(f"{len(data) - off} bytes left over", part)
            length, mtype, flags = struct.unpack_from("IHH", data, off)
            if length < 16 or off + length > len(data):
                malformed(f"a message of length {length:#x} at offset {off} "
                          f"of a {len(data)}-byte datagram", part)
            msg = data[off:off + length]
            if mtype > NLMSG_DONE:
                check_attrs(msg, 20, part)
            yield mtype, flags, msg, part
            off += (length + 3) & ~3


def malformed(what, part):
    print(f"nlraw.py: malformed answer, datagram {part}: {what}",
          file=sys.stderr)
    sys.exit(2)


def check_attrs(msg, off, part):
    """The attributes of a generic-netlink message fill it exactly, and so
    do those of each nest (what the kernel nests is flagged so)."""
    while off < len(msg):
        if off + 4 > len(msg):
            malformed(f"{len(msg) - off} bytes after the last attribute", part)
        alen, atype = struct.unpack_from("HH", msg, off)
        if alen < 4 or off + alen > len(msg):
            malformed(f"attribute {atype & 0x3fff} of length {alen} at "
                      f"offset {off} of a {len(msg)}-byte message", part)
        if atype & 0x8000:
            check_attrs(msg[off:off + alen], 4, part)
        off += (alen + 3) & ~3


NLM_F_CAPPED = 0x100


def error_of(msg, flags, done=False):
    """errno and extack message of an NLMSG_ERROR or NLMSG_DONE."""
    errno = -struct.unpack_from("i", msg, 16)[0] if len(msg) >= 20 else 0
    text = ""
    if flags & NLM_F_ACK_TLVS:
        # An error echoes the request, whole unless capped.
        off = 20
        if not done:
            off += 16 if flags & NLM_F_CAPPED else struct.unpack_from("I", msg, 20)[0]
        while off + 4 <= len(msg):
            alen, atype = struct.unpack_from("HH", msg, off)
            if alen < 4:
                break
            if atype == NLMSGERR_ATTR_MSG:
                text = msg[off + 4:off + alen].rstrip(b"\0").decode()
            off += (alen + 3) & ~3
    return errno, text


def attrs_of(msg, off):
    """TYPE: payload of the attributes from OFF."""
    found = {}
    while off + 4 <= len(msg):
        alen, atype = struct.unpack_from("HH", msg, off)
        if alen < 4:
            break
        found[atype & 0x3fff] = msg[off + 4:off + alen]
        off += (alen + 3) & ~3
    return found


def family(sock, name):
    """The family's id, and its multicast groups by name."""
    request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
            NLM_F_REQUEST | NLM_F_ACK,
            attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"), 1)
    fid, groups = None, {}
    for mtype, flags, msg, _ in answers(sock):
        if mtype == NLMSG_ERROR:
            errno, text = error_of(msg, flags)
            if errno:
                raise SystemExit(f"nlraw.py: family {name}: errno {errno}")
            return fid, groups
        found = attrs_of(msg, 20)
        if CTRL_ATTR_FAMILY_ID in found:
            fid = struct.unpack("H", found[CTRL_ATTR_FAMILY_ID][:2])[0]
        for grp in attrs_of(found.get(CTRL_ATTR_MCAST_GROUPS, b""), 0).values():
            g = attrs_of(grp, 0)
            groups[g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = \
                struct.unpack("I", g[CTRL_ATTR_MCAST_GRP_ID])[0]


def join(sock, name, group):
    _, groups = family(sock, name)
    if group not in groups:
        raise SystemExit(f"nlraw.py: family {name} has no group {group}")
    try:
        sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, groups[group])
    except OSError as e:
        print(f"errno={e.errno}")
        return
    print("errno=0")


def main(argv):
    joining = argv[:1] == ["--join"]
    dump = argv[:1] == ["--dump"]
    then = None
    if joining or dump:
        argv = argv[1:]
    if dump and argv[:1] == ["--then"]:
        then, argv = argv[1], argv[2:]
    if len(argv) < 2:
        raise SystemExit(__doc__)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    # An answer that never ends (a lost NLMSG_DONE) fails, not hangs.
    sock.settimeout(30)
    sock.bind((0, 0))
    if joining:
        join(sock, argv[0], argv[1])
        return
    fid, _ = family(sock, argv[0])
    payload = b"".join(encode(a) for a in argv[2:])
    flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
    request(sock, fid, int(argv[1]), flags, payload, 2)
    parts = set()
    messages = interrupted = 0
    hook = None
    if then is not None:
        def hook():
            subprocess.run(then, shell=True, check=True)
    for mtype, flags, msg, part in answers(sock, hook):
        interrupted += bool(flags & NLM_F_DUMP_INTR)
        if mtype == NLMSG_ERROR:
            errno, text = error_of(msg, flags)
            print(f"errno={errno} msg={text}")
            return
        if mtype == NLMSG_DONE:
            errno, text = error_of(msg, flags, done=True)
            extra = ""
            if then is not None:
                extra = f" messages={messages} interrupted={interrupted}"
            print(f"errno={errno} msg={text} parts={len(parts)}{extra}")
            return
        messages += 1
        parts.add(part)


if __name__ == "__main__":
    main(sys.argv[1:])
