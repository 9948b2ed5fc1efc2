"""The only door for bytes from the network. Pure library: no Django."""

from .client import Fetched, Resolver, fetch, system_resolver
from .errors import (
    DownloadFailed,
    FetchError,
    FetchTimeout,
    ForbiddenAddress,
    InvalidURL,
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
    "Resolver",
    "TooLarge",
    "fetch",
    "is_public",
    "system_resolver",
]
