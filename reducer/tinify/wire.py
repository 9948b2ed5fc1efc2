"""Tinify request bodies -> an engine Spec and store options. Wire names live only here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from optimizer.engine import Format, Mode, Spec, Target
from optimizer.engine.spec import Metadata, Resize, ResizeMode

from .errors import bad_request

# Every compression is Tinify's one (lossy) kind.
MODE = Mode.LOSSY
TYPES = {
    "image/png": Format.PNG,
    "image/jpeg": Format.JPEG,
    "image/jpg": Format.JPEG,
    "image/webp": Format.WEBP,
    "image/avif": Format.AVIF,
}
# "*/*": the smallest of these. PNG and JPEG other than the source's own are left out: WebP and AVIF
# hold the same pixels in fewer bytes, and a transparent image may not become a JPEG unasked.
ANY_TYPE = (None, Format.WEBP, Format.AVIF)
RESIZE_METHODS = {
    "scale": ResizeMode.FIT,  # one side given, the other follows; never enlarged
    "fit": ResizeMode.FIT,
    # Tinify's cover and thumb both crop to the exact box around what they find most important.
    "cover": ResizeMode.SMART_CROP,
    "thumb": ResizeMode.SMART_CROP,
}
MAX_SIDE = 32_000
PRESERVE = ("copyright", "creation", "location")
BACKGROUNDS = {"white": (255, 255, 255), "black": (0, 0, 0)}
HEX_COLOUR = re.compile(r"#(?:[0-9a-f]{3}|[0-9a-f]{6})", re.IGNORECASE)
COMMANDS = {"resize", "convert", "transform", "preserve", "store"}
STORE_SERVICES = ("s3", "gcs")


@dataclass(frozen=True)
class Store:
    """Where ``store`` writes: a bucket and key of the caller's S3 or Google Cloud Storage, with
    the caller's own credentials for that service."""

    service: str  # "s3" or "gcs"
    bucket: str
    key: str
    cache_control: str
    access_key_id: str = ""  # s3
    secret_access_key: str = ""  # s3
    region: str = ""  # s3
    access_token: str = ""  # gcs: an OAuth 2 access token, sent as a bearer token


@dataclass(frozen=True)
class Commands:
    spec: Spec
    allowed_formats: tuple[Format | None, ...]  # what the answer may be; None: the source's format
    transforms: bool  # resize, convert, transform or preserve: new work on the original
    # Tinify counts a resize or a conversion as one more compression; preserving metadata (and filling
    # the background, which goes with converting) re-makes the output without counting.
    charged: bool
    store: Store | None


BASE_SPEC = Spec(targets=(Target(MODE),))


def json_body(raw: bytes) -> dict:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    return body


def source_url(body: dict) -> str:
    source = body.get("source")
    url = source.get("url") if isinstance(source, dict) else None
    if not isinstance(url, str) or not url:
        raise bad_request("Request body must contain source.url")
    return url


def commands(body: dict) -> Commands:
    unknown = sorted(set(body) - COMMANDS)
    if unknown:
        raise bad_request(f"Unknown option: {unknown[0]}")
    resize = _resize(body["resize"]) if "resize" in body else None
    formats = _convert(body["convert"]) if "convert" in body else (None,)
    background = _background(body["transform"]) if "transform" in body else None
    metadata = _preserve(body["preserve"]) if "preserve" in body else Metadata.STRIP
    spec = Spec(
        targets=tuple(Target(MODE, fmt) for fmt in formats), resize=resize, metadata=metadata, background=background
    )
    charged = resize is not None or "convert" in body
    transforms = charged or background is not None or metadata is not Metadata.STRIP
    store = _store(body["store"]) if "store" in body else None
    return Commands(spec=spec, allowed_formats=formats, transforms=transforms, charged=charged, store=store)


def _side(options: dict, name: str) -> int | None:
    value = options.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SIDE:
        raise bad_request(f"Resize {name} must be a whole number from 1 to {MAX_SIDE}")
    return value


