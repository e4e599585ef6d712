#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# tamper-signed.py IMAGE: flips one signed byte of the image's sigstruct (its
# build date, at 0x1000 + 20) and re-fixes the 16-bit image checksum, so that
# the header, the checksum and the seamhash still pass and only the RSA
# signature can tell. Used by the cli, bus and vm tests.
import struct
import sys

path = sys.argv[1]
b = bytearray(open(path, "rb").read())
b[0x1000 + 20] ^= 0x01
b[2:4] = b"\0\0"
s = sum(struct.unpack_from("<%dH" % (len(b) // 2), b)) & 0xFFFF
b[2:4] = struct.pack("<H", (0x10000 - s) & 0xFFFF)
open(path, "wb").write(b)
