"""One attempt at one item: read or fetch the source, run the engine, store the variants, and for
an S3 write-back item write the result to its bucket (a failed write fails the item)."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.db import DatabaseError

from optimizer.engine import EngineError, Limits, Result, optimize
from optimizer.fetch.errors import FetchError

from . import lifecycle, results, s3, sources, storage
from .downloads import CONTENT_TYPES
from .lifecycle import Claim
from .models import Item, Variant
from .options import spec_from_json

log = logging.getLogger(__name__)

INTERNAL_ERROR = "internal_error"


def engine_limits() -> Limits:
    return Limits(
        max_pixels=settings.REDUCER_MAX_PIXELS,
        max_frames=settings.REDUCER_MAX_FRAMES,
        max_bytes=settings.REDUCER_MAX_BYTES,
    )


def load_source(item: Item) -> bytes:
    if item.source_name:
        return storage.read(item.source_name)
    return sources.fetch_source(item)


def servable(variant) -> bool:
    """Worth serving instead of the source: encoded and strictly smaller."""
    return variant.data is not None and variant.smaller


def stored(variant) -> bool:
    """Kept as a file: what is worth serving, and every conversion that could be made (a client that
    asked for WebP or AVIF gets that format and judges its size itself; see optimizer.results)."""
    return servable(variant) or (variant.data is not None and results.is_conversion(variant.target))


def store_variants(claim: Claim, result: Result) -> list[Variant]:
    """Write every servable variant under its deterministic name; describe them all."""
    item = claim.item
    rows = []
    for variant in result.variants:
        name = results.target_name(variant.target)
        storage_name = ""
        if stored(variant):
            extension = "jpg" if variant.format.value == "jpeg" else variant.format.value
            storage_name = storage.write(
                storage.result_name(item.account_id, item.pk, claim.generation, name, extension), variant.data
            )
        rows.append(
            Variant(
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
        )
    return rows


def write_back(item: Item, source: bytes, result: Result, variants: list[Variant]) -> None:
    """Write the first target's result (or the source, when that is not smaller) to the item's bucket.

    On failure the variant files just stored are deleted: no Variant row will ever name them.
    """
    try:
        target = item.s3_target
        if target is None:  # the account removed the target after the request
            raise s3.WriteFailed("The bucket of this request is no longer configured for the account.")
        variant = result.variants[0]
        data, fmt = (variant.data, variant.format) if servable(variant) else (source, result.source_format)
        s3.put(target, item.s3_key, data, CONTENT_TYPES[fmt.value])
    except s3.WriteFailed:
        storage.delete_all([row.storage_name for row in variants if row.storage_name])
        raise


def run(claim: Claim) -> None:
    item = claim.item
    try:
        data = load_source(item)
        digest = hashlib.sha256(data).hexdigest()
        if lifecycle.complete_unchanged(claim, digest):
            return
        result = optimize(data, spec_from_json(item.options), engine_limits())
        variants = store_variants(claim, result)
        if item.s3_key:
            write_back(item, data, result, variants)
    except (EngineError, FetchError, s3.WriteFailed) as error:
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
