#!/usr/bin/env python3
"""Compresses a file into BGZF, the blocked gzip of the SAM/BAM specification,
in which nnclass ships its data files (nn_bgzf_compress in src/io/idx_write.c
writes the same bytes). nnclass reads them as any gzip file, in one stream.

  scripts/bgzf.py INPUT OUTPUT    INPUT raw or gzipped (inflated first)
  scripts/bgzf.py --check FILE    exit status 0 when FILE is BGZF, 1 if not

The output is an ordinary gzip file to every other tool (gzip -d, zcat,
Python's gzip module) and is reproducible: members of 65280 bytes of data,
each deflated by zlib at level 9 with no time stamp, then the empty member
that ends a BGZF file. `bgzip` writes the same layout, but Debian's build
compresses with libdeflate, whose output zlib inflates about 15 % slower.
"""
import gzip
import struct
import sys
import zlib

BLOCK = 65280  # bgzip's block: the member's total size must fit in 16 bits
EOF_MEMBER = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def member(data):
    comp = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    deflated = comp.compress(data) + comp.flush()
    size = 12 + 6 + len(deflated) + 8
    if size > 65536:
        raise ValueError("a member does not fit in 64 KiB")
    header = struct.pack("<4BI2BH2BHH", 0x1F, 0x8B, 8, 4, 0, 0, 0xFF, 6,
                         ord("B"), ord("C"), 2, size - 1)
    return header + deflated + struct.pack("<II", zlib.crc32(data), len(data))


def is_bgzf(path):
    """Whether the file starts with a BGZF member header (subfield "BC")."""
    with open(path, "rb") as f:
        head = f.read(16)
    return len(head) == 16 and head[:4] == b"\x1f\x8b\x08\x04" and head[12:14] == b"BC"


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        return 0 if is_bgzf(sys.argv[2]) else 1
    if len(sys.argv) != 3:
        print("usage: bgzf.py INPUT OUTPUT | bgzf.py --check FILE", file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    with open(sys.argv[2], "wb") as out:
        for i in range(0, len(raw), BLOCK):
            out.write(member(raw[i : i + BLOCK]))
        out.write(EOF_MEMBER)
    return 0


if __name__ == "__main__":
    sys.exit(main())
