#!/usr/bin/python3
"""Writes a transaction log that makes a naive resynchronisation quadratic (BENCHMARKS.md,
"Data files"): after a first entry whose length does not fit, a candidate entry every 16 bytes
(zero high checksum half, a length reaching one shared end-of-record byte, a checksum that
never matches) over REGION bytes, then one valid entry.
Usage: crafted-resync.py OUT [REGION_MIB]"""
import struct, sys, zlib

out, mib = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 4
region = mib << 20
b = bytearray(b"ZKLG\0\0\0\x02" + b"\0" * 8)
b += struct.pack(">qi", 1, 0x7FFFFFFF)
end = len(b) + region
while len(b) + 16 <= end:
    b += struct.pack(">qi", 1, end - len(b) - 12) + b"\xab" * 4
b += b"\xab" * (end - len(b)) + b"B"
# One valid setData: TxnHeader, SetDataTxn("/a", "v", 1), TxnDigest.
txn = struct.pack(">qiqqi", 1, 7, 1, 1_700_000_000_000, 5)
txn += struct.pack(">i", 2) + b"/a" + struct.pack(">i", 1) + b"v" + struct.pack(">i", 1)
txn += struct.pack(">iq", 2, 1)
b += struct.pack(">qi", zlib.adler32(txn), len(txn)) + txn + b"B" + b"\0" * 100
open(out, "wb").write(b)
