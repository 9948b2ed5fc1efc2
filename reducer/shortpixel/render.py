"""Writing ShortPixel answers: one result object per item, every field the clients read."""

from __future__ import annotations

from django.conf import settings

from optimizer.downloads import public_url
from optimizer.engine import Format, Mode
from optimizer.models import Item, Variant
from optimizer.options import spec_from_json

from .status import FOR_ERROR_CODE, Status, status_body

NOT_ASKED = "NA"

# Slot name in the answer -> which variant fills it, per mode of the request.
#   {mode} is the requested mode: lossy, glossy or lossless.
URL_SLOTS = {
    "WebPLosslessURL": ("WebPLosslessSize", "lossless-webp"),
    "WebPLossyURL": ("WebPLossySize", "{mode}-webp"),
    "AVIFLosslessURL": ("AVIFLosslessSize", "lossless-avif"),
    "AVIFLossyURL": ("AVIFLossySize", "{mode}-avif"),
}


def upload_url(sha256: str, filename: str) -> str:
    """The stable reference of an uploaded file, which later file_urls polls name."""
    return f"{settings.PUBLIC_URL}/u/{sha256}/{filename}"


def pending(original_url: str) -> dict:
    return {"Status": status_body(Status.PENDING), "OriginalURL": original_url}


def failure(original_url: str, code: Status, message: str = "") -> dict:
    return {"Status": status_body(code, message), "OriginalURL": original_url}


def item_result(item: Item, original_url: str) -> dict:
    """The answer for one item, as it stands now."""
    if item.status in (Item.Status.QUEUED, Item.Status.RUNNING):
        return pending(original_url)
    if item.status == Item.Status.FAILED:
        return failure(original_url, FOR_ERROR_CODE.get(item.error_code, Status.INTERNAL_ERROR), item.error_message)
    if item.status == Item.Status.EXPIRED:
        return failure(original_url, Status.RESULT_EXPIRED)
    return _success(item, original_url)


def _success(item: Item, original_url: str) -> dict:
    first = spec_from_json(item.options).targets[0]
    mode = first.mode.value
    # The first target is the optimized original (or its jpg/png/gif conversion), unless the
    # client asked for bare conversions ("webp|avif"), which leave the original alone.
    main = None if first.format in (Format.WEBP, Format.AVIF) else (first.format or "original")
    variants = {variant.name: variant for variant in item.variants.all() if variant.generation == item.generation}
    original_size = item.original_size or 0

    def served(name: str) -> tuple[str, int] | None:
        variant: Variant | None = variants.get(name)
        if variant is None or not variant.storage_name:
            return None
        return public_url(variant.storage_name), variant.size

    def original_or(name: str | None) -> tuple[str, int]:
        # Not asked, or not smaller than the source: the client keeps its original.
        found = served(name) if name else None
        return found or (original_url, original_size)

    main_name = f"{mode}-{main}" if main else None
    lossy_url, lossy_size = original_or(main_name)
    lossless_url, lossless_size = original_or(f"lossless-{main}" if main else None)
    result = {
        "Status": status_body(Status.SUCCESS),
        "OriginalURL": original_url,
        "LosslessURL": lossless_url,
        "LossyURL": lossy_url,
        "OriginalSize": str(original_size),
        "LossySize": str(lossy_size),
        "LosslessSize": str(lossless_size),
        "LoselessSize": str(lossless_size),  # the SDK reads this spelling, the plugin the other
    }
    for url_field, (size_field, pattern) in URL_SLOTS.items():
        found = served(pattern.format(mode=mode))
        if pattern.startswith("{mode}") and mode == Mode.LOSSLESS.value:
            found = None  # lossless requests fill only the lossless slots
        result[url_field] = found[0] if found else NOT_ASKED
        result[size_field] = str(found[1]) if found else NOT_ASKED
    result["WebPLoselessSize"] = result["WebPLosslessSize"]
    improvement = (1 - lossy_size / original_size) * 100 if original_size else 0.0
    result["PercentImprovement"] = f"{max(improvement, 0.0):.2f}"
    result["TimeStamp"] = item.finished_at.strftime("%Y-%m-%d %H:%M:%S") if item.finished_at else ""
    return result
