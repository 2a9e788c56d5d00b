#!/usr/bin/env python3
"""Writes synthetic battle maps as PNG files (standard library only): a parchment ground with
grain, a dark grid, stone rooms. What a VTT map looks like to an encoder, like
tests/support/images.rs's battle_map, drawn row by row so a 4096x4096 map takes seconds.

Usage: make_maps.py OUT_DIR WxH [WxH ...]   (writes map-1.png, map-2.png, ... in OUT_DIR)
"""
import os
import random
import struct
import sys
import zlib


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def battle_map(width: int, height: int, cell: int, seed: int) -> bytes:
    rng = random.Random(seed)
    rooms = []
    for i in range(12):
        x0, y0 = rng.randrange(max(width - 300, 1)), rng.randrange(max(height - 300, 1))
        rooms.append((x0, y0, 120 + i * 13 % 180, 90 + i * 29 % 200))
    raw = bytearray()
    for y in range(height):
        # Grain: random bytes folded into 24 levels around a shade that darkens to the corner.
        shade = int(y / height * 20)
        grain = rng.randbytes(width)
        row = bytearray(width * 3)
        for c, base in enumerate((214, 190, 150)):
            table = bytes(max(0, min(255, base - shade - 12 + b % 24)) for b in range(256))
            row[c::3] = grain.translate(table)
        for x0, y0, w, h in rooms:
            if y0 <= y < y0 + h:
                x1 = min(x0 + w, width)
                edge = y < y0 + 6 or y >= y0 + h - 6
                stone = bytes((40, 36, 32)) if edge else bytes((128, 128, 120))
                row[x0 * 3 : x1 * 3] = stone * (x1 - x0)
                if not edge:
                    row[x0 * 3 : (x0 + 6) * 3] = bytes((40, 36, 32)) * 6
                    row[(x1 - 6) * 3 : x1 * 3] = bytes((40, 36, 32)) * 6
        if y % cell == 0:
            row[:] = bytes((60, 50, 40)) * width
        else:
            for x in range(0, width, cell):
                row[x * 3 : x * 3 + 3] = bytes((60, 50, 40))
        raw += b"\0" + row
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b"")


def main() -> None:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for i, size in enumerate(sys.argv[2:], start=1):
        width, height = map(int, size.split("x"))
        path = os.path.join(out, f"map-{i}.png")
        with open(path, "wb") as f:
            f.write(battle_map(width, height, 64, i))
        print(f"{path}: {width}x{height}, {os.path.getsize(path) // 1024} KB", file=sys.stderr)


if __name__ == "__main__":
    main()
