#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Attacks on the replication channel's handshake, for selftests/lockout.sh.

  lockout.py capture IFACE PORT OUT SECONDS
      sniff IFACE (AF_PACKET) for the first channel initiation (type 5, 148
      bytes) sent to TCP port PORT and write its bytes to OUT; exit 1 when
      none came within SECONDS.  OUT.ready appears once it sniffs.

  lockout.py attack HOST PORT INITIATION SECONDS STOP REPLAY_FROM TRICKLE_FROM...
      for SECONDS, or until the file STOP exists: 32 connections from REPLAY_FROM each send the captured
      INITIATION and hold the connection (opened again half a second after
      the target closes one); 3 connections from each TRICKLE_FROM address
      send one byte every 9 s (opened again likewise).  Prints a JSON
      summary: replays sent and answered, trickling connections opened and
      the longest a closed one lived.

  lockout.py replay HOST PORT INITIATION COUNT
      send INITIATION on COUNT connections, one after the other, each held
      until the target closes it; prints how many were answered.

  lockout.py idle HOST PORT FROM COUNT SECONDS
      open COUNT connections from FROM, one after the other, that send
      nothing, and hold them SECONDS; prints which of them (by number, from
      0) the target closed, and when (seconds after it was opened).
"""

import json
import os
import select
import socket
import struct
import sys
import time

INIT_TYPE = 5
INIT_LEN = 148
RESP_LEN = 92


def capture(iface, port, out, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((iface, 0))
    s.settimeout(0.5)
    open(out + ".ready", "w").close()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            frame = s.recv(65535)
        except socket.timeout:
            continue
        ip = frame[14:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_TCP:
            continue
        tcp = ip[(ip[0] & 15) * 4:]
        if len(tcp) < 20 or struct.unpack("!H", tcp[2:4])[0] != port:
            continue
        payload = tcp[(tcp[12] >> 4) * 4:]
        total = struct.unpack("!H", ip[2:4])[0] - (ip[0] & 15) * 4 \
            - (tcp[12] >> 4) * 4
        payload = payload[:total]
        if len(payload) == INIT_LEN and payload[0] == INIT_TYPE:
            with open(out, "wb") as f:
                f.write(payload)
            return 0
    return 1


def connect(host, port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(2)
    try:
        s.connect((host, port))
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s


class Conn:
    def __init__(self, kind, src):
        self.kind = kind
        self.src = src
        self.sock = None
        self.opened = 0.0
        self.next_open = 0.0
        self.next_byte = 0.0
        self.got = 0


def attack(host, port, init, seconds, stop, replay_from, trickle_from):
    conns = [Conn("replay", replay_from) for _ in range(32)]
    for src in trickle_from:
        conns += [Conn("trickle", src) for _ in range(3)]
    stats = {"replays": 0, "answered": 0, "trickles": 0,
             "trickle_closed": 0, "trickle_longest": 0.0}
    end = time.monotonic() + seconds
    while True:
        now = time.monotonic()
        if now >= end or os.path.exists(stop):
            break
        for c in conns:
            if c.sock is None and now >= c.next_open:
                c.sock = connect(host, port, c.src)
                c.opened = now
                c.got = 0
                if c.sock is None:
                    c.next_open = now + 0.5
                    continue
                if c.kind == "replay":
                    try:
                        c.sock.send(init)
                        stats["replays"] += 1
                    except OSError:
                        pass
                else:
                    stats["trickles"] += 1
                    c.next_byte = now
            if c.sock is not None and c.kind == "trickle" and \
                    now >= c.next_byte:
                try:
                    c.sock.send(init[:1])
                except OSError:
                    pass
                c.next_byte = now + 9
        socks = {c.sock: c for c in conns if c.sock is not None}
        ready = select.select(list(socks), [], [], 0.1)[0] if socks else []
        now = time.monotonic()
        for s in ready:
            c = socks[s]
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data:
                if c.got < RESP_LEN <= c.got + len(data):
                    stats["answered"] += 1
                c.got += len(data)
                continue
            if c.kind == "trickle":
                stats["trickle_closed"] += 1
                stats["trickle_longest"] = max(stats["trickle_longest"],
                                               round(now - c.opened, 2))
            s.close()
            c.sock = None
            c.next_open = now + 0.5
    for c in conns:
        if c.sock is not None:
            c.sock.close()
    print(json.dumps(stats))
    return 0


def replay(host, port, init, count):
    answered = 0
    for _ in range(count):
        s = connect(host, port, "0.0.0.0")
        if s is None:
            continue
        s.setblocking(True)
        s.settimeout(15)
        got = b""
        try:
            s.sendall(init)
            while True:
                data = s.recv(4096)
                if not data:
                    break
                got += data
                if len(got) >= RESP_LEN:
                    answered += 1
                    break
        except OSError:
            pass
        s.close()
    print(answered)
    return 0


def idle(host, port, src, count, seconds):
    socks = []
    for _ in range(count):
        socks.append((connect(host, port, src), time.monotonic()))
        time.sleep(0.2)
    closed = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end and len(closed) < count:
        live = [s for s, _ in socks if s is not None and s not in closed]
        ready = select.select(live, [], [], 0.1)[0] if live else []
        for s in ready:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed[s] = time.monotonic()
    out = []
    for i, (s, opened) in enumerate(socks):
        if s in closed:
            out.append("%d@%.1f" % (i, closed[s] - opened))
        if s is not None:
            s.close()
    print(" ".join(out))
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "capture":
        return capture(argv[2], int(argv[3]), argv[4], float(argv[5]))
    if cmd == "attack":
        init = open(argv[4], "rb").read()
        return attack(argv[2], int(argv[3]), init, float(argv[5]), argv[6],
                      argv[7], argv[8:])
    if cmd == "replay":
        init = open(argv[4], "rb").read()
        return replay(argv[2], int(argv[3]), init, int(argv[5]))
    if cmd == "idle":
        return idle(argv[2], int(argv[3]), argv[4], int(argv[5]),
                    float(argv[6]))
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
