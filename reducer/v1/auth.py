"""v1 authentication: the account's API key from a Bearer header, X-API-Key or ?api_key."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from accounts import keys
from accounts.models import Account

from .errors import ApiError


def presented_key(request: Request) -> str | None:
    in_headers = key_in_headers(request.META.get("HTTP_AUTHORIZATION", ""), request.META.get("HTTP_X_API_KEY"))
    return in_headers or request.query_params.get("api_key")


def key_in_headers(authorization: str, x_api_key: str | None) -> str | None:
    """The key of a Bearer Authorization header, else of an X-API-Key header."""
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return x_api_key or None


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates as (account, key digest); the digest names the key for rate limiting."""

    def authenticate(self, request: Request) -> tuple[Account, str]:
        presented = presented_key(request)
        try:
            account = keys.authenticate(presented)
        except keys.KeyRejected as rejected:
            raise ApiError("unauthorized", rejected.message) from None
        return account, keys.digest(presented)

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"
