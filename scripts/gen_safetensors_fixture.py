#!/usr/bin/python3
"""Writes tests/fixtures/nn/sample.safetensors with struct + json only (no safetensors package),
following the format's specification, so mica's reader is tested against an independent writer.

Run with /usr/bin/python3 from the repository root. Layout choices differ from mica's writer on
purpose: tensors in insertion order (not by dtype size), the header padded to 8 bytes with
spaces, __metadata__ last. Values (checked literally in tests/nn/safetensors_test.cpp):
  f32   F32  [2, 3]  arange(6) * 0.5 - 1
  f64   F64  [3]     [1/3, -2.5, 1e300]
  bf16  BF16 [4]     bit patterns of bfloat16 [1.0, -2.0, 0.5, 3.140625]
  f16   F16  [2, 2]  bit patterns of float16 [1.0, -0.5, 65504, 0.000061035156] (last: 2^-14)
  i64   I64  []      -123456789012345
  i32   I32  [3]     [-7, 0, 2147483647]
  u8    U8   [4]     [0, 1, 128, 255]
  mask  BOOL [3]     [True, False, True]
  empty F32  [0, 4]  no bytes
"""
import json
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "nn",
                   "sample.safetensors")


def main():
    tensors = [
        ("f32", "F32", [2, 3], struct.pack("<6f", *[i * 0.5 - 1 for i in range(6)])),
        ("f64", "F64", [3], struct.pack("<3d", 1 / 3, -2.5, 1e300)),
        ("bf16", "BF16", [4], struct.pack("<4H", 0x3F80, 0xC000, 0x3F00, 0x4049)),
        ("f16", "F16", [2, 2], struct.pack("<4e", 1.0, -0.5, 65504.0, 2.0 ** -14)),
        ("i64", "I64", [], struct.pack("<q", -123456789012345)),
        ("i32", "I32", [3], struct.pack("<3i", -7, 0, 2147483647)),
        ("u8", "U8", [4], bytes([0, 1, 128, 255])),
        ("mask", "BOOL", [3], bytes([1, 0, 1])),
        ("empty", "F32", [0, 4], b""),
    ]
    header = {}
    data = b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = {"format": "pt", "source": "scripts/gen_safetensors_fixture.py"}
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    print("wrote", OUT, 8 + len(text) + len(data), "bytes")


if __name__ == "__main__":
    main()
