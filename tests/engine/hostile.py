"""Damaged and hostile files built from real encoded images: chunks and segments are taken apart,
reordered, cut or patched at the byte level (with valid checksums where a decoder checks them)."""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- PNG ------------------------------------------------------------------------------------------


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, body) chunks of a well-formed PNG, in order."""
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def png_chunk(kind: bytes, body: bytes, length: int | None = None) -> bytes:
    """One chunk with a correct CRC; ``length`` overrides the length field (a lie about the body)."""
    size = len(body) if length is None else length
    return struct.pack(">I", size) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_build(chunks: list[tuple[bytes, bytes]]) -> bytes:
    return PNG_SIGNATURE + b"".join(png_chunk(kind, body) for kind, body in chunks)


def png_index(chunks: list[tuple[bytes, bytes]], kind: bytes) -> int:
    return next(i for i, (k, _) in enumerate(chunks) if k == kind)


def ztxt(keyword: bytes, text: bytes, method: int = 0) -> tuple[bytes, bytes]:
    return b"zTXt", keyword + b"\0" + bytes([method]) + zlib.compress(text)


# --- JPEG -----------------------------------------------------------------------------------------


def jpeg_segments(data: bytes) -> tuple[list[bytes], bytes]:
    """The marker segments before the scan (each with its marker), and the rest from SOS on."""
    segments, pos = [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF and data[pos + 1] != 0xDA:
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segments.append(data[pos : pos + 2 + length])
        pos += 2 + length
    return segments, data[pos:]


def jpeg_build(segments: list[bytes], scan: bytes) -> bytes:
    return b"\xff\xd8" + b"".join(segments) + scan


# --- EXIF and TIFF --------------------------------------------------------------------------------


def exif_block(entries: list[tuple[int, int, int, bytes]]) -> bytes:
    """A little-endian EXIF block (with its ``Exif\\0\\0`` prefix) of raw (tag, type, count, value)
    entries: values longer than four bytes go after the IFD, as the format wants."""
    ifd_size = 2 + 12 * len(entries) + 4
    extra = b""
    table = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            table += struct.pack("<HHII", tag, kind, count, 8 + ifd_size + len(extra))
            extra += value
    return b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + table + struct.pack("<I", 0) + extra


def tiff_ifds(data: bytes) -> list[int]:
    """Offsets of a little-endian TIFF's IFDs, in page order."""
    offsets = []
    (offset,) = struct.unpack("<I", data[4:8])
    while offset and offset not in offsets and offset + 2 <= len(data):
        offsets.append(offset)
        (count,) = struct.unpack("<H", data[offset : offset + 2])
        (offset,) = struct.unpack("<I", data[offset + 2 + 12 * count : offset + 6 + 12 * count])
    return offsets


def tiff_retag(data: bytes, ifd: int, tag: int, new_tag: int) -> bytes:
    """``data`` with one entry of the IFD at ``ifd`` renamed: its value stays, the tag is gone."""
    (count,) = struct.unpack("<H", data[ifd : ifd + 2])
    for entry in range(ifd + 2, ifd + 2 + 12 * count, 12):
        if struct.unpack("<H", data[entry : entry + 2])[0] == tag:
            return data[:entry] + struct.pack("<H", new_tag) + data[entry + 2 :]
    raise ValueError(f"tag {tag} not in the IFD at {ifd}")


def _segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body


def jpeg_with_an_out_of_range_coefficient() -> bytes:
    """An 8x8 grey JPEG whose one DC coefficient takes 15 bits, more than 8-bit JPEG allows (11).

    Decoders clamp it; a transcoder that re-encodes the coefficients meets a value it cannot code.
    """
    one_code = bytes([1] + [0] * 15)  # a single Huffman code of length 1: the bit 0
    return (
        b"\xff\xd8"
        + _segment(0xDB, b"\x00" + b"\x01" * 64)
        + _segment(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01\x01\x11\x00")
        + _segment(0xC4, b"\x00" + one_code + bytes([15]))  # DC: category 15
        + _segment(0xC4, b"\x10" + one_code + bytes([0]))  # AC: end of block
        + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        # 0 (DC category 15), fifteen 1s (the value), 0 (end of block), padding 1s; 0xFF is stuffed
        + b"\x7f\xff\x00\xbf"
        + b"\xff\xd9"
    )
