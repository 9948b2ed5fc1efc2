"""Keep API keys out of logs: a key sent in the query string (``?api_key=``, ``?key=``) is part
of the request line that access logs write."""

from __future__ import annotations

import logging
import re

# A query parameter named exactly api_key or key, up to the next parameter or the end of the URL.
_QUERY_KEY = re.compile(r"(?<=[?&])((?:api_)?key)=[^&#\s\"]*", re.IGNORECASE)
REDACTED = "[redacted]"

# Loggers that write request lines or paths: uvicorn's access log and Django's request logging.
LOGGERS = ("uvicorn.access", "uvicorn.error", "django.request", "django.server")


def redact(text: str) -> str:
    return _QUERY_KEY.sub(rf"\1={REDACTED}", text)


class RedactQueryKeys(logging.Filter):
    """Rewrites the message and its arguments in place; keeps the arguments' shape, because
    uvicorn's access formatter unpacks them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def install() -> None:
    """Add the filter to every logger that writes requests.

    Called once the server's and Django's logging are configured (reducer.asgi): a filter added to
    the logger objects survives both, where a ``LOGGING`` entry for uvicorn's loggers would replace
    the handlers uvicorn set up.
    """
    for name in LOGGERS:
        logging.getLogger(name).addFilter(RedactQueryKeys())
