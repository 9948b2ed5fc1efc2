"""django-q2 entry points: thin, idempotent, given IDs rather than objects."""

from __future__ import annotations

from . import lifecycle, maintenance, pipeline


def process_item(item_id: str, generation: int) -> None:
    claim = lifecycle.claim(item_id, generation)
    if claim is not None:
        pipeline.run(claim)


def sweep() -> dict:
    return maintenance.sweep()


def clean_expired() -> int:
    return maintenance.clean_expired()
