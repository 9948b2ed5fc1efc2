"""/api/v1/docs: the upload is a binary file in a multipart body (a file picker in "Try it out"),
each operation has its own description, and the request schemas come from the parameters the
parser reads."""

from __future__ import annotations

import pytest
import yaml
from django.test import Client
from openapi_spec_validator import validate

from reducer.v1.errors import ApiError
from reducer.v1.parsing import PARAMS, parse_spec


@pytest.fixture
def schema(db) -> dict:
    answer = Client().get("/api/v1/schema")
    assert answer.status_code == 200
    return yaml.safe_load(answer.content)


def test_the_schema_is_valid_openapi(schema):
    validate(schema)


def test_the_upload_fields_are_binary_files_in_a_multipart_body(schema):
    body = schema["paths"]["/api/v1/compress"]["post"]["requestBody"]["content"]
    reference = body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][reference]["properties"]
    for name in ("file", "image"):
        assert fields[name]["type"] == "string" and fields[name]["format"] == "binary"


def test_each_operation_has_its_own_description(schema):
    descriptions = {
        operation["operationId"]: operation.get("description", "")
        for path in schema["paths"].values()
        for operation in path.values()
    }
    assert descriptions["compress"].startswith("Compress one image")
    assert len(set(descriptions.values())) == len(descriptions), descriptions
    assert not any("A keyed v1 endpoint" in text for text in descriptions.values())


def test_compress_has_request_examples_and_try_it_out_leaves_optional_fields_empty(schema):
    body = schema["paths"]["/api/v1/compress"]["post"]["requestBody"]["content"]
    assert all(body[media].get("examples") for media in ("multipart/form-data", "application/json"))
    reference = body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][reference]["properties"]
    # Swagger UI fills each form field with its example or default; a placeholder would be sent.
    assert {fields[name].get("example") for name in ("url", "max_width", "webhook_url", "format")} == {""}
    assert fields["output"]["default"] == "original"


def _properties(schema: dict, media: str) -> dict:
    body = schema["paths"]["/api/v1/compress"]["post"]["requestBody"]["content"][media]
    return schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]["properties"]


def test_the_request_schemas_name_the_parameters_the_parser_reads_and_their_choices(schema):
    for media, included in (("multipart/form-data", "in_form"), ("application/json", "in_json")):
        declared = {name for param in PARAMS.values() if getattr(param, included) for name in (param.name, param.alias)}
        assert set(_properties(schema, media)) == declared - {""}, media
    fields = _properties(schema, "application/json")
    for name in ("output", "mode", "metadata"):
        documented = schema["components"]["schemas"][fields[name]["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
        for choice in documented:
            parse_spec({name: choice})  # each choice the schema offers is one the parser takes
        with pytest.raises(ApiError, match="must be one of"):
            parse_spec({name: "undocumented"})
