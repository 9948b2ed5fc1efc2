"""The engine fuzzer's parts: seed images, the damage done to them, and a runner that survives them.

Seeds are small real encodings of every accepted format (and small twins of the public corpus, plus
its small files as they are). Each seed is cut at several offsets, has header bits flipped and bytes
patched, and has its chunks (PNG), segments (JPEG), RIFF chunks (WebP) or IFD entries (TIFF) dropped,
doubled and reordered. Everything is derived from fixed seeds: a failure names a case that can be
rebuilt.

Cases run in child processes so that an input which kills its process (native code calling exit(),
a segfault) or hangs is reported as such, by name, instead of ending the test session.
"""

from __future__ import annotations

import io
import multiprocessing
import random
import struct
import traceback
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

from optimizer.engine import Format, Limits, Metadata, Mode, Resize, ResizeMode, Result, Spec, Target

from .conftest import encode, photo
from .hostile import exif_block, jpeg_build, jpeg_segments, png_build, png_chunk, png_chunks, tiff_ifds

# The codes the engine documents (optimizer/engine/__init__.py); anything else is a bug.
DOCUMENTED = {
    "unsupported_format",
    "corrupt_image",
    "truncated_image",
    "image_too_large",
    "decompression_bomb",
    "target_unreachable",
    "invalid_spec",
}
CASE_TIMEOUT = 60  # seconds; the cases are small, a slower one is hung
# Small limits keep the fuzz fast: a patched header claiming a huge image is refused, not decoded.
FUZZ_LIMITS = Limits(max_pixels=1_000_000, max_frames=50, max_decode_bytes=8 * 1024 * 1024)

Case = tuple[str, bytes]


# --- seeds ----------------------------------------------------------------------------------------


def _synthetic() -> dict[str, bytes]:
    """One small real encoding of each kind of file the engine takes."""
    rgb, rgba = photo(48, 40), photo(48, 40, mode="RGBA")
    frames = [photo(32, 24, seed=seed).quantize(32) for seed in range(3)]
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    orientation = exif_block([(0x0112, 3, 1, struct.pack("<H", 6)), (0x8298, 2, 4, b"me\0\0")])
    palette = rgb.quantize(16)
    palette.info["transparency"] = 3
    return {
        "jpeg": encode(rgb, "JPEG", quality=80, exif=orientation, icc_profile=icc),
        "jpeg-progressive-grey": encode(rgb.convert("L"), "JPEG", progressive=True),
        "jpeg-cmyk": encode(rgb.convert("CMYK"), "JPEG"),
        "mpo": encode(rgb, "MPO", save_all=True, append_images=[photo(24, 20, seed=3)]),
        "png-rgb": encode(rgb, "PNG", icc_profile=icc, exif=orientation),
        "png-rgba": encode(rgba, "PNG"),
        "png-palette-trns": encode(palette, "PNG"),
        "png-16bit-grey": encode(Image.fromarray(np.asarray(rgb.convert("L"), np.uint16) * 257), "PNG"),
        "apng": encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=80),
        "gif": encode(palette, "GIF"),
        "gif-animated": encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0),
        "webp-lossy": encode(rgb, "WEBP", quality=70),
        "webp-lossless-alpha": encode(rgba, "WEBP", lossless=True),
        "webp-animated": encode(frames[0].convert("RGB"), "WEBP", save_all=True,
                                append_images=[f.convert("RGB") for f in frames[1:]], duration=80),
        "avif": encode(rgb, "AVIF", quality=60),
        "bmp": encode(rgb, "BMP"),
        "bmp-palette": encode(palette.convert("P"), "BMP"),
        "tiff-lzw": encode(rgb, "TIFF", compression="tiff_lzw"),
        "tiff-fax-pages": encode(rgb.convert("1"), "TIFF", compression="group4", save_all=True,
                                 append_images=[photo(48, 40, seed=2).convert("1")]),
        "tiff-jpeg": encode(rgb, "TIFF", compression="jpeg"),
    }


def _small_twin(path: Path) -> bytes | None:
    """The image re-encoded at most 64 pixels a side in its own format, with its colour profile,
    EXIF and (for a GIF) up to four frames; None for what Pillow cannot write back."""
    with Image.open(path) as im:
        if im.format not in ("JPEG", "PNG", "GIF"):
            return None
        im.draft(im.mode, (64, 64))  # JPEG: decode at 1/2..1/8 scale, cheaply
        keep = {key: im.info[key] for key in ("icc_profile", "exif", "transparency") if im.info.get(key)}
        fmt = im.format
        frames = []
        for index in range(min(getattr(im, "n_frames", 1), 4)):
            im.seek(index)
            frame = im.copy()
            frame.thumbnail((64, 64))
            frames.append(frame)
    if fmt == "JPEG":
        keep.pop("transparency", None)
        return encode(frames[0].convert("RGB") if frames[0].mode not in ("L", "RGB", "CMYK") else frames[0],
                      "JPEG", progressive=True, **keep)
    if fmt == "GIF":
        keep.pop("icc_profile", None)
        return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], **keep)
    return encode(frames[0], "PNG", **keep)


