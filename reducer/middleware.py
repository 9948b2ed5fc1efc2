"""Django's built-in middleware with its hooks called on the event loop.

Django's own middleware has sync hooks only, and under ASGI each call is a hand-off to a thread:
two per middleware and request, eleven on every ShortPixel poll, each costing more than the hook
it runs. Their hooks read and set headers and request attributes, so these subclasses call them
on the loop. The hooks that can reach the database still run in a thread: saving a modified
session, and storing messages (which may load the session's). CSRF_USE_SESSIONS is off, so the
CSRF hooks read and set a cookie only; the CSRF view check keeps Django's hand-off, since for a
form it reads the request body.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponseBase
from django.middleware import clickjacking, common, csrf, security
from django.utils.deprecation import MiddlewareMixin


class HooksOnTheLoop(MiddlewareMixin):
    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            if self.response_hook_reaches_database(request):
                response = await sync_to_async(self.process_response, thread_sensitive=True)(request, response)
            else:
                response = self.process_response(request, response)
        return response

    def response_hook_reaches_database(self, request: HttpRequest) -> bool:
        return False


class SecurityMiddleware(HooksOnTheLoop, security.SecurityMiddleware):
    pass


class SessionMiddleware(HooksOnTheLoop, sessions.SessionMiddleware):
    def response_hook_reaches_database(self, request: HttpRequest) -> bool:
        return request.session.modified or settings.SESSION_SAVE_EVERY_REQUEST


class CommonMiddleware(HooksOnTheLoop, common.CommonMiddleware):
    pass


class CsrfViewMiddleware(HooksOnTheLoop, csrf.CsrfViewMiddleware):
    pass


class AuthenticationMiddleware(HooksOnTheLoop, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(HooksOnTheLoop, messages.MessageMiddleware):
    def response_hook_reaches_database(self, request: HttpRequest) -> bool:
        stored = getattr(request, "_messages", None)
        return stored is not None and (stored.used or stored.added_new)


class XFrameOptionsMiddleware(HooksOnTheLoop, clickjacking.XFrameOptionsMiddleware):
    pass
