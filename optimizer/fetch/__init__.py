"""The only door for bytes from the network. Pure library: no Django."""

from .client import Fetched, Resolver, check_url, checked_addresses, fetch, post, system_resolver
from .errors import (
    DownloadFailed,
    FetchError,
    FetchTimeout,
    ForbiddenAddress,
    InvalidURL,
    OriginNotAllowed,
    TooLarge,
)
from .policy import FetchPolicy, is_public

__all__ = [
    "DownloadFailed",
    "FetchError",
    "FetchPolicy",
    "FetchTimeout",
    "Fetched",
    "ForbiddenAddress",
    "InvalidURL",
    "OriginNotAllowed",
    "Resolver",
    "TooLarge",
    "check_url",
    "checked_addresses",
    "fetch",
    "is_public",
    "post",
    "system_resolver",
]
