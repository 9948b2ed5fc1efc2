"""Putting an item generation on the task queue (the only place that names the task)."""

from __future__ import annotations

from django_q.tasks import async_task


def enqueue(item_id, generation: int) -> None:
    async_task("optimizer.tasks.process_item", str(item_id), generation)
