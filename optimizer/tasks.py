"""django-q2 entry points: thin, idempotent, given IDs rather than objects."""

from __future__ import annotations

from . import fetching, heartbeat, lifecycle, maintenance, pipeline
from .queue import enqueue


def process_item(item_id: str, generation: int) -> None:
    """Optimize the item generation here; for a URL whose bytes are not stored yet, nudge this
    worker's fetcher instead and be free again at once (the fetch step queues it back when done)."""
    if heartbeat.draining():  # this cluster is stopping: the task goes back for another cluster
        enqueue(item_id, generation)
        return
    if fetching.needed(item_id, generation):
        fetching.nudge()
        return
    with heartbeat.working():
        claim = lifecycle.claim(item_id, generation)
        if claim is not None:
            pipeline.run(claim)


def sweep() -> dict:
    return maintenance.sweep()


def clean_expired() -> int:
    return maintenance.clean_expired()
