#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Fuzz a generic-netlink family from its YNL spec.

usage: nlfuzz.py --spec YAML --seed N --seconds S [--timeout T]
                 [--backing PATH]... [--name NAME]... [--label TEXT]

For S seconds, pick one of the spec's operations (do or dump; sometimes an
unknown command, a notification's command or a dump of a do-only
operation), build a request from a random subset of its attributes with
values at their boundaries (0, 1, the maximum, one past it; empty, longest
and overlong strings; keys one byte short or long; integers of the wrong
width; nests of garbage or without NLA_F_NESTED), attributes of the set the
operation does not take, unknown and duplicated attributes, and real
objects found by dumping (the namespace's devices by index and name, the
disks, their tracking devices, the backing paths given with --backing), and
send it, sometimes several in one datagram.  Half the requests are well
formed (values the policy takes, real objects first), so that handlers get
past their checks and act.

Every request must be answered (an NLMSG_ERROR, or a dump's NLMSG_DONE)
within T seconds; a request the policy must refuse (the model below) must
be refused with EINVAL or ERANGE (Value.bad records why), an unknown
command with EOPNOTSUPP; every refusal the family makes must say why (an
extack message, or the missing attribute), with an errno its handlers
document (ALLOWED_ERRNOS); every answer must be well formed and
carry attributes of the sizes the spec gives them.  Prints the counts and
exits 1 on any failure, each one described on a line starting "FAIL".
"""
import argparse
import errno as E
import os
import random
import select
import socket
import struct
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nlraw import (NETLINK_GENERIC, SOL_NETLINK, NETLINK_EXT_ACK,  # noqa: E402
                   NLMSG_ERROR, NLMSG_DONE, NLM_F_REQUEST, NLM_F_ACK,
                   NLM_F_DUMP, NLM_F_ACK_TLVS, NLM_F_CAPPED, attrs_of, family)

NETLINK_CAP_ACK = 10
NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLA_TYPE_MASK = 0x3fff
NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_MISS_TYPE = 5

INT_SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8,
             "s8": 1, "s16": 2, "s32": 4, "s64": 8}
# What the handlers may answer; anything else is a wrong errno.
ALLOWED_ERRNOS = {E.EINVAL, E.ERANGE, E.ENODEV, E.ENOENT, E.EOPNOTSUPP,
                  E.EBUSY, E.EEXIST, E.EADDRINUSE, E.ENOTBLK, E.EHOSTUNREACH,
                  E.EROFS, E.ENXIO, E.EACCES, E.ETIMEDOUT, E.ECONNREFUSED,
                  E.ENOTCONN, E.EIO, E.EAGAIN, E.EISDIR, E.ENOTDIR,
                  E.ENAMETOOLONG, E.ELOOP, E.EADDRNOTAVAIL, E.EPERM,
                  E.EILSEQ, E.ECONNRESET, E.ECONNABORTED, E.EPIPE,
                  E.ENETUNREACH, E.ESTALE}


def nla(atype, payload):
    hdr = struct.pack("HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


class Spec:
    """The parts of a YNL spec a request is built from."""

    def __init__(self, path):
        with open(path) as f:
            # libyaml's loader: the pure-Python one costs seconds under TCG.
            raw = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        self.name = raw["name"]
        self.consts = {d["name"]: d["value"] for d in raw.get("definitions", [])
                       if d["type"] == "const"}
        self.enums = {}
        for d in raw.get("definitions", []):
            if d["type"] in ("enum", "flags"):
                self.enums[d["name"]] = len(d["entries"])
        self.sets = {}
        for aset in raw["attribute-sets"]:
            attrs, value = {}, 0
            for a in aset["attributes"]:
                value = a.get("value", value)
                attrs[a["name"]] = dict(a, value=value)
                value += 1
            self.sets[aset["name"]] = attrs
        self.ops, value = [], 0
        for op in raw["operations"]["list"]:
            value = op.get("value", value)
            self.ops.append(dict(op, value=value))
            value += 1
        self.max_cmd = value - 1

    def number(self, v):
        return self.consts.get(v, v) if isinstance(v, str) else v


class Value:
    """An attribute's bytes, and whether the policy must refuse it."""

    def __init__(self, data, bad=False, why=""):
        self.data, self.bad, self.why = data, bad, why


class Fuzzer:
    def __init__(self, spec, rng, objects):
        self.spec, self.rng, self.objects = spec, rng, objects
        # Half the requests are well formed, with values the policy takes,
        # so that the handlers' own checks and actions run.
        self.sane = False

    def hostile(self, p):
        return not self.sane and self.rng.random() < p

    # --- values -----------------------------------------------------------
    def int_value(self, a):
        r, t = self.rng, a["type"]
        size = INT_SIZES[t]
        signed = t.startswith("s")
        lo = -(1 << (size * 8 - 1)) if signed else 0
        hi = (1 << (size * 8 - 1)) - 1 if signed else (1 << size * 8) - 1
        checks = a.get("checks", {})
        cmin, cmax = self.spec.number(checks.get("min")), \
            self.spec.number(checks.get("max"))
        if "enum" in a:
            cmax = self.spec.enums[a["enum"]] - 1
        fmt = {1: "b", 2: "h", 4: "i", 8: "q"}[size]
        fmt = ("<" + fmt) if signed else ("<" + fmt.upper())
        if a.get("byte-order") == "big-endian":
            fmt = ">" + fmt[1:]
        if self.hostile(0.05):      # the wrong width
            width = r.choice([w for w in (0, 1, 2, 3, 4, 5, 8, 16) if w != size])
            return Value(bytes(r.getrandbits(8) for _ in range(width)), True,
                         f"{t} of {width} bytes")
        cands = [lo, hi, 0, 1, r.randint(lo, hi)]
        if cmin is not None:
            cands += [cmin, cmin - 1]
        if cmax is not None:
            cands += [cmax, cmax + 1, cmax - 1]
        cands += self.objects.ints(a["name"])
        good = self.objects.ints(a["name"], True)
        v = r.choice(good if good and (self.sane or r.random() < 0.3) else cands)
        v = min(max(v, lo), hi)
        if self.sane and ((cmin is not None and v < cmin) or
                          (cmax is not None and v > cmax)):
            v = r.randint(lo if cmin is None else cmin, hi if cmax is None else cmax)
        bad = (cmin is not None and v < cmin) or (cmax is not None and v > cmax)
        return Value(struct.pack(fmt, v), bad, f"{t} {v} out of range" if bad else "")

    def string_value(self, a):
        r = self.rng
        maxlen = self.spec.number(a.get("checks", {}).get("max-len", 0))
        real = self.objects.strings(a["name"], self.sane)
        pick = r.random()
        if self.sane:
            pick = 0 if real and pick < 0.8 else 0.95
        if real and pick < 0.45:
            s = r.choice(real).encode()
        elif pick < 0.55:
            s = b""
        elif pick < 0.65 and maxlen:
            s = b"x" * maxlen
        elif pick < 0.7 and maxlen:
            s = b"y" * (maxlen + 1)
        elif pick < 0.73:
            s = b"z" * r.choice([255, 256, 4095, 4096, 5000])
        elif pick < 0.84:
            s = r.choice([b"../..", b"/", b".", b"-", b"a b", b"\xff\xfe",
                          b"hcx0\0trailing", b"%s%n", b"/dev/null",
                          b"/proc/self/fd/0", b"/dev/loop-control"])
        elif pick < 0.9:
            s = bytes(r.getrandbits(8) | 1 for _ in range(r.randint(1, 40)))
        else:
            s = ("fz%d" % r.randint(0, 3)).encode()
        data = s if self.hostile(0.04) else s + b"\0"   # sometimes no NUL
        # NLA_NUL_STRING: a NUL within max-len + 1 bytes, and at most
        # max-len bytes besides a last NUL.
        nul = data.find(b"\0")
        body = len(data) - (data[-1:] == b"\0")
        bad = nul < 0 or bool(maxlen) and (nul > maxlen or body > maxlen)
        return Value(data, bad, f"string {data[:20]!r}... of {len(data)} bytes" if bad else "")

    def binary_value(self, a):
        r = self.rng
        exact = self.spec.number(a.get("checks", {}).get("exact-len"))
        real = self.objects.binaries(a["name"])
        if exact is None:
            n = r.choice([0, 1, 16, 32, 300])
            return Value(bytes(r.getrandbits(8) for _ in range(n)))
        pick = r.random() * (0.75 if self.sane else 1)
        if real and pick < 0.3:
            return Value(r.choice(real))
        if pick < 0.75:
            return Value(r.choice([b"\0" * exact, b"\xff" * exact,
                                   bytes(r.getrandbits(8) for _ in range(exact))]))
        n = r.choice([0, 1, exact - 1, exact + 1, exact * 2])
        return Value(bytes(r.getrandbits(8) for _ in range(n)), n != exact,
                     f"binary of {n} bytes, not {exact}")

    def value(self, set_name, a, depth):
        t = a["type"]
        if t in INT_SIZES:
            return self.int_value(a)
        if t == "string":
            return self.string_value(a)
        if t == "binary":
            return self.binary_value(a)
        if t == "flag":
            if self.hostile(0.1):
                return Value(b"\1", True, "flag with a payload")
            return Value(b"")
        if t == "nest":
            return self.nest_value(a, depth)
        # pad, unused: the policy holds nothing for them.
        return Value(b"\0" * 4, True, f"{t} attribute")

    def nest_value(self, a, depth):
        r = self.rng
        inner = a["nested-attributes"]
        if depth > 2 or self.hostile(0.15):
            n = r.choice([0, 1, 3, 4, 7, 20])
            junk = bytes(r.getrandbits(8) for _ in range(n))
            # Garbage may happen to parse as attributes the policy takes.
            return Value(junk, None, "garbage nest")
        names = [n for n, x in self.spec.sets[inner].items()
                 if x["type"] not in ("unused", "pad")]
        chosen = r.sample(names, r.randint(0, len(names)))
        body, bad, why = self.attrs(inner, chosen, [], depth + 1)
        return Value(body, bad, why)

    # --- attribute lists ----------------------------------------------------
    def attrs(self, set_name, take, names_in_set, depth=0):
        """Encode attributes TAKE of SET_NAME; NAMES_IN_SET are others of
        the set that the policy does not take (refused if sent)."""
        r = self.rng
        aset = self.spec.sets[set_name]
        out, bad, whys = b"", False, []
        items = list(take)
        if names_in_set and self.hostile(0.12):
            items.append(r.choice(names_in_set))
        if items and r.random() < 0.1:
            items.append(r.choice(items))          # duplicated
        r.shuffle(items)
        max_type = max(x["value"] for x in aset.values())
        for name in items:
            a = aset[name]
            v = self.value(set_name, a, depth)
            atype = a["value"]
            if name not in take or a["type"] in ("unused", "pad"):
                v.bad, v.why = True, f"{name} is not taken here"
            if a["type"] == "nest":
                if not self.hostile(0.1):
                    atype |= NLA_F_NESTED
                else:
                    v.bad, v.why = True, "nest without NLA_F_NESTED"
            elif self.hostile(0.03):
                atype |= NLA_F_NESTED
                v.bad, v.why = True, "NLA_F_NESTED on a non-nest"
            out += nla(atype, v.data)
            if v.bad is None:
                bad = None if bad is False else bad
            elif v.bad:
                bad, whys = True, whys + [v.why]
        if self.hostile(0.06):
            unknown = r.choice([max_type + 1, max_type + 7, 0x3fff])
            out += nla(unknown, b"\0" * r.choice([0, 1, 4, 8]))
            bad, whys = True, whys + [f"unknown attribute {unknown}"]
        if self.hostile(0.03):
            out += b"\x01\x02\x03"
            bad, whys = True, whys + ["bytes left over"]
        if self.hostile(0.02) and out:
            # An attribute longer than what holds it.
            out = struct.pack("HH", len(out) + 64, 1) + out
            bad, whys = True, whys + ["attribute overruns the message"]
        return out, bad, "; ".join(whys)

    def request(self):
        """(cmd, flags, payload, bad, why, label)."""
        r, spec = self.rng, self.spec
        self.sane = r.random() < 0.5
        pick = 1 if self.sane else r.random()
        if pick < 0.03:
            cmd = r.choice([0, spec.max_cmd + 1, 200, 255])
            return cmd, r.choice([0, NLM_F_DUMP]), b"", "unknown", "unknown command", f"cmd{cmd}"
        ops = [op for op in spec.ops if "do" in op or "dump" in op]
        if pick < 0.06:
            notif = [op for op in spec.ops if "notify" in op]
            op = r.choice(notif)
            return op["value"], 0, b"", "unknown", "a notification's command", op["name"]
        op = r.choice(ops)
        kinds = [k for k in ("do", "dump") if k in op]
        kind = r.choice(kinds)
        if self.hostile(0.04) and "dump" not in op:
            kind = "dump"
        set_name = op["attribute-set"]
        # A dump takes the do request's policy (per-op policies, 6.1).
        req = (op.get("do") or {}).get("request", {}).get("attributes", [])
        if kind == "dump" and "dump" not in op:
            return op["value"], NLM_F_DUMP, b"", "unknown", "dump of a do-only op", \
                op["name"] + "-dump"
        others = [n for n in spec.sets[set_name] if n not in req]
        n = len(req)
        if r.random() < 0.4:
            # Most of the attributes, so that handlers get past their
            # checks of what is required.
            take = [a for a in req if r.random() < (0.9 if self.sane else 0.8)]
        else:
            take = r.sample(req, r.randint(0, n)) if n else []
        payload, bad, why = self.attrs(set_name, take, others)
        label = op["name"] + ("-dump" if kind == "dump" else "")
        return op["value"], NLM_F_DUMP if kind == "dump" else 0, payload, bad, why, label


class Objects:
    """Real objects to name: refreshed from dumps, plus paths given."""

    def __init__(self, backing, names):
        self.backing = list(backing)
        self.names = list(names)
        self.ifindex, self.ifname, self.disks, self.devices = [], [], [], []
        self.keys, self.hcx_ifindex, self.hcx_ifname = [], [], []
        self.refresh_sysfs()

    def refresh_sysfs(self):
        self.ifindex, self.ifname = [], []
        for dev in os.listdir("/sys/class/net"):
            try:
                with open(f"/sys/class/net/{dev}/ifindex") as f:
                    self.ifindex.append(int(f.read()))
                self.ifname.append(dev)
            except OSError:
                pass

    def ints(self, name, good_only=False):
        """Values worth trying for NAME: (those a handler takes, others)."""
        now = int(time.time())
        good, bad = {
            "ifindex": (self.hcx_ifindex, self.ifindex + [0, 9999]),
            "chunk-bytes": ([4096, 65536, 1 << 20], [2048, 3 << 12, 2 << 20]),
            "streams": ([1, 4, 16], [0, 17]),
            "listen-port": ([51820, 51821, 0], [1, 65535]),
            "endpoint-port": ([51820, 51821], [1, 65535]),
            "switchover-time": ([now - 1, now + 2, 0],
                                [now + 366 * 24 * 3600 + 100]),
            "dedup-cache-bytes": ([1 << 20, 1 << 30, 64 << 20],
                                  [(1 << 20) - 1, (1 << 30) + 1]),
            # The other site, loopback, broadcast (the spec's big-endian).
            "endpoint-ipv4": ([0x0a000002, 0x0a000001, 0x7f000001],
                              [0xffffffff, 0]),
        }.get(name, ([], []))
        return good if good_only else good + bad

    def strings(self, name, good_only=False):
        good, bad = {
            "ifname": (self.hcx_ifname, self.ifname + ["hcx9", "nosuchdev"]),
            "name": (self.disks + self.names, []),
            "backing": (self.backing, self.devices + ["/nonexistent", "/dev/null",
                                                      "/tmp", "loop0", ""]),
        }.get(name, ([], []))
        return good if good_only else good + bad

    def binaries(self, name):
        return self.keys


class Stats:
    def __init__(self):
        self.sent, self.errors, self.ok = {}, {}, {}
        self.extack = self.missing = self.bad_refused = 0
        self.failures = []
        self.slowest = (0, "")

    def fail(self, text):
        self.failures.append(text)
        print("FAIL " + text, flush=True)


def parse_error(msg, flags):
    """errno, extack message, missing attribute type of an ack."""
    err = -struct.unpack_from("i", msg, 16)[0]
    off = 20 + (16 if flags & NLM_F_CAPPED else struct.unpack_from("I", msg, 20)[0])
    text, miss = "", None
    if flags & NLM_F_ACK_TLVS:
        tlv = attrs_of(msg, off)
        if NLMSGERR_ATTR_MSG in tlv:
            text = tlv[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode(errors="replace")
        if NLMSGERR_ATTR_MISS_TYPE in tlv:
            miss = struct.unpack("I", tlv[NLMSGERR_ATTR_MISS_TYPE])[0]
    return err, text, miss


def check_reply(spec, set_name, msg, off, st, where):
    """Attributes fill the message and have the spec's sizes."""
    aset = {a["value"]: a for a in spec.sets[set_name].values()}
    while off < len(msg):
        if off + 4 > len(msg):
            st.fail(f"{where}: {len(msg) - off} bytes after the last attribute")
            return
        alen, atype = struct.unpack_from("HH", msg, off)
        if alen < 4 or off + alen > len(msg):
            st.fail(f"{where}: attribute {atype & NLA_TYPE_MASK} of length {alen} overruns")
            return
        a = aset.get(atype & NLA_TYPE_MASK)
        plen = alen - 4
        if a is None:
            st.fail(f"{where}: reply attribute {atype & NLA_TYPE_MASK} not in set {set_name}")
        elif a["type"] in INT_SIZES and plen != INT_SIZES[a["type"]]:
            st.fail(f"{where}: {a['name']} ({a['type']}) of {plen} bytes")
        elif a["type"] == "string":
            data = msg[off + 4:off + alen]
            maxlen = spec.number(a.get("checks", {}).get("max-len", 0))
            if not data.endswith(b"\0") or (maxlen and data.index(b"\0") > maxlen):
                st.fail(f"{where}: string {a['name']} badly terminated or too long")
        elif a["type"] == "binary":
            exact = spec.number(a.get("checks", {}).get("exact-len"))
            if exact is not None and plen != exact:
                st.fail(f"{where}: {a['name']} of {plen} bytes, not {exact}")
        elif a["type"] == "nest":
            if not atype & NLA_F_NESTED:
                st.fail(f"{where}: nest {a['name']} without NLA_F_NESTED")
            check_reply(spec, a["nested-attributes"], msg[off:off + alen], 4, st,
                        f"{where}/{a['name']}")
        off += (alen + 3) & ~3


class Conn:
    def __init__(self, spec, timeout):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.sock.settimeout(timeout)
        self.fid, _ = family(self.sock, spec.name)
        # Acks echo only the request's header from here: answers stay small.
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.settimeout(None)
        self.timeout = timeout
        self.seq = 100
        self.pid = self.sock.getsockname()[0]


def transact(conn, spec, reqs, st):
    """Send REQS [(cmd, flags, payload, bad, why, label)] in one datagram;
    collect each one's answer; return [(errno, text, miss, replies)]."""
    data, pending = b"", {}
    for cmd, flags, payload, bad, why, label in reqs:
        conn.seq += 1
        body = struct.pack("BBH", cmd, 1, 0) + payload
        data += struct.pack("IHHII", 16 + len(body), conn.fid,
                            NLM_F_REQUEST | NLM_F_ACK | flags, conn.seq,
                            conn.pid) + body
        data += b"\0" * (-len(data) % 4)   # the next message is aligned
        pending[conn.seq] = [None, "", None, []]
    seqs = list(pending)
    conn.sock.send(data)
    deadline = time.monotonic() + conn.timeout
    open_seqs = set(seqs)
    while open_seqs:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([conn.sock], [], [], left)[0]:
            labels = [r[5] for r, s in zip(reqs, seqs) if s in open_seqs]
            st.fail(f"no answer within {conn.timeout} s to {labels}")
            return None
        buf = conn.sock.recv(1 << 17)
        off = 0
        while off + 16 <= len(buf):
            length, mtype, mflags, seq, _ = struct.unpack_from("IHHII", buf, off)
            if length < 16 or off + length > len(buf):
                st.fail(f"malformed answer: message of {length} bytes at {off} of {len(buf)}")
                return None
            msg = buf[off:off + length]
            off += (length + 3) & ~3
            if seq not in pending:
                st.fail(f"answer with unknown sequence {seq} (type {mtype})")
                continue
            ent = pending[seq]
            if mtype == NLMSG_ERROR:
                ent[0], ent[1], ent[2] = parse_error(msg, mflags)
                open_seqs.discard(seq)
            elif mtype == NLMSG_DONE:
                ent[0] = -struct.unpack_from("i", msg, 16)[0] if len(msg) >= 20 else 0
                if ent[0] and mflags & NLM_F_ACK_TLVS:
                    tlv = attrs_of(msg, 20)
                    ent[1] = tlv.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode()
                    if NLMSGERR_ATTR_MISS_TYPE in tlv:
                        ent[2] = struct.unpack("I", tlv[NLMSGERR_ATTR_MISS_TYPE])[0]
                open_seqs.discard(seq)
            else:
                ent[3].append(msg)
    return [pending[s] for s in seqs]


def op_set(spec, cmd):
    for op in spec.ops:
        if op["value"] == cmd:
            return op.get("attribute-set")
    return None


def discover(conn, spec, objects, st):
    """Names and indexes of the real devices and disks, from dumps."""
    objects.refresh_sysfs()
    by_name = {op["name"]: op["value"] for op in spec.ops}
    disks, devices, keys, hcx_ifindex, hcx_ifname = [], [], [], [], []
    for opname, set_name in (("dev-get", "device"), ("disk-get", "disk")):
        res = transact(conn, spec, [(by_name[opname], NLM_F_DUMP, b"", False, "", opname)], st)
        if not res:
            continue
        aset = {a["value"]: a["name"] for a in spec.sets[set_name].values()}
        for msg in res[0][3]:
            found = {aset.get(k): v for k, v in attrs_of(msg, 20).items()}
            if set_name == "disk":
                disks.append(found["name"].rstrip(b"\0").decode())
                devices.append(found["device"].rstrip(b"\0").decode())
            else:
                hcx_ifindex.append(struct.unpack("I", found["ifindex"])[0])
                hcx_ifname.append(found["ifname"].rstrip(b"\0").decode())
            if set_name == "device" and "public-key" in found:
                keys.append(found["public-key"])
                peer = attrs_of(found.get("peer", b""), 0)
                pk = spec.sets["peer"]["public-key"]["value"]
                if pk in peer:
                    keys.append(peer[pk])
    objects.disks, objects.devices, objects.keys = disks, devices, keys
    objects.hcx_ifindex, objects.hcx_ifname = hcx_ifindex, hcx_ifname


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--backing", action="append", default=[])
    ap.add_argument("--name", action="append", default=[])
    ap.add_argument("--label", default="nlfuzz")
    args = ap.parse_args()

    spec = Spec(args.spec)
    rng = random.Random(args.seed)
    objects = Objects(args.backing, args.name)
    st = Stats()
    conn = Conn(spec, args.timeout)
    fz = Fuzzer(spec, rng, objects)
    discover(conn, spec, objects, st)
    end = time.monotonic() + args.seconds
    sent = 0
    while time.monotonic() < end and len(st.failures) < 20:
        if sent % 25 == 0:
            discover(conn, spec, objects, st)
        reqs = [fz.request() for _ in range(rng.choice([1] * 9 + [2, 3]))]
        # A second dump in a datagram finds the first running: the core
        # refuses it (EBUSY) without asking the family.
        dumps = [q for q in reqs if q[1] & NLM_F_DUMP]
        reqs = [q for q in reqs if not q[1] & NLM_F_DUMP] + dumps[:1]
        t0 = time.monotonic()
        res = transact(conn, spec, reqs, st)
        took = time.monotonic() - t0
        if res is None:
            break
        if took > st.slowest[0]:
            st.slowest = (took, "+".join(r[5] for r in reqs))
        for (cmd, flags, payload, bad, why, label), (err, text, miss, replies) \
                in zip(reqs, res):
            sent += 1
            st.sent[label] = st.sent.get(label, 0) + 1
            set_name = op_set(spec, cmd)
            for msg in replies:
                if set_name:
                    check_reply(spec, set_name, msg, 20, st, label)
            if err is None:
                st.fail(f"{label}: no ack")
                continue
            if err == 0:
                st.ok[label] = st.ok.get(label, 0) + 1
                if bad is True:
                    st.fail(f"{label}: accepted though {why}")
                elif bad == "unknown":
                    st.fail(f"{label}: accepted {why}")
                continue
            key = E.errorcode.get(err, str(err))
            st.errors[key] = st.errors.get(key, 0) + 1
            if text or miss is not None:
                st.extack += 1
            elif bad != "unknown":
                # The core refuses an unknown command before the family
                # is asked, and says nothing; anything else must say why.
                st.missing += 1
                st.fail(f"{label}: {key} without an extack message ({why or 'valid policy'})")
            if bad is True:
                st.bad_refused += 1
                if err not in (E.EINVAL, E.ERANGE):
                    st.fail(f"{label}: {why}: refused with {key}, not EINVAL/ERANGE")
            elif bad == "unknown":
                if err != E.EOPNOTSUPP:
                    st.fail(f"{label}: {why}: refused with {key}, not EOPNOTSUPP")
            elif err not in ALLOWED_ERRNOS:
                st.fail(f"{label}: unexpected {key}: {text}")
    # The family still answers.
    res = transact(conn, spec, [(1, NLM_F_DUMP, b"", False, "", "final-dump")], st)
    if not res or res[0][0]:
        st.fail("the final device dump failed")

    p = args.label
    print(f"{p}: seed {args.seed}: {sent} requests in {args.seconds:.0f} s")
    print(f"{p}: sent per op: " + " ".join(f"{k}={v}" for k, v in sorted(st.sent.items())))
    print(f"{p}: accepted per op: " + " ".join(f"{k}={v}" for k, v in sorted(st.ok.items())))
    print(f"{p}: errors by errno: " + " ".join(f"{k}={v}" for k, v in sorted(st.errors.items())))
    print(f"{p}: refusals with an extack: {st.extack}, without (an operation's): {st.missing}; "
          f"policy violations refused: {st.bad_refused}")
    print(f"{p}: slowest answer: {st.slowest[0]:.1f} s ({st.slowest[1]})")
    print(f"{p}: failures: {len(st.failures)}")
    sys.exit(1 if st.failures else 0)


if __name__ == "__main__":
    main()