def seeds(corpus: Path | None) -> dict[str, bytes]:
    """The synthetic seeds, and for each corpus image its small twin; corpus files under 100 KB too."""
    found = _synthetic()
    if corpus is not None:
        for path in sorted(corpus.iterdir()):
            twin = _small_twin(path)
            if twin is not None:
                found[f"{path.stem}-small"] = twin
            if path.stat().st_size < 100_000:
                found[path.stem] = path.read_bytes()
    return found


# --- damage ---------------------------------------------------------------------------------------


def truncations(data: bytes) -> Iterator[tuple[str, bytes]]:
    ends = {1, 8, 16, 33, 64, 200, len(data) // 4, len(data) // 2, 3 * len(data) // 4, len(data) - 16,
            len(data) - 1}
    for end in sorted(e for e in ends if 0 < e < len(data)):
        yield f"cut at {end}", data[:end]


def bit_flips(data: bytes, rng: random.Random, count: int = 6) -> Iterator[tuple[str, bytes]]:
    """A few bits flipped in the first 256 bytes, where headers are."""
    span = min(len(data), 256)
    for _ in range(count):
        flipped = bytearray(data)
        bits = sorted((pos, rng.randrange(8)) for pos in rng.sample(range(span), min(span, rng.randint(1, 3))))
        for pos, bit in bits:
            flipped[pos] ^= 1 << bit
        yield f"bits flipped (byte, bit) {bits}", bytes(flipped)
    for value in (0x00, 0xFF):
        patched = bytearray(data)
        positions = sorted(rng.sample(range(span), min(span, 4)))
        for pos in positions:
            patched[pos] = value
        yield f"bytes {positions} set to {value:#x}", bytes(patched)


def _png_damage(data: bytes) -> Iterator[tuple[str, bytes]]:
    chunks = png_chunks(data)
    kinds = [kind for kind, _ in chunks]
    for i, (kind, _) in enumerate(chunks):
        yield f"PNG without chunk {i} {kind!r}", png_build(chunks[:i] + chunks[i + 1 :])
        yield f"PNG with chunk {i} {kind!r} twice", png_build(chunks[: i + 1] + chunks[i:])
    for i in range(len(chunks) - 1):
        swapped = [*chunks[:i], chunks[i + 1], chunks[i], *chunks[i + 2:]]
        yield f"PNG with chunks {i} and {i + 1} swapped", png_build(swapped)
    yield "PNG with IEND first", png_build([chunks[0], chunks[-1], *chunks[1:-1]])
    yield "PNG with chunks reversed", png_build([chunks[0], *reversed(chunks[1:])])
    if b"IDAT" in kinds:
        at = kinds.index(b"IDAT")
        body = chunks[at][1]
        split = [(b"IDAT", body[j : j + 7]) for j in range(0, len(body), 7)]
        yield "PNG with IDAT in 7-byte pieces", png_build(chunks[:at] + split + chunks[at + 1 :])
        yield "PNG with an empty IDAT first", png_build([*chunks[:at], (b"IDAT", b""), *chunks[at:]])
        yield "PNG with an unknown critical chunk", png_build([*chunks[:at], (b"ABCD", b"x"), *chunks[at:]])
        yield "PNG IDAT claiming 2 GB", png_build(chunks[:at]) + png_chunk(b"IDAT", body, length=0x7FFF_FFF0)
        bad_crc = png_build(chunks[: at + 1])
        yield "PNG IDAT with a bad CRC", bad_crc[:-1] + bytes([bad_crc[-1] ^ 1]) + png_build(chunks[at + 1 :])[8:]
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    for label, fields in (
        ("width 0", (0, height, depth, colour, interlace)),
        ("width 2^31-1", (0x7FFF_FFFF, height, depth, colour, interlace)),
        ("bit depth 3", (width, height, 3, colour, interlace)),
        ("colour type 5", (width, height, depth, 5, interlace)),
        ("palette colour type", (width, height, 8, 3, interlace)),
        ("16-bit depth", (width, height, 16, colour, interlace)),
        ("interlaced", (width, height, depth, colour, 1)),
        ("interlace method 2", (width, height, depth, colour, 2)),
    ):
        w, h, d, c, i = fields
        ihdr = struct.pack(">IIBBBBB", w, h, d, c, 0, 0, i)
        yield f"PNG IHDR {label}", png_build([(b"IHDR", ihdr), *chunks[1:]])
    if b"acTL" in kinds:
        at = kinds.index(b"acTL")
        for frames in (0, 1, 1000, 0xFFFF_FFFF):
            actl = (b"acTL", struct.pack(">II", frames, 0))
            yield f"APNG claiming {frames} frames", png_build([*chunks[:at], actl, *chunks[at + 1:]])


