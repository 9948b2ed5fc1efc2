"""OpenAPI details drf-spectacular cannot infer: the key schemes, and which routes belong to v1."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension


def only_v1(endpoints: list) -> list:
    """Preprocessing hook: the v1 schema describes the v1 endpoints and nothing else."""
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].startswith("/api/v1/") and not endpoint[0].startswith(("/api/v1/schema", "/api/v1/docs"))
    ]


def blank_optional_form_fields(result: dict, generator, request, public: bool) -> dict:
    """Postprocessing hook: optional form fields without a default get an empty example.

    Swagger UI's "Try it out" fills every field of a form body with the schema's example, or a
    placeholder ("string", 1, true) when there is none, and sends them all: an upload would come
    with url=string, max_width=1 and both names of each aliased option, and be refused. A field
    left empty is not sent.
    """
    for operation in (operation for path in result["paths"].values() for operation in path.values()):
        form = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
        if not form:
            continue
        fields = result["components"]["schemas"][form["schema"]["$ref"].rsplit("/", 1)[1]]["properties"]
        for field in fields.values():
            if not ({"default", "example"} & field.keys()) and field.get("format") != "binary":
                field["example"] = ""
    return result


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "reducer.v1.auth.ApiKeyAuthentication"
    name = ["bearerKey", "headerKey", "queryKey"]

    def get_security_definition(self, auto_schema) -> list[dict]:
        return [
            {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer KEY"},
            {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            {"type": "apiKey", "in": "query", "name": "api_key"},
        ]

    def get_security_requirement(self, auto_schema) -> list[dict]:
        return [{name: []} for name in self.name]  # any one of them, not all


# Each operation's own description. Without these, every keyed operation would be described by
# the docstring of the views' common base class.
DESCRIPTIONS = {
    "reducer.v1.views.CompressView": (
        "Compress one image, sent as a multipart upload (`file`), as base64 in JSON (`file_base64`) or "
        "as a URL to fetch (`url`). Uploads under the sync limit (see GET /info) are answered at once "
        "with the compressed file and X-* headers; anything larger, and anything that takes longer than "
        "the sync wait, is answered 202 with a job to poll at GET /jobs/{id}. One credit per image; "
        "failures are not charged."
    ),
    "reducer.v1.views.JobView": (
        "A job's state. Once `complete`: the result's size, savings, format, dimensions and SSIMULACRA2 "
        "score, and a signed `download_url` that needs no key. Once `failed`: the error code and message."
    ),
    "reducer.v1.views.JobDownloadView": "Redirect to a fresh signed download link of a complete job's result.",
    "reducer.v1.views.InfoView": "The account's credits and rate limit, and what this server accepts and makes.",
}


def _describe(path: str) -> None:
    """Register an extension giving the view at ``path`` its own docstring in the schema."""

    class Described(OpenApiViewExtension):
        target_class = path

        def view_replacement(self) -> type:
            return type(self.target.__name__, (self.target,), {"__doc__": DESCRIPTIONS[path]})


for _path in DESCRIPTIONS:
    _describe(_path)  # defining an extension subclass is what registers it
