"""The v1 request and response shapes, for the OpenAPI schema (parsing itself is reducer.v1.parsing)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .parsing import PARAMS, Kind, Param


@extend_schema_field(OpenApiTypes.BINARY)
class _ImageFile(serializers.FileField):
    """An uploaded image: binary in the schema, so "Try it out" offers a file picker and generated
    clients send bytes (a plain FileField is typed as a URI string in request bodies)."""


_FIELDS: dict[Kind, Callable[..., serializers.Field]] = {
    Kind.TEXT: serializers.CharField,
    Kind.COUNT: functools.partial(serializers.IntegerField, min_value=1),
    Kind.FLAG: serializers.BooleanField,
    Kind.URL: serializers.URLField,
    Kind.FILE: _ImageFile,
}


def _field(param: Param, help_text: str, **extra) -> serializers.Field:
    if param.kind is Kind.CHOICE:
        return serializers.ChoiceField(list(param.choices), required=False, help_text=help_text, **extra)
    return _FIELDS[param.kind](required=False, help_text=help_text, **extra)


def _request_body(name: str, included: Callable[[Param], bool]) -> type[serializers.Serializer]:
    """A request body's shape, from the parameters parsing reads (reducer.v1.parsing.PARAMS)."""
    fields: dict[str, serializers.Field] = {}
    for param in filter(included, PARAMS.values()):
        default = {} if param.default is None else {"default": param.default}
        fields[param.name] = _field(param, param.help, **default)
        if param.alias:
            fields[param.alias] = _field(param, f"Alias of {param.name}.")
    return type(name, (serializers.Serializer,), fields)


CompressUpload = _request_body("CompressUpload", lambda param: param.in_form)
CompressJson = _request_body("CompressJson", lambda param: param.in_json)


ESTIMATED_SECONDS = (
    "Seconds until the job is expected to be done (at least 1): the engine's expected CPU time for "
    "the image's pixels and the output asked for, after the work queued ahead of it on the live workers."
)


class Accepted(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(["queued", "processing", "complete", "failed"])
    poll_url = serializers.URLField()
    estimated_seconds = serializers.IntegerField(help_text=ESTIMATED_SECONDS)


class _Dimensions(serializers.Serializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class _Quality(serializers.Serializer):
    metric = serializers.CharField()
    score = serializers.FloatField(allow_null=True, help_text="null for lossless results and unchanged originals.")


class _JobError(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class Job(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(["queued", "processing", "complete", "failed"])
    original_size = serializers.IntegerField(allow_null=True)
    compressed_size = serializers.IntegerField(allow_null=True)
    savings_percent = serializers.FloatField(allow_null=True)
    format = serializers.CharField(allow_null=True)
    dimensions = _Dimensions(allow_null=True)
    quality = _Quality(allow_null=True)
    download_url = serializers.URLField(allow_null=True, help_text="A signed link that needs no key.")
    expires_at = serializers.DateTimeField(allow_null=True, help_text="When download_url stops working.")
    error = _JobError(allow_null=True)
    estimated_seconds = serializers.IntegerField(
        allow_null=True, help_text=ESTIMATED_SECONDS + " null once the job is complete or failed."
    )


class _ErrorDetail(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    param = serializers.CharField(allow_null=True)


class Error(serializers.Serializer):
    error = _ErrorDetail()


class _Credits(serializers.Serializer):
    remaining = serializers.IntegerField(allow_null=True, help_text="null on an unlimited plan.")
    unlimited = serializers.BooleanField()
    resets_at = serializers.DateTimeField()


class _RateLimit(serializers.Serializer):
    limit = serializers.IntegerField(help_text="Requests per minute for this key.")
    remaining = serializers.IntegerField()
    resets_at = serializers.DateTimeField()


class _Inputs(serializers.Serializer):
    sources = serializers.ListField(child=serializers.CharField())
    formats = serializers.ListField(child=serializers.CharField())
    max_bytes = serializers.IntegerField()
    sync_max_bytes = serializers.IntegerField()


class _Outputs(serializers.Serializer):
    formats = serializers.ListField(child=serializers.CharField())
    modes = serializers.ListField(child=serializers.CharField())
    metadata = serializers.ListField(child=serializers.CharField())


class Info(serializers.Serializer):
    endpoint = serializers.URLField()
    credits = _Credits()
    rate_limit = _RateLimit()
    inputs = _Inputs()
    outputs = _Outputs()
