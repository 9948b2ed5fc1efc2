"""Which stored file answers a Tinify output, and the original a transformation starts from."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse

from optimizer import downloads, results, storage
from optimizer.engine import Format
from optimizer.models import Item, Variant
from optimizer.options import spec_from_json
from optimizer.pipeline import CLEAN

from .errors import TinifyError


def chosen(item: Item, allowed: Iterable[Format | None]) -> Variant:
    """The smallest stored file of a done item in an allowed format (None: the source's own).

    The own-format candidates are the optimized file and the clean source (the lossless
    re-encode kept when nothing is smaller), so a caller always gets the smaller of the two; a
    conversion is a candidate whether or not it beats the source, as Tinify converts when asked.
    """
    spec = spec_from_json(item.options)
    rows = Variant.objects.filter(item=item, generation=item.generation).exclude(storage_name="")
    made = {results.target_name(target): target.format for target in spec.targets}
    allowed = set(allowed)
    candidates = []
    for row in rows:
        if row.name == CLEAN:
            own = True
        elif row.name in made:
            own = made[row.name] is None
            if own and not row.smaller:
                continue
        else:
            continue
        if (own and None in allowed) or Format(row.format) in allowed:
            candidates.append(row)
    if not candidates:
        raise TinifyError(415, "UnsupportedFile", "The image cannot be converted to the requested type")
    return min(candidates, key=lambda row: row.size)


def read(variant: Variant) -> bytes:
    try:
        return storage.read(variant.storage_name)
    except OSError:
        raise TinifyError(404, "NotFound", "Output not found") from None


def streamed(variant: Variant) -> StreamingHttpResponse:
    """The stored file as an answer, streamed in bounded pieces (never whole in memory)."""
    if not default_storage.exists(variant.storage_name):
        raise TinifyError(404, "NotFound", "Output not found")
    return downloads.streamed(variant.storage_name, variant.size, variant.format)


def original(item: Item) -> bytes:
    """The source bytes a kept output was made from (kept for the retention period, like the
    output): resize, convert and preserve start from them, not from the compressed file, so
    nothing is compressed twice and the metadata to preserve is still there."""
    if item.source_name:
        try:
            return storage.read(item.source_name)
        except OSError:
            pass
    raise TinifyError(404, "NotFound", "The original of this output is no longer available; shrink it again")
