"""Result and source files, through Django STORAGES.

Local disk by default; an S3-compatible bucket for scale-out (django-storages, whose PUTs are
atomic by nature). Names are deterministic, so a re-run of the same item generation rewrites the
same file instead of leaving orphans; local writes go to a temporary file first and are renamed
into place, so a reader never sees half a file and a killed worker never leaves one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

CHUNK_BYTES = 256 * 1024


class AtomicFileSystemStorage(FileSystemStorage):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("allow_overwrite", True)
        super().__init__(**kwargs)

    def _save(self, name: str, content) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        descriptor, draft = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                for chunk in content.chunks():
                    handle.write(chunk)
            os.chmod(draft, self.file_permissions_mode or 0o644)
            os.replace(draft, full_path)
        except BaseException:
            if os.path.exists(draft):
                os.unlink(draft)
            raise
        return name

    def iter_chunks(self, name: str) -> Iterator[bytes]:
        """The stored file in pieces of at most CHUNK_BYTES, never whole in memory."""
        with self.open(name, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk


class BucketStorage(S3Storage):
    """An S3-compatible bucket shared by every machine.

    A PUT replaces the object whole or not at all, so there is nothing to rename; overwriting is
    forced on, because a storage that picked a free name would break the deterministic names.
    """

    def __init__(self, **kwargs) -> None:
        kwargs["file_overwrite"] = True
        super().__init__(**kwargs)

    def iter_chunks(self, name: str) -> Iterator[bytes]:
        # Straight from the GET's body: S3File would first copy the whole object aside.
        key = self._normalize_name(clean_name(name))
        yield from self.bucket.Object(key).get()["Body"].iter_chunks(CHUNK_BYTES)


def result_name(account_id: int, item_id, generation: int, variant: str, extension: str) -> str:
    return f"results/{account_id}/{item_id}/{generation}/{variant}.{extension}"


def source_name(account_id: int, sha256: str) -> str:
    return f"sources/{account_id}/{sha256}"


def write(name: str, data: bytes) -> str:
    """Write bytes under exactly ``name`` (replacing what was there)."""
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # a storage that renames instead of overwriting would break deterministic names
        raise RuntimeError(f"storage renamed {name!r} to {saved!r}; configure it to overwrite")
    return saved


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def delete_all(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


async def stream(name: str) -> AsyncIterator[bytes]:
    """``iter_chunks`` for an ASGI response: each read runs in a thread, so the event loop never
    blocks and Django never has to collect a synchronous iterator into a list first."""
    pieces = default_storage.iter_chunks(name)
    done = object()
    while (chunk := await sync_to_async(next, thread_sensitive=False)(pieces, done)) is not done:
        yield chunk
