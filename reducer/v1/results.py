"""What a v1 job is, read from its Item and Variant rows, and the bytes it serves.

A v1 job is one item with one target, so its result is that target's variant. A variant that is
not smaller than the source is not served; neither are the source's own bytes (a polyglot image
would come back as it was sent, from this host). The item's ``clean`` variant is: the source
re-encoded losslessly by the worker and kept for the retention period, so nothing is fetched again
on download (see ``optimizer.pipeline.clean``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.urls import reverse

from optimizer import downloads, estimates, results
from optimizer.models import Item, Variant
from optimizer.options import spec_from_json
from optimizer.pipeline import CLEAN
from reducer.kept import KeptAnswers

from . import links
from .errors import ApiError, from_item, item_error_code

STATUS = {
    Item.Status.QUEUED: "queued",
    Item.Status.RUNNING: "processing",
    Item.Status.DONE: "complete",
    Item.Status.FAILED: "failed",
}
EXTENSIONS = {"jpeg": "jpg"}


@dataclass(frozen=True)
class Outcome:
    """The result of a finished item, as the v1 face reports and serves it."""

    item: Item
    variant: Variant  # the target's
    served: Variant  # the file served: the target's when it is smaller, else the clean source

    @property
    def original_size(self) -> int:
        return self.item.original_size or 0

    @property
    def size(self) -> int:
        return self.served.size

    @property
    def savings_percent(self) -> float:
        """Negative when the clean source is larger than the source was."""
        if not self.original_size:
            return 0.0
        return round(100 * (self.original_size - self.size) / self.original_size, 2)

    @property
    def format(self) -> str:
        return self.served.format

    def streamed(self) -> StreamingHttpResponse:
        """The served file as an answer, streamed with its exact Content-Length."""
        return downloads.streamed(self.served.storage_name, self.served.size, self.served.format)


def outcome(item: Item) -> Outcome:
    """The outcome of a done item; ApiError for any other state."""
    if item.status == Item.Status.EXPIRED:
        raise ApiError("expired", "The result of this job has been deleted after the retention period.")
    if item.status == Item.Status.FAILED:
        raise from_item(item.error_code, item.error_message)
    if item.status != Item.Status.DONE:
        raise ApiError("not_ready", "The job is not complete yet; poll it until its status is complete.")
    rows = results.by_name(Variant.objects.filter(item=item, generation=item.generation))
    variant = rows.get(results.target_name(spec_from_json(item.options).targets[0]))
    if variant is None:
        raise ApiError("compression_failed", "The job finished without a result.")
    served = variant if variant.smaller and variant.storage_name else rows.get(CLEAN)
    if served is None:  # finished before clean sources were kept: nothing of it may be served
        raise ApiError("expired", "The result of this job is no longer available; submit the image again.")
    return Outcome(item, variant, served)


# S3 write-back jobs that outlast the PUT are polled here too.
POLLABLE_FACES = ("v1", "s3")


def find(account, job_id) -> Item:
    """The account's v1 (or S3 write-back) job ``job_id``; another account's job is as unknown as
    a missing one."""
    try:
        return Item.objects.get(pk=job_id, account=account, job__face__in=POLLABLE_FACES)
    except (Item.DoesNotExist, ValidationError):
        raise ApiError("not_found", "No job with this id.") from None


def retention_ends(item: Item) -> datetime:
    return item.finished_at + timedelta(seconds=settings.REDUCER_RESULT_RETENTION)


def poll_url(item: Item) -> str:
    return settings.PUBLIC_URL + reverse("v1:job", args=[item.pk])


def accepted(item: Item) -> dict:
    """The 202 body for a job that is still running."""
    return {
        "id": str(item.pk),
        "status": STATUS.get(item.status, "queued"),
        "poll_url": poll_url(item),
        "estimated_seconds": estimates.seconds_left(item),
    }


def describe(item: Item) -> dict:
    """The job as GET /api/v1/jobs/{id} reports it."""
    if item.status == Item.Status.EXPIRED:
        raise ApiError("expired", "The result of this job has been deleted after the retention period.")
    if item.status == Item.Status.DONE:
        kept = _described.kept((item.pk, item.generation))
        if kept is None:
            kept = _Described(_done(outcome(item)), retention_ends(item))
            _described.keep((item.pk, item.generation), kept)
        return _described_done(item.pk, item.generation, kept)
    body = _blank(item.pk, item.status)
    body["original_size"] = item.original_size
    if item.status in (Item.Status.QUEUED, Item.Status.RUNNING):
        body["estimated_seconds"] = estimates.seconds_left(item)
    elif item.status == Item.Status.FAILED:
        body["error"] = {"code": item_error_code(item.error_code), "message": item.error_message}
    return body


def described_done(item_id: UUID, generation: int) -> dict | None:
    """A done job as GET /api/v1/jobs/{id} reports it, if this process has described it before
    in this generation (what a done job reports does not change); its link is signed now."""
    kept = _described.kept((item_id, generation))
    return None if kept is None else _described_done(item_id, generation, kept)


class _Described(NamedTuple):
    fields: dict  # the done job's own fields, never changed once kept
    retention_ends: datetime


_described: KeptAnswers[tuple[UUID, int], _Described] = KeptAnswers()


def _blank(item_id: UUID, status: str) -> dict:
    return {
        "id": str(item_id),
        "status": STATUS[status],
        "original_size": None,
        "compressed_size": None,
        "savings_percent": None,
        "format": None,
        "dimensions": None,
        "quality": None,
        "download_url": None,
        "expires_at": None,
        "error": None,
        "estimated_seconds": None,
    }


def _described_done(item_id: UUID, generation: int, kept: _Described) -> dict:
    body = _blank(item_id, Item.Status.DONE)
    body.update(kept.fields)
    body["download_url"] = links.download_url(item_id, generation)
    body["expires_at"] = links.expires_at(kept.retention_ends).isoformat().replace("+00:00", "Z")
    return body


def _done(result: Outcome) -> dict:
    served = result.served
    return {
        "original_size": result.item.original_size,
        "compressed_size": result.size,
        "savings_percent": result.savings_percent,
        "format": served.format,
        "dimensions": {"width": served.width, "height": served.height},
        "quality": {"metric": "ssimulacra2", "score": served.score},
    }


def filename(stem: str, fmt: str) -> str:
    safe = "".join(ch for ch in stem if ch.isalnum() or ch in "-_.")[:100] or "image"
    return f"{safe}.{EXTENSIONS.get(fmt, fmt)}"
