"""Request ids in log records.

The id is the client's ``X-Request-ID`` when it is a sane token, else a new one (see
reducer.request_log); every record written while that request runs carries it as ``request_id``.
Kept free of model imports: Django builds the logging filters before the apps are loaded.
"""

from __future__ import annotations

import contextvars
import logging

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to records written inside a request (web) and leaves others alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current is not None and not hasattr(record, "request_id"):
            record.request_id = current
        return True
