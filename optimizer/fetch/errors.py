"""Typed fetch errors. ``code`` is stable; each face maps it to its wire code in its own table.

Recommended mapping (the faces own the numbers; this library never emits them):

| code                | meaning                                             | ShortPixel | v1 HTTP |
|---------------------|-----------------------------------------------------|------------|---------|
| `invalid_url`       | not http(s), malformed, no host, embedded userinfo  | -102       | 400     |
| `forbidden_address` | host resolves to a non-public address, blocked port | -106       | 422     |
| `download_failed`   | DNS/connect/TLS failure, HTTP error status, too     | -203       | 422     |
|                     | many redirects, truncated or corrupt body           |            |         |
| `timeout`           | the total deadline passed                           | -204       | 422     |
| `too_large`         | body (or inflated body) over the byte cap           | -111       | 413     |
| `origin_not_allowed`| a redirect left the domains the caller allows       | -108       | 403     |

-111 ("file too big") fits a byte cap; -205 ("too big") is better kept for the engine's pixel cap.
Messages are written for the end user and never contain an address the user did not give.
"""


class FetchError(Exception):
    code = "fetch_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidURL(FetchError):
    code = "invalid_url"


class ForbiddenAddress(FetchError):
    code = "forbidden_address"


class DownloadFailed(FetchError):
    code = "download_failed"


class FetchTimeout(FetchError):
    code = "timeout"


class TooLarge(FetchError):
    code = "too_large"


class OriginNotAllowed(FetchError):
    code = "origin_not_allowed"
