"""The v1 request and response shapes, for the OpenAPI schema (parsing itself is reducer.v1.parsing)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .parsing import METADATA, MODES, OUTPUTS

_OPTIONS_HELP = {
    "output": "Output format; alias `format`. `original` (alias `auto`) keeps the source's format.",
    "mode": "`lossy`: smallest that still looks right; `glossy`: indistinguishable at 1:1; `lossless`: same pixels.",
    "quality": "`smart` (the perceptual floor of the mode) or an encoder quality 1-100.",
    "target_size": "`auto`, a byte count or a size such as `20KB` or `1.5MB` (KB = 1024 bytes): the largest "
    "quality that fits. 422 `target_unreachable` when even the lowest does not.",
    "max_width": "Fit inside this width, keeping the aspect ratio; never enlarges.",
    "max_height": "Fit inside this height, keeping the aspect ratio; never enlarges.",
    "metadata": "`none` strips all, `copyright` keeps the copyright, `all` keeps everything.",
    "strip_metadata": "Alias of metadata: true = `none`, false = `all`.",
    "webhook_url": "An https URL POSTed the job's JSON, signed (Standard Webhooks), when the job completes "
    "or fails; alias `callback_url`. Without it, the account's default endpoint (if any).",
}


class _Options(serializers.Serializer):
    output = serializers.ChoiceField(
        list(OUTPUTS), required=False, default="original", help_text=_OPTIONS_HELP["output"]
    )
    format = serializers.ChoiceField(list(OUTPUTS), required=False, help_text="Alias of output.")
    mode = serializers.ChoiceField(list(MODES), required=False, default="lossy", help_text=_OPTIONS_HELP["mode"])
    quality = serializers.CharField(required=False, default="smart", help_text=_OPTIONS_HELP["quality"])
    target_size = serializers.CharField(required=False, help_text=_OPTIONS_HELP["target_size"])
    max_width = serializers.IntegerField(required=False, min_value=1, help_text=_OPTIONS_HELP["max_width"])
    max_height = serializers.IntegerField(required=False, min_value=1, help_text=_OPTIONS_HELP["max_height"])
    metadata = serializers.ChoiceField(
        list(METADATA), required=False, default="none", help_text=_OPTIONS_HELP["metadata"]
    )
    strip_metadata = serializers.BooleanField(required=False, help_text=_OPTIONS_HELP["strip_metadata"])
    webhook_url = serializers.URLField(required=False, help_text=_OPTIONS_HELP["webhook_url"])
    callback_url = serializers.URLField(required=False, help_text="Alias of webhook_url.")


@extend_schema_field(OpenApiTypes.BINARY)
class _ImageFile(serializers.FileField):
    """An uploaded image: binary in the schema, so "Try it out" offers a file picker and generated
    clients send bytes (a plain FileField is typed as a URI string in request bodies)."""


class CompressUpload(_Options):
    file = _ImageFile(required=False, help_text="The image; alias `image`.")
    image = _ImageFile(required=False, help_text="Alias of file.")
    url = serializers.URLField(required=False, help_text="An image to fetch instead; alias `file_url`.")
    file_url = serializers.URLField(required=False, help_text="Alias of url.")


class CompressJson(_Options):
    file_base64 = serializers.CharField(required=False, help_text="The image, base64 (a data: URI prefix is allowed).")
    url = serializers.URLField(required=False, help_text="An image to fetch; alias `file_url`.")
    file_url = serializers.URLField(required=False, help_text="Alias of url.")


class Accepted(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(["queued", "processing", "complete", "failed"])
    poll_url = serializers.URLField()
    estimated_seconds = serializers.IntegerField()


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