def _jpeg_damage(data: bytes) -> Iterator[tuple[str, bytes]]:
    segments, scan = jpeg_segments(data)
    for i, segment in enumerate(segments):
        marker = segment[1]
        yield f"JPEG without segment {i} {marker:#x}", jpeg_build(segments[:i] + segments[i + 1 :], scan)
        yield f"JPEG with segment {i} {marker:#x} twice", jpeg_build(segments[: i + 1] + segments[i:], scan)
        if 0xC0 <= marker <= 0xC2:
            for label, size in (("0x0", b"\0\0\0\0"), ("65535x65535", b"\xff\xff\xff\xff")):
                sof = segment[:5] + size + segment[9:]
                yield f"JPEG frame {label}", jpeg_build([*segments[:i], sof, *segments[i + 1:]], scan)
    for i in range(len(segments) - 1):
        swapped = [*segments[:i], segments[i + 1], segments[i], *segments[i + 2:]]
        yield f"JPEG with segments {i} and {i + 1} swapped", jpeg_build(swapped, scan)
    yield "JPEG with the scan twice", jpeg_build(segments, scan[:-2] + scan)
    yield "JPEG without its scan", jpeg_build(segments, b"\xff\xd9")


def _riff_damage(data: bytes) -> Iterator[tuple[str, bytes]]:
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        chunks.append(data[pos : pos + 8 + size + (size & 1)])
        pos += 8 + size + (size & 1)

    def riff(parts: list[bytes]) -> bytes:
        body = b"WEBP" + b"".join(parts)
        return b"RIFF" + struct.pack("<I", len(body)) + body

    for i, chunk in enumerate(chunks):
        yield f"WebP without chunk {i} {chunk[:4]!r}", riff(chunks[:i] + chunks[i + 1 :])
        yield f"WebP with chunk {i} {chunk[:4]!r} twice", riff(chunks[: i + 1] + chunks[i:])
    yield "WebP with chunks reversed", riff(list(reversed(chunks)))
    yield "WebP with a RIFF size of 2 GB", data[:4] + struct.pack("<I", 0x7FFF_FFFF) + data[8:]
    if chunks and chunks[0][:4] == b"VP8X":
        for flags in (0x00, 0x10, 0x02, 0xFF):  # alpha / animation bits claimed or denied
            vp8x = chunks[0][:8] + bytes([flags]) + chunks[0][9:]
            yield f"WebP VP8X flags {flags:#x}", riff([vp8x, *chunks[1:]])


def _tiff_damage(data: bytes) -> Iterator[tuple[str, bytes]]:
    if data[:2] != b"II":
        return
    for page, ifd in enumerate(tiff_ifds(data)):
        (count,) = struct.unpack("<H", data[ifd : ifd + 2])
        for entry in range(ifd + 2, ifd + 2 + 12 * count, 12):
            (tag,) = struct.unpack("<H", data[entry : entry + 2])
            yield f"TIFF page {page} without tag {tag}", data[:entry] + b"\xe8\xfd" + data[entry + 2 :]
            huge = data[:entry + 4] + struct.pack("<I", 0x3FFF_FFFF) + data[entry + 8 :]
            yield f"TIFF page {page} tag {tag} counting 2^30 values", huge
        yield f"TIFF page {page} claiming 65535 entries", data[:ifd] + b"\xff\xff" + data[ifd + 2 :]
        yield f"TIFF page {page} pointing at itself", data[:ifd + 2 + 12 * count] + struct.pack("<I", ifd) + data[
            ifd + 6 + 12 * count :]


def _gif_damage(data: bytes) -> Iterator[tuple[str, bytes]]:
    for label, screen in (("0x0", b"\0\0\0\0"), ("65535x65535", b"\xff\xff\xff\xff")):
        yield f"GIF screen {label}", data[:6] + screen + data[10:]
    yield "GIF without its trailer", data[:-1]
    yield "GIF with no global colour table flag", data[:10] + bytes([data[10] & 0x7F]) + data[11:]
    at = data.find(b"\x2c", 13)  # the first image descriptor (a guess that damage makes no worse)
    if at > 0:
        yield "GIF frame past the screen", data[: at + 5] + b"\xff\x7f\xff\x7f" + data[at + 9 :]


