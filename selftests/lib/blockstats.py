#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""blockstats.py IMAGE...: what zero detection and deduplication could save
on each image, for blocks of 4, 16 and 64 KiB: the bytes in zero blocks, in
blocks whose SHA-256 an earlier block of the image had, and the rest.  The
numbers behind the 4 KiB block of Documentation/hcxrepl/design.rst."""
import hashlib
import sys

SIZES = (4096, 16384, 65536)


def stats(path, size):
    zero = dup = rest = 0
    seen = set()
    zeroes = bytes(size)
    with open(path, "rb") as f:
        while block := f.read(size):
            if block == zeroes[: len(block)]:
                zero += len(block)
                continue
            digest = hashlib.sha256(block).digest()
            if digest in seen:
                dup += len(block)
            else:
                seen.add(digest)
                rest += len(block)
    return zero, dup, rest


def main():
    print(f"{'image':24} {'block':>6} {'zero':>6} {'dup':>6} {'rest':>6}")
    for path in sys.argv[1:]:
        for size in SIZES:
            zero, dup, rest = stats(path, size)
            total = zero + dup + rest
            print(f"{path.split('/')[-1]:24} {size // 1024:4} K"
                  f" {zero / total:6.1%} {dup / total:6.1%} {rest / total:6.1%}")


if __name__ == "__main__":
    main()
