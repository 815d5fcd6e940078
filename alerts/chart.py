"""A daily trend chart as a PNG, written by hand (zlib only): mail clients such as Gmail
drop SVG and data: images, but show a PNG attached inline by Content-ID.

Bars are mentions per day; the red part of each bar is the negative mentions.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

from monitor.digest import DayCount

BACKGROUND = (255, 255, 255)
AXIS = (203, 213, 225)
TOTAL = (148, 163, 184)
NEGATIVE = (220, 38, 38)
TODAY = (71, 85, 105)

Colour = tuple[int, int, int]


def png(pixels: Sequence[bytes | bytearray], width: int) -> bytes:
    """Encode RGB rows (3 bytes a pixel) as a PNG."""
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", width, len(pixels), 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def trend_png(series: Sequence[DayCount], width: int = 560, height: int = 120) -> bytes:
    """One bar per day, the last one (the digest's day) darker; drawn at 2x for sharp screens."""
    scale = 2
    w, h = width * scale, height * scale
    canvas = [bytearray(bytes(BACKGROUND) * w) for _ in range(h)]
    top = max((day.mentions for day in series), default=0) or 1
    floor = h - 2 * scale  # the axis line sits under the bars
    usable = floor - 4 * scale
    slot = w / max(len(series), 1)
    gap = max(int(slot * 0.2), scale)
    for index, day in enumerate(series):
        left = int(index * slot) + gap // 2
        right = int((index + 1) * slot) - gap // 2
        total = round(usable * day.mentions / top)
        negative = round(usable * day.negative / top)
        colour = TODAY if index == len(series) - 1 else TOTAL
        _fill(canvas, left, right, floor - total, floor - negative, colour)
        _fill(canvas, left, right, floor - negative, floor, NEGATIVE)
    _fill(canvas, 0, w, floor, floor + scale, AXIS)
    return png(canvas, w)


def _fill(canvas: list[bytearray], x0: int, x1: int, y0: int, y1: int, colour: Colour) -> None:
    if x1 <= x0 or y1 <= y0:
        return
    span = bytes(colour) * (x1 - x0)
    for y in range(max(y0, 0), min(y1, len(canvas))):
        canvas[y][x0 * 3 : x1 * 3] = span
