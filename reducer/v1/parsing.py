"""The v1 wire vocabulary -> a source and an engine Spec. Wire names live here and nowhere inside.

Each request parameter is declared once, in PARAMS: the parsing below reads it by that name, alias,
choices and default, and reducer.v1.serializers builds the OpenAPI schema from the same entries.
Aliases keep the habits of other compressors' clients: ``image`` for ``file``, ``file_url`` for
``url``, ``format`` for ``output``, ``auto`` for ``original``, ``jpg`` for ``jpeg``,
``strip_metadata`` for ``metadata`` and ``callback_url`` for ``webhook_url``. Naming a parameter
twice (itself and its alias) is refused.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings

from optimizer.engine import Format, Metadata, Mode, Resize, ResizeMode, Spec, Target
from optimizer.fetch import FetchError, check_url
from optimizer.options import with_service_defaults
from optimizer.services import UploadSource, UrlSource
from optimizer.sources import fetch_policy

from .errors import ApiError, item_error_code
from .webhooks.delivery import check_webhook_url

OUTPUTS = {
    "original": None,
    "auto": None,
    "jpeg": Format.JPEG,
    "jpg": Format.JPEG,
    "png": Format.PNG,
    "webp": Format.WEBP,
    "avif": Format.AVIF,
}
MODES = {mode.value: mode for mode in Mode}
METADATA = {"none": Metadata.STRIP, "copyright": Metadata.COPYRIGHT, "all": Metadata.KEEP}
UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024 * 1024}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?[bB]?)\s*")
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}
_DATA_URI = re.compile(r"data:[\w/+.-]*;base64,", re.I)


class Kind(StrEnum):
    """How a parameter is written on the wire (and typed in the schema)."""

    TEXT = "text"
    CHOICE = "choice"
    COUNT = "count"  # a whole number from 1
    FLAG = "flag"  # true or false
    URL = "url"
    FILE = "file"  # a multipart upload


@dataclass(frozen=True)
class Param:
    """One parameter of a compress request."""

    name: str
    help: str
    kind: Kind = Kind.TEXT
    alias: str = ""
    choices: tuple[str, ...] = ()
    default: str | None = None
    in_form: bool = True  # a field of a multipart or form body
    in_json: bool = True  # a member of a JSON body


PARAMS = {
    param.name: param
    for param in (
        Param("file", "The image.", Kind.FILE, alias="image", in_json=False),
        Param("file_base64", "The image, base64 (a data: URI prefix is allowed).", in_form=False),
        Param("url", "An image to fetch instead.", Kind.URL, alias="file_url"),
        Param(
            "output",
            "Output format. `original` (alias `auto`) keeps the source's format.",
            Kind.CHOICE,
            alias="format",
            choices=tuple(OUTPUTS),
            default="original",
        ),
        Param(
            "mode",
            "`lossy`: smallest that still looks right; `glossy`: indistinguishable at 1:1; `lossless`: same pixels.",
            Kind.CHOICE,
            choices=tuple(MODES),
            default="lossy",
        ),
        Param("quality", "`smart` (the perceptual floor of the mode) or an encoder quality 1-100.", default="smart"),
        Param(
            "target_size",
            "`auto`, a byte count or a size such as `20KB` or `1.5MB` (KB = 1024 bytes): the largest quality "
            "that fits. 422 `target_unreachable` when even the lowest does not.",
        ),
        Param("max_width", "Fit inside this width, keeping the aspect ratio; never enlarges.", Kind.COUNT),
        Param("max_height", "Fit inside this height, keeping the aspect ratio; never enlarges.", Kind.COUNT),
        Param(
            "metadata",
            "`none` strips all, `copyright` keeps the copyright, `all` keeps everything.",
            Kind.CHOICE,
            choices=tuple(METADATA),
            default="none",
        ),
        Param("strip_metadata", "Instead of metadata: true = `none`, false = `all`.", Kind.FLAG),
        Param(
            "webhook_url",
            "An https URL POSTed the job's JSON, signed (Standard Webhooks), when the job completes or fails. "
            "Without it, the account's default endpoint (if any).",
            Kind.URL,
            alias="callback_url",
        ),
    )
}


@dataclass(frozen=True)
class Compression:
    """One parsed v1 compress request."""

    source: UrlSource | UploadSource
    spec: Spec
    filename: str  # stem for Content-Disposition
    webhook_url: str = ""


def _pick(data: Mapping, name: str):
    """The value of a parameter given by its name or its alias (None when neither is given)."""
    alias = PARAMS[name].alias
    given = [key for key in (name, alias) if key and data.get(key) not in (None, "")]
    if len(given) > 1:
        raise ApiError("invalid_param", f"Give {name} or {alias}, not both.", alias)
    return data.get(given[0]) if given else None


def _pick_or_default(data: Mapping, name: str):
    given = _pick(data, name)
    return PARAMS[name].default if given is None else given


def _choice(value, choices: Mapping, param: str):
    key = str(value).strip().lower()
    if key not in choices:
        raise ApiError("invalid_param", f"{param} must be one of: {', '.join(choices)}.", param)
    return choices[key]


def _positive_int(value, param: str, upper: int | None = None) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1 or (upper and int(text) > upper):
        bound = f"between 1 and {upper}" if upper else "a positive whole number"
        raise ApiError("invalid_param", f"{param} must be {bound}.", param)
    return int(text)


def _bool(value, param: str) -> bool:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ApiError("invalid_param", f"{param} must be true or false.", param)


def parse_size(value) -> int | None:
    """``auto`` -> None; ``20KB``, ``1.5MB``, ``20480`` -> bytes (KB = 1024 bytes)."""
    text = str(value).strip()
    if text.lower() == "auto":
        return None
    match = _SIZE.fullmatch(text)
    if not match or (match.group(2).lower() == "" and "." in match.group(1)):
        raise ApiError(
            "invalid_param", "target_size must be auto, a byte count or a size such as 20KB or 1.5MB.", "target_size"
        )
    unit = match.group(2).lower()
    size = int(float(match.group(1)) * UNITS[unit if unit in UNITS else unit + "b"])
    if size < 1:
        raise ApiError("invalid_param", "target_size must be at least one byte.", "target_size")
    return size


def _metadata(data: Mapping) -> Metadata:
    wanted, strip = _pick(data, "metadata"), _pick(data, "strip_metadata")
    if wanted is not None and strip is not None:
        raise ApiError("invalid_param", "Give metadata or strip_metadata, not both.", "strip_metadata")
    if strip is not None:
        return Metadata.STRIP if _bool(strip, "strip_metadata") else Metadata.KEEP
    return _choice(_pick_or_default(data, "metadata"), METADATA, "metadata")


def parse_spec(data: Mapping) -> Spec:
    quality = _pick_or_default(data, "quality")
    target_size = _pick(data, "target_size")
    quality_value = None
    if str(quality).strip().lower() != "smart":
        quality_value = _positive_int(quality, "quality", upper=100)
    size = parse_size(target_size) if target_size is not None else None
    if quality_value is not None and size is not None:
        raise ApiError("invalid_param", "Give a quality or a target_size, not both.", "target_size")
    width, height = (
        _positive_int(given, name) if (given := _pick(data, name)) is not None else None
        for name in ("max_width", "max_height")
    )
    target = Target(
        _choice(_pick_or_default(data, "mode"), MODES, "mode"),
        _choice(_pick_or_default(data, "output"), OUTPUTS, "output"),
    )
    spec = Spec(
        targets=(target,),
        resize=Resize(ResizeMode.FIT, width, height) if width or height else None,
        metadata=_metadata(data),
        quality=quality_value,
        target_size=size,
    )
    return with_service_defaults(spec)


def _too_large(size: int) -> ApiError:
    return ApiError("file_too_large", f"The file has {size} bytes; the limit is {settings.REDUCER_MAX_BYTES}.", "file")


def _upload(files: Mapping) -> tuple[UploadSource, str] | None:
    upload = _pick(files, "file")
    if upload is None:
        return None
    if upload.size > settings.REDUCER_MAX_BYTES:
        raise _too_large(upload.size)
    return UploadSource(upload.read(), name=upload.name or ""), PurePosixPath(upload.name or "image").stem


def _base64(value) -> tuple[UploadSource, str]:
    text = _DATA_URI.sub("", str(value).strip(), count=1)
    if len(text) * 3 // 4 > settings.REDUCER_MAX_BYTES + 2:
        raise _too_large(len(text) * 3 // 4)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError("invalid_param", "file_base64 is not valid base64.", "file_base64") from None
    if not data:
        raise ApiError("invalid_param", "file_base64 is empty.", "file_base64")
    return UploadSource(data), "image"


def _url(value) -> tuple[UrlSource, str]:
    url = str(value).strip()
    # The fetcher's own URL check refuses what it could never fetch (scheme, syntax, credentials,
    # port) at once; the addresses are checked when it runs.
    try:
        check_url(url, fetch_policy(), "The url")
    except FetchError as error:
        raise ApiError(item_error_code(error.code), error.message, "url") from None
    return UrlSource(url), PurePosixPath(urlsplit(url).path).stem or "image"


def parse_compression(data: Mapping, files: Mapping) -> Compression:
    """The source and options of a compress request; ApiError names the first bad parameter."""
    spec = parse_spec(data)
    url = _pick(data, "url")
    encoded = _pick(data, "file_base64")
    sources = [
        found
        for found in (
            _upload(files),
            _base64(encoded) if encoded is not None else None,
            _url(url) if url is not None else None,
        )
        if found is not None
    ]
    if not sources:
        raise ApiError("missing_source", "Send an image as file, file_base64 or url.")
    if len(sources) > 1:
        raise ApiError("invalid_param", "Send one image: file, file_base64 or url, not several.", "file")
    source, stem = sources[0]
    return Compression(source=source, spec=spec, filename=stem, webhook_url=_webhook_url(data))


def _webhook_url(data: Mapping) -> str:
    url = _pick(data, "webhook_url")
    if url is None:
        return ""
    url = str(url).strip()
    if len(url) > 2000:
        raise ApiError("invalid_param", "webhook_url is longer than 2000 characters.", "webhook_url")
    try:
        check_webhook_url(url, "The webhook_url")
    except FetchError as error:
        raise ApiError("invalid_param", error.message, "webhook_url") from None
    return url
