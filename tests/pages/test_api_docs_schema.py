"""/api/v1/docs: the upload is a binary file in a multipart body (a file picker in "Try it out"),
and each operation has its own description."""

from __future__ import annotations

import pytest
import yaml
from django.test import Client


@pytest.fixture
def schema(db) -> dict:
    answer = Client().get("/api/v1/schema")
    assert answer.status_code == 200
    return yaml.safe_load(answer.content)


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
