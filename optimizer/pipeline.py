"""One attempt at one item: read its stored source (a URL's was downloaded by the fetch step,
``optimizer.fetching``), run the engine, store the variants, and for an S3 write-back item write
the result to its bucket (a failed write fails the item).

Nothing this service hands out is the source's own bytes. Where a face serves a file of ours even
when no variant is smaller than the source (v1 downloads, the S3 write-back), a ``clean`` variant is
stored for it: the source re-encoded by the engine's lossless path, which keeps the pixels and drops
what rides along with them (bytes after the image's end, comments, application extensions, unknown
chunks). A polyglot file (an image that is also a script or a page) is thereby never served back.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import DatabaseError

from optimizer.engine import EngineError, Format, Limits, Metadata, Mode, Result, Spec, Target, optimize
from optimizer.engine import Variant as Encoded

from . import lifecycle, observe, results, s3, storage
from .downloads import CONTENT_TYPES
from .lifecycle import Claim
from .models import Item, Job, Variant
from .options import spec_from_json

log = logging.getLogger(__name__)

INTERNAL_ERROR = "internal_error"
CLEAN = "clean"  # the variant served instead of the source when no variant is smaller
# Faces that serve their first target's file from this host, and so need a stand-in for the source
# when that file is not smaller. The ShortPixel face answers the client's own URL instead.
SERVES_FIRST_TARGET = (Job.Face.V1, Job.Face.S3, Job.Face.TINIFY)
# Faces whose clients get a file of each format they named, whatever its size: Tinify's convert
# answers the type asked for even when that file is larger than the source.
KEEPS_NAMED_FORMATS = (Job.Face.TINIFY,)


def engine_limits() -> Limits:
    return Limits(
        max_pixels=settings.REDUCER_MAX_PIXELS,
        max_frames=settings.REDUCER_MAX_FRAMES,
        max_bytes=settings.REDUCER_MAX_BYTES,
        max_decode_bytes=settings.REDUCER_MAX_DECODE_BYTES,
        memory_budget=settings.REDUCER_WORKER_MEMORY_BUDGET,
    )


def load_source(item: Item) -> bytes:
    """The source's stored bytes: the upload, or the URL's download (the fetch step made it before
    the item could be claimed here; a CPU worker never waits on an origin)."""
    return storage.read(item.source_name)


def servable(variant) -> bool:
    """Worth serving instead of the source: encoded and strictly smaller."""
    return variant.data is not None and variant.smaller


def stored(variant, named_formats: bool = False) -> bool:
    """Kept as a file: what is worth serving, and every conversion that could be made (a client that
    asked for WebP or AVIF gets that format and judges its size itself; see optimizer.results); with
    ``named_formats``, every target of a named format too (JPEG and PNG included)."""
    if variant.data is None:
        return False
    named = named_formats and variant.target.format is not None
    return variant.smaller or named or results.is_conversion(variant.target)


def store_variants(claim: Claim, result: Result) -> list[Variant]:
    """Write every variant worth keeping under its deterministic name; describe them all."""
    named_formats = claim.item.job.face in KEEPS_NAMED_FORMATS
    return [
        _row(claim, results.target_name(variant.target), variant, keep=stored(variant, named_formats))
        for variant in result.variants
    ]


def _row(claim: Claim, name: str, variant: Encoded, *, keep: bool) -> Variant:
    """The Variant row of an engine variant, its file written first when ``keep``."""
    item = claim.item
    storage_name = ""
    if keep:
        extension = "jpg" if variant.format.value == "jpeg" else variant.format.value
        storage_name = storage.write(
            storage.result_name(item.account_id, item.pk, claim.generation, name, extension), variant.data
        )
    return Variant(
        item=item,
        generation=claim.generation,
        name=name,
        format=variant.format.value,
        storage_name=storage_name,
        size=variant.size,
        width=variant.width,
        height=variant.height,
        setting=variant.setting[:100],
        score=variant.score,
        smaller=variant.smaller,
        note=variant.note[:200],
    )


def needs_clean(item: Item, result: Result) -> bool:
    """Whether the item's face would otherwise have nothing of ours to serve: its first target's
    file is not smaller than the source."""
    return item.job.face in SERVES_FIRST_TARGET and not servable(result.variants[0])


def clean(data: bytes, spec: Spec, result: Result) -> Encoded:
    """What is served instead of the source: the source through the engine's lossless path in its
    own format (same pixels, nothing riding along), unresized, its transparency filled if asked.

    Where that path cannot hold the image (AVIF; a BMP or TIFF photo, whose own format is JPEG), the
    first target's re-encode stands in, or failing that a lossless PNG. Metadata follows the request,
    except that ``keep`` is narrowed to ``copyright`` (the colour profile, orientation and copyright
    stay): kept markers would carry the source's comments and XMP verbatim.
    """
    policy = Metadata.COPYRIGHT if spec.metadata is Metadata.KEEP else spec.metadata
    own_lossless = Target(Mode.LOSSLESS)
    if spec.resize is None and spec.metadata is policy and own_lossless in spec.targets:
        made = result.variants[spec.targets.index(own_lossless)]  # already is that file: not made twice
    else:
        made = _lossless(data, spec, policy, own_lossless)
    if made.data is not None:
        return made
    first = result.variants[0]
    if first.data is not None and spec.metadata is policy:
        return first
    return _lossless(data, spec, policy, Target(Mode.LOSSLESS, Format.PNG))


def _lossless(data: bytes, spec: Spec, policy: Metadata, target: Target) -> Encoded:
    only = Spec(targets=(target,), metadata=policy, cmyk_to_rgb=spec.cmyk_to_rgb, background=spec.background)
    return counted_optimize(data, only).variants[0]


def counted_optimize(data: bytes, spec: Spec) -> Result:
    """The engine's work on ``data`` under the configured limits, its CPU counted per variant kind."""
    result = optimize(data, spec, engine_limits())
    observe.encoded(result)
    return result


