"""Finding the files to send: walking the given paths, include/exclude globs, image types by content."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

BACKUP_NAME = ".reducer-backup"

# Signatures of what a reducer reads (JPEG, PNG, GIF, WebP, AVIF, BMP, TIFF): the extension can lie.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (0, b"GIF87a", "gif"),
    (0, b"GIF89a", "gif"),
    (8, b"WEBP", "webp"),
    (0, b"BM", "bmp"),
    (0, b"II*\x00", "tiff"),
    (0, b"MM\x00*", "tiff"),
)
_AVIF_BRANDS = (b"avif", b"avis")


def sniff(head: bytes) -> str | None:
    """The image type of a file from its first bytes, or None when it is not one we can send."""
    if head[4:8] == b"ftyp" and head[8:12] in _AVIF_BRANDS:
        return "avif"
    for offset, signature, kind in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature and (kind != "webp" or head[:4] == b"RIFF"):
            return kind
    return None


@dataclass(frozen=True)
class Found:
    """A file under one of the given paths; ``rel`` is its path below that root (POSIX form)."""

    path: Path
    root: Path
    rel: str


def walk(paths: Iterable[Path], include: list[str], exclude: list[str], skip: set[Path]) -> Iterator[Found]:
    """Regular files under ``paths`` (recursive, sorted), filtered by globs matched against the
    relative path and the name; ``skip`` holds folders and files never to enter (outputs, state)."""
    paths = list(paths)
    for given in paths:
        given = given.resolve()
        if given.is_file():
            candidates = [(given, given.parent, given.name)]
        else:
            # Several roots are kept apart under their own names in a mirrored tree.
            prefix = f"{given.name}/" if len(paths) > 1 else ""
            candidates = ((path, given, prefix + path.relative_to(given).as_posix()) for path in _files(given, skip))
        for path, root, rel in candidates:
            if path in skip or not _wanted(rel, include, exclude):
                continue
            yield Found(path, root, rel)


def _files(folder: Path, skip: set[Path]) -> Iterator[Path]:
    for current, dirs, names in os.walk(folder):
        here = Path(current)
        dirs[:] = sorted(name for name in dirs if name != BACKUP_NAME and here / name not in skip)
        for name in sorted(names):
            path = here / name
            if path.is_file() and not path.is_symlink():
                yield path


def _wanted(rel: str, include: list[str], exclude: list[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]

    def matches(patterns: list[str]) -> bool:
        return any(fnmatch(rel, pattern) or fnmatch(name, pattern) for pattern in patterns)

    return (not include or matches(include)) and not matches(exclude)


def sibling_name(rel: str, fmt: str, style: str) -> str:
    """``photo.jpg`` -> ``photo.jpg.webp`` (style "append") or ``photo.webp`` ("replace")."""
    if style == "replace":
        stem, dot, _ = rel.rpartition(".")
        if dot and "/" not in rel[len(stem) :]:
            return f"{stem}.{fmt}"
    return f"{rel}.{fmt}"
