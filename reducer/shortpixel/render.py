"""Writing ShortPixel answers: one result object per item, every field the clients read."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from optimizer import results
from optimizer.downloads import public_url
from optimizer.engine import Format, Mode, Spec
from optimizer.models import Item, Variant
from optimizer.options import spec_from_json

from .status import FOR_ERROR_CODE, Status, status_body

NOT_ASKED = "NA"
# A conversion that was asked for but that the format cannot hold (WebP over 16383 pixels a side), or
# whose settings all miss the floor with no lossless mode to fall back on (AVIF).
# The WordPress plugin records "NC" as not compatible and stops; the SDK would download "NC" as a
# URL, so it gets "NA", which it skips. Requests carrying returndatalist are the plugin's.
NOT_COMPATIBLE = "NC"

# Each conversion's two slots: the one lossy and glossy requests read, then the lossless one.
CONVERSION_SLOTS = {
    Format.WEBP: (("WebPLossyURL", "WebPLossySize"), ("WebPLosslessURL", "WebPLosslessSize")),
    Format.AVIF: (("AVIFLossyURL", "AVIFLossySize"), ("AVIFLosslessURL", "AVIFLosslessSize")),
}


def upload_url(sha256: str, filename: str) -> str:
    """The stable reference of an uploaded file, which later file_urls polls name."""
    return f"{settings.PUBLIC_URL}/u/{sha256}/{filename}"


def _source(original_url: str) -> dict:
    """The item's source: its URL, and its file name as the part after the URL's last "/". When the
    SDK polls several URLs and they finish in different polls, it asks again for the ones done in
    the poll before and then has no local path for them; it names the file it saves from
    OriginalFileName, and without one it stops with "Cannot determine a filename to save to"."""
    return {"OriginalURL": original_url, "OriginalFileName": original_url.rsplit("/", 1)[-1]}


def pending(original_url: str) -> dict:
    return {"Status": status_body(Status.PENDING)} | _source(original_url)


def failure(original_url: str, code: Status, message: str = "") -> dict:
    return {"Status": status_body(code, message)} | _source(original_url)


@dataclass(frozen=True)
class Asked:
    """What one request asked of an item: its effective spec, its mode (a lossless request's AVIF
    target is a glossy one, see wire.conversion_mode) and whether the WordPress plugin sent it."""

    spec: Spec
    mode: Mode
    plugin: bool = False

    @classmethod
    def of(cls, item: Item) -> Asked:
        spec = spec_from_json(item.options)
        return cls(spec, spec.targets[0].mode)


def item_result(item: Item, original_url: str, asked: Asked | None = None) -> dict:
    """The answer for one item, as it stands now, to what a request asked (default: what the item
    makes; a request for less is answered from an item that makes more)."""
    if item.status in (Item.Status.QUEUED, Item.Status.RUNNING):
        return pending(original_url)
    if item.status == Item.Status.FAILED:
        return failure(original_url, FOR_ERROR_CODE.get(item.error_code, Status.INTERNAL_ERROR), item.error_message)
    if item.status == Item.Status.EXPIRED:
        return failure(original_url, Status.RESULT_EXPIRED)
    return _success(item, original_url, asked or Asked.of(item))


def _success(item: Item, original_url: str, asked: Asked) -> dict:
    spec = asked.spec
    variants = results.by_name(variant for variant in item.variants.all() if variant.generation == item.generation)
    original_size = item.original_size or 0

    def slot(variant: Variant | None) -> tuple[str, int]:
        # Nothing smaller: the client keeps its original.
        return (public_url(variant.storage_name), variant.size) if variant else (original_url, original_size)

    lossy_url, lossy_size = slot(results.optimized(spec, variants))
    lossless_url, lossless_size = slot(results.lossless(spec, variants))
    result = {
        "Status": status_body(Status.SUCCESS),
        **_source(original_url),
        "LosslessURL": lossless_url,
        "LossyURL": lossy_url,
        "OriginalSize": str(original_size),
        "LossySize": str(lossy_size),
        "LosslessSize": str(lossless_size),
        "LoselessSize": str(lossless_size),  # the SDK reads this spelling, the plugin the other
    }
    lossless_request = asked.mode is Mode.LOSSLESS
    for fmt, (lossy_slot, lossless_slot) in CONVERSION_SLOTS.items():
        answer = (NOT_ASKED, NOT_ASKED)
        if results.asked(spec, fmt):
            made = results.conversion(spec, variants, fmt)
            answer = (public_url(made.storage_name), str(made.size)) if made else (_cannot(asked.plugin),) * 2
        result.update(zip(lossy_slot, answer, strict=True))
        # Lossy and glossy requests make no lossless conversion: clients read only the lossy slot then.
        result.update(zip(lossless_slot, answer if lossless_request else (NOT_ASKED, NOT_ASKED), strict=True))
    result["WebPLoselessSize"] = result["WebPLosslessSize"]
    improvement = (1 - lossy_size / original_size) * 100 if original_size else 0.0
    result["PercentImprovement"] = f"{max(improvement, 0.0):.2f}"
    result["TimeStamp"] = item.finished_at.strftime("%Y-%m-%d %H:%M:%S") if item.finished_at else ""
    return result


def _cannot(plugin: bool) -> str:
    return NOT_COMPATIBLE if plugin else NOT_ASKED