def write_back(item: Item, written: Encoded, variants: list[Variant]) -> None:
    """Write ``written`` (the first target's result, or the clean source when that is not smaller)
    to the item's bucket.

    On failure the variant files just stored are deleted: no Variant row will ever name them.
    """
    try:
        target = item.s3_target
        if target is None:  # the account removed the target after the request
            raise s3.WriteFailed("The bucket of this request is no longer configured for the account.")
        s3.put(target, item.s3_key, written.data, CONTENT_TYPES[written.format.value])
    except s3.WriteFailed:
        storage.delete_all([row.storage_name for row in variants if row.storage_name])
        raise


def run(claim: Claim) -> None:
    observe.start_item()
    item = claim.item
    try:
        data = load_source(item)
        digest = hashlib.sha256(data).hexdigest()
        if lifecycle.complete_unchanged(claim, digest):
            return
        spec = spec_from_json(item.options)
        result = counted_optimize(data, spec)
        variants = store_variants(claim, result)
        cleaned = clean(data, spec, result) if needs_clean(item, result) else None
        if cleaned is not None:
            variants.append(_row(claim, CLEAN, cleaned, keep=True))
        if item.s3_key:
            first = result.variants[0]
            write_back(item, first if servable(first) else cleaned, variants)
    except (EngineError, s3.WriteFailed) as error:
        lifecycle.fail(claim, error.code, error.message)
        return
    except DatabaseError:
        # Transient trouble with the database: keep the lease; the sweeper gives it another go.
        raise
    except Exception:
        log.exception("item %s failed unexpectedly", item.pk)
        lifecycle.fail(claim, INTERNAL_ERROR, "The image could not be processed because of an internal error.")
        return
    lifecycle.complete(claim, variants, original_size=len(data), source_sha256=digest)
