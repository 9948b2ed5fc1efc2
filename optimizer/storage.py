"""Result and source files, through Django STORAGES.

Local disk by default; an S3-compatible bucket for scale-out (django-storages, whose PUTs are
atomic by nature). Names are deterministic, so a re-run of the same item generation rewrites the
same file instead of leaving orphans; local writes go to a temporary file first and are renamed
into place, so a reader never sees half a file and a killed worker never leaves one.
"""

from __future__ import annotations

import os
import tempfile

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage


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
