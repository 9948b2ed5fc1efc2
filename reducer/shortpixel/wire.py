"""Reading ShortPixel requests: bodies in whatever shape the clients send, options into a Spec.

The wire names (lossy, convertto, keep_exif, resize, paramlist, ...) live only here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError

from optimizer.engine import Format, Metadata, Mode, Resize, ResizeMode, Spec, Target
from optimizer.options import with_service_defaults

from .render import Asked
from .status import Status

MODES = {0: Mode.LOSSLESS, 1: Mode.LOSSY, 2: Mode.GLOSSY}
RESIZES = {1: ResizeMode.COVER, 3: ResizeMode.CONTAIN, 4: ResizeMode.SMART_CROP}
CONVERSIONS = {
    "webp": Format.WEBP,
    "avif": Format.AVIF,
    "jpg": Format.JPEG,
    "jpeg": Format.JPEG,
    "png": Format.PNG,
    "gif": Format.GIF,
}
MAX_WAIT_SECONDS = 30


class WireError(Exception):
    """A request (or one of its URLs) the API refuses, with its ShortPixel status."""

    def __init__(self, status: Status, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_body(request: HttpRequest) -> dict:
    """The body as a JSON object, whatever the Content-Type claims (the plugin labels JSON a form)."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise WireError(Status.INVALID_PARAMS, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise WireError(Status.INVALID_PARAMS, "The request body must be a JSON object.")
    return data


def form_fields(request: HttpRequest) -> dict:
    """Fields of a multipart, urlencoded or query-string request, as one flat dict."""
    fields = dict(request.GET.items())
    try:
        fields.update(request.POST.items())
    except MultiPartParserError:
        raise WireError(Status.INVALID_PARAMS, "The multipart body could not be read.") from None
    return fields


def flag(value: Any, default: bool) -> bool:
    """ints, numeric strings, JSON booleans and "true"/"false" all mean what they say."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return integer(value, "flag") != 0


def integer(value: Any, name: str, default: int = 0) -> int:
    if value is None or value == "" or value is False:
        return default
    if value is True:
        return 1
    try:
        return int(str(value).strip())
    except ValueError:
        raise WireError(Status.INVALID_PARAMS, f"{name} must be a number.") from None


def wait_seconds(data: dict) -> float:
    return float(min(max(integer(data.get("wait"), "wait"), 0), MAX_WAIT_SECONDS))


@dataclass(frozen=True)
class Conversion:
    keep_original: bool  # "+fmt": the optimized original as well; bare "fmt": only the conversion
    formats: tuple[Format, ...]


def conversion(raw: Any) -> Conversion:
    """convertto: "+webp|+avif", "%2Bwebp%7C%2Bavif", "webp", "jpg", ... or empty."""
    text = unquote(str(raw or "")).strip().lower()
    if not text:
        return Conversion(keep_original=True, formats=())
    keep_original = False
    formats: list[Format] = []
    for part in filter(None, (piece.strip() for piece in text.split("|"))):
        name = part.lstrip("+")
        if name not in CONVERSIONS:
            raise WireError(Status.INVALID_PARAMS, f"convertto: unknown format {name!r}.")
        keep_original = keep_original or part.startswith("+")
        formats.append(CONVERSIONS[name])
    return Conversion(keep_original=keep_original, formats=tuple(dict.fromkeys(formats)))


def spec_for(options: dict) -> Spec:
    """The engine Spec for one URL: the request's options with its paramlist entry applied."""
    mode = _mode(options)
    convert = conversion(options.get("convertto"))
    main_format = next((fmt for fmt in convert.formats if fmt in (Format.JPEG, Format.PNG, Format.GIF)), None)
    extra = [fmt for fmt in convert.formats if fmt in (Format.WEBP, Format.AVIF)]
    targets: list[Target] = []
    if convert.keep_original or main_format or not extra:
        targets.append(Target(mode, main_format))
        if mode is not Mode.LOSSLESS:
            targets.append(Target(Mode.LOSSLESS, main_format))
    targets += [Target(conversion_mode(mode, fmt), fmt) for fmt in extra]
    return with_service_defaults(
        Spec(
            targets=tuple(targets),
            resize=_resize(options),
            metadata=Metadata.KEEP if integer(options.get("keep_exif"), "keep_exif") % 2 else Metadata.STRIP,
            cmyk_to_rgb=flag(options.get("cmyk2rgb"), default=True),
        )
    )


def _mode(options: dict) -> Mode:
    lossy = integer(options.get("lossy"), "lossy", default=1)
    if lossy not in MODES:
        raise WireError(Status.INVALID_PARAMS, "lossy must be 0 (lossless), 1 (lossy) or 2 (glossy).")
    return MODES[lossy]


def asked(options: dict, request: dict) -> Asked:
    """What one URL or upload of ``request`` asks for, with ``options`` its effective options."""
    # The WordPress plugin always sends returndatalist (and needs it back); the SDK never does.
    return Asked(spec_for(options), _mode(options), plugin="returndatalist" in request)


def conversion_mode(mode: Mode, fmt: Format) -> Mode:
    """A lossless request's AVIF is the glossy-floor AVIF (SSIMULACRA2 85: visually lossless). The
    engine's AVIF encoder always goes through YUV, so it cannot make a pixel-exact AVIF, and a client
    that asked for AVIF must get one (an answer without it makes the WordPress plugin re-send)."""
    return Mode.GLOSSY if mode is Mode.LOSSLESS and fmt is Format.AVIF else mode


def _resize(options: dict) -> Resize | None:
    kind = integer(options.get("resize"), "resize")
    if kind == 0:
        return None
    if kind not in RESIZES:
        raise WireError(Status.INVALID_PARAMS, "resize must be 0, 1 (outer), 3 (inner) or 4 (smart crop).")
    width = integer(options.get("resize_width"), "resize_width")
    height = integer(options.get("resize_height"), "resize_height")
    if width < 0 or height < 0 or (width == 0 and height == 0):
        raise WireError(Status.INVALID_PARAMS, "resize needs resize_width and/or resize_height.")
    return Resize(RESIZES[kind], width or None, height or None)


def per_url_options(data: dict, index: int) -> dict:
    """The request's options, overridden by ``paramlist[index]`` when the client sent one."""
    overrides = data.get("paramlist")
    if isinstance(overrides, list) and index < len(overrides) and isinstance(overrides[index], dict):
        return {**data, **{key: value for key, value in overrides[index].items() if key != "url"}}
    return data


def fetch_credentials(data: dict) -> tuple[str, str] | None:
    user, password = data.get("user"), data.get("pass")
    if isinstance(user, str) and user:
        return user, password if isinstance(password, str) else ""
    return None
