#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""chunkdiff.py A B CHUNK: print how many CHUNK-byte chunks of A differ
from B's (A and B files or devices of the same size; '-' reads standard
input, so that a device can come through dd iflag=direct).  The tests
count with it what a replica still misses, independently of the module."""

import sys


def open_input(path):
    return sys.stdin.buffer if path == "-" else open(path, "rb")


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: chunkdiff.py A B CHUNK")
    chunk = int(sys.argv[3])
    a, b = open_input(sys.argv[1]), open_input(sys.argv[2])
    differ = 0
    while True:
        x, y = a.read(chunk), b.read(chunk)
        if len(x) != len(y):
            sys.exit("chunkdiff.py: the two inputs differ in size")
        if not x:
            break
        differ += x != y
    print(differ)


if __name__ == "__main__":
    main()
