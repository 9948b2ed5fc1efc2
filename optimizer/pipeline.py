"""One attempt at one item: read or fetch the source, run the engine, store the variants."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError

from optimizer.engine import EngineError, Limits, Result, optimize
from optimizer.fetch.errors import FetchError

from . import lifecycle, sources, storage
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


def variant_name(variant) -> str:
    target = variant.target
    return f"{target.mode.value}-{target.format.value if target.format else 'original'}"


def store_variants(claim: Claim, result: Result) -> list[Variant]:
    """Write every servable variant under its deterministic name; describe them all."""
    item = claim.item
    rows = []
    for variant in result.variants:
        name = variant_name(variant)
        stored = ""
        if variant.data is not None and variant.smaller:
            extension = "jpg" if variant.format.value == "jpeg" else variant.format.value
            stored = storage.write(
                storage.result_name(item.account_id, item.pk, claim.generation, name, extension), variant.data
            )
        rows.append(
            Variant(
                item=item,
                generation=claim.generation,
                name=name,
                format=variant.format.value,
                storage_name=stored,
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


def run(claim: Claim) -> None:
    item = claim.item
    try:
        data = load_source(item)
        result = optimize(data, spec_from_json(item.options), engine_limits())
        variants = store_variants(claim, result)
    except (EngineError, FetchError) as error:
        lifecycle.fail(claim, error.code, error.message)
        return
    except DatabaseError:
        # Transient trouble with the database: keep the lease; the sweeper gives it another go.
        raise
    except Exception:
        log.exception("item %s failed unexpectedly", item.pk)
        lifecycle.fail(claim, INTERNAL_ERROR, "The image could not be processed because of an internal error.")
        return
    lifecycle.complete(claim, variants, original_size=len(data))
