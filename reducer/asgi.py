"""ASGI entry point: uvicorn serves this, so long `wait` polls cost no worker thread pool.

Outermost, RefuseBodiesEarly (reducer.request_guard) refuses oversized or unkeyed bodies before
they are read; then FinishWhenClientLeaves; then AnsweredInFront (reducer.front), which answers
polls of done work itself: reducer.php polls (reducer.shortpixel.fast) and v1 job reads
(reducer.v1.fast); then Django.
"""

from __future__ import annotations

import asyncio
import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reducer.settings")

SUBMITTING_METHODS = {"POST", "PUT"}


class FinishWhenClientLeaves:
    """Let a request that submits work run to its end even if the client hangs up.

    Django cancels a view when the client disconnects. The ShortPixel plugin sends its first
    request and closes the connection at once, expecting the work to start regardless, so once
    the whole body has arrived the disconnect is held back until the response has been sent.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in SUBMITTING_METHODS:
            await self.app(scope, receive, send)
            return
        answered = asyncio.Event()
        body_complete = False

        async def receive_body_then_hold():
            nonlocal body_complete
            if body_complete:
                await answered.wait()
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                body_complete = True
            return message

        async def send_and_note(message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered.set()
            await send(message)

        try:
            await self.app(scope, receive_body_then_hold, send_and_note)
        finally:
            answered.set()


django_application = get_asgi_application()

# Imported once Django is set up: the guard reaches the models and DRF.
from reducer import log_redaction  # noqa: E402
from reducer.front import AnsweredInFront  # noqa: E402
from reducer.request_guard import RefuseBodiesEarly  # noqa: E402
from reducer.shortpixel import fast as shortpixel_polls  # noqa: E402
from reducer.v1 import fast as v1_job_reads  # noqa: E402

log_redaction.install()
application = RefuseBodiesEarly(
    FinishWhenClientLeaves(AnsweredInFront(django_application, [shortpixel_polls.ROUTE, v1_job_reads.ROUTE]))
)
# Everything loaded so far lives as long as the process: kept out of the cyclic collector's sweeps,
# its full collections no longer walk Django's and the libraries' objects between requests.
gc.freeze()