def _resize(options: object) -> Resize:
    if not isinstance(options, dict):
        raise bad_request("Resize options must be an object")
    method = options.get("method", "")
    if method not in RESIZE_METHODS:
        raise bad_request("Resize method must be one of: scale, fit, cover, thumb")
    unknown = sorted(set(options) - {"method", "width", "height"})
    if unknown:
        raise bad_request(f"Unknown resize option: {unknown[0]}")
    width, height = _side(options, "width"), _side(options, "height")
    if method == "scale" and (width is None) == (height is None):
        raise bad_request("Resize method scale needs either a width or a height, not both")
    if method != "scale" and (width is None or height is None):
        raise bad_request(f"Resize method {method} needs both a width and a height")
    return Resize(RESIZE_METHODS[method], width, height)


def _convert(options: object) -> tuple[Format | None, ...]:
    if not isinstance(options, dict) or "type" not in options:
        raise bad_request("Convert options must be an object with a type")
    wanted = options["type"]
    wanted = [wanted] if isinstance(wanted, str) else wanted
    if not isinstance(wanted, list) or not wanted or not all(isinstance(kind, str) for kind in wanted):
        raise bad_request("Convert type must be a media type or a list of them")
    if "*/*" in wanted:
        return ANY_TYPE
    formats: list[Format] = []
    for kind in wanted:
        if kind.lower() not in TYPES:
            raise bad_request(
                f"Convert type {kind} is not supported; use image/png, image/jpeg, image/webp, image/avif or */*"
            )
        if TYPES[kind.lower()] not in formats:
            formats.append(TYPES[kind.lower()])
    return tuple(formats)


def _background(options: object) -> tuple[int, int, int]:
    """The colour transparency is filled with: "white", "black" or a hex colour ("#rrggbb" or "#rgb")."""
    if not isinstance(options, dict) or set(options) != {"background"}:
        raise bad_request("Transform options must be an object with a background")
    value = options["background"]
    if isinstance(value, str) and value.lower() in BACKGROUNDS:
        return BACKGROUNDS[value.lower()]
    if not isinstance(value, str) or not HEX_COLOUR.fullmatch(value):
        raise bad_request('Transform background must be "white", "black" or a hex colour such as "#ff8800"')
    digits = value[1:] if len(value) == 7 else "".join(digit * 2 for digit in value[1:])
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def _preserve(options: object) -> Metadata:
    if not isinstance(options, list) or not all(isinstance(option, str) for option in options):
        raise bad_request("Preserve must be a list of: copyright, creation, location")
    wanted = set(options)
    if wanted - set(PRESERVE):
        raise bad_request("Preserve options must be some of: copyright, creation, location")
    if not wanted:
        return Metadata.STRIP
    # The engine keeps either the copyright fields or all metadata: creation or location keeps all.
    return Metadata.COPYRIGHT if wanted == {"copyright"} else Metadata.KEEP


def _text(options: dict, name: str) -> str:
    value = options.get(name)
    if not isinstance(value, str) or not value:
        raise bad_request(f"Store option {name} is required")
    return value


def _store(options: object) -> Store:
    if not isinstance(options, dict):
        raise bad_request("Store options must be an object")
    service = options.get("service")
    if service not in STORE_SERVICES:
        raise bad_request('Store service must be "s3" or "gcs"')
    bucket, _, key = _text(options, "path").lstrip("/").partition("/")
    if not bucket or not key or ".." in key.split("/"):
        raise bad_request("Store path must be bucket/path/to/object without '..' segments")
    headers = options.get("headers") or {}
    if not isinstance(headers, dict):
        raise bad_request("Store headers must be an object")
    unknown = sorted(name for name in headers if name.lower() != "cache-control")
    if unknown:
        raise bad_request(f"Store header {unknown[0]} is not supported; only Cache-Control is")
    cache_control = next(iter(headers.values()), "")
    if not isinstance(cache_control, str):
        raise bad_request("Store header Cache-Control must be a string")
    if service == "gcs":
        return Store(service, bucket, key, cache_control, access_token=_text(options, "gcp_access_token"))
    return Store(
        service,
        bucket,
        key,
        cache_control,
        access_key_id=_text(options, "aws_access_key_id"),
        secret_access_key=_text(options, "aws_secret_access_key"),
        region=options.get("region") if isinstance(options.get("region"), str) else "",
    )
