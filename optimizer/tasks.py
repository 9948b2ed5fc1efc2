"""django-q2 entry points: thin, idempotent, given IDs rather than objects."""

from __future__ import annotations

from . import fetching, lifecycle, maintenance, pipeline


def process_item(item_id: str, generation: int) -> None:
    """Optimize the item generation here; for a URL whose bytes are not stored yet, nudge this
    worker's fetcher instead and be free again at once (the fetch step queues it back when done)."""
    if fetching.needed(item_id, generation):
        fetching.nudge()
        return
    claim = lifecycle.claim(item_id, generation)
    if claim is not None:
        pipeline.run(claim)


def sweep() -> dict:
    return maintenance.sweep()


def clean_expired() -> int:
    return maintenance.clean_expired()