_STRUCTURAL: dict[bytes, Callable[[bytes], Iterator[tuple[str, bytes]]]] = {
    b"\x89PNG": _png_damage,
    b"\xff\xd8": _jpeg_damage,
    b"RIFF": _riff_damage,
    b"II*\x00": _tiff_damage,
    b"GIF8": _gif_damage,
}


def damaged(name: str, data: bytes) -> Iterator[Case]:
    """Every damaged version of one seed, named after it."""
    rng = random.Random(name)
    yield from ((f"{name}: {label}", bad) for label, bad in truncations(data))
    yield from ((f"{name}: {label}", bad) for label, bad in bit_flips(data, rng))
    for magic, damage in _STRUCTURAL.items():
        if data.startswith(magic):
            yield from ((f"{name}: {label}", bad) for label, bad in damage(data))


# --- running --------------------------------------------------------------------------------------

CHEAP = Spec(targets=(Target(Mode.LOSSLESS),))
EVERY_TARGET = tuple(Target(mode, fmt) for fmt in Format for mode in (Mode.LOSSY, Mode.LOSSLESS))


def _checked(result: Result) -> str:
    """'result', or what is wrong with it: every variant is a file Pillow reads, or absent with a reason."""
    for variant in result.variants:
        if variant.data is None:
            if not variant.note:
                return f"bad result: {variant.format} variant absent without a note"
            continue
        try:
            with Image.open(io.BytesIO(variant.data)) as out:
                out.load()
        except Exception as exc:
            return f"bad result: the {variant.format} variant does not decode: {exc}"
    return "result"


def outcome(data: bytes, job: str, limits: Limits = FUZZ_LIMITS) -> str:
    """What the engine made of ``data``: 'result', 'error:<code>', or a description of a crash.

    ``cheap``: the source format's lossless target (no metric search).
    ``every``: every format, lossy and lossless; the lossy ones at a fixed quality, or for a quarter
    of the inputs by the floor search; a third of the inputs resized.
    The file's length picks the variations, so a case always runs the same way; metadata is kept
    for half of them.
    """
    from optimizer.engine import EngineError, optimize

    keep = Metadata.KEEP if len(data) % 2 else Metadata.STRIP
    if job == "cheap":
        spec = Spec(targets=CHEAP.targets, metadata=keep)
    else:
        resize = Resize(ResizeMode.FIT, 24, 24) if len(data) % 3 == 0 else None
        quality = None if len(data) % 4 == 0 else 60
        spec = Spec(targets=EVERY_TARGET, metadata=keep, quality=quality, resize=resize)
    try:
        return _checked(optimize(data, spec, limits))
    except EngineError as exc:
        return f"error:{exc.code}"
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return f"crash: {type(exc).__name__}: {str(exc)[:200]} ({Path(frame.filename).name}:{frame.lineno})"


def _child(cases: list[Case], job: str, limits: Limits, conn: Connection) -> None:
    warnings.simplefilter("ignore")  # Pillow warns on every damaged file; outcomes are what count
    for _, data in cases:
        conn.send(outcome(data, job, limits))


def _run_shard(cases: list[Case], job: str, limits: Limits) -> dict[str, str]:
    context = multiprocessing.get_context("spawn")  # no inherited threads or state
    outcomes: dict[str, str] = {}
    index = 0
    while index < len(cases):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(cases[index:], job, limits, sender), daemon=True)
        process.start()
        sender.close()
        started = index
        while index < len(cases):
            name = cases[index][0]
            # a child's first case also waits for its imports
            if not receiver.poll(CASE_TIMEOUT * (2 if index == started else 1)):
                process.kill()
                outcomes[name] = f"hung for over {CASE_TIMEOUT} s"
                index += 1
                break
            try:
                outcomes[name] = receiver.recv()
            except EOFError:
                process.join()
                outcomes[name] = f"killed its process (exit code {process.exitcode})"
                index += 1
                break
            index += 1
        process.join()
        receiver.close()
    return outcomes


def run(cases: list[Case], job: str, limits: Limits = FUZZ_LIMITS, workers: int = 2) -> dict[str, str]:
    """Each case's outcome, by name, from ``workers`` child processes."""
    shards = [cases[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        results = pool.map(lambda shard: _run_shard(shard, job, limits), shards)
    return {name: result for shard in results for name, result in shard.items()}


def undocumented(outcomes: dict[str, str]) -> list[str]:
    """The cases that ended in anything but a checked Result or a documented error code."""
    allowed = {"result"} | {f"error:{code}" for code in DOCUMENTED}
    return [f"{name} -> {result}" for name, result in sorted(outcomes.items()) if result not in allowed]
