"""OpenAPI details drf-spectacular cannot infer: the key schemes, and which routes belong to v1."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


def only_v1(endpoints: list) -> list:
    """Preprocessing hook: the v1 schema describes the v1 endpoints and nothing else."""
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].startswith("/api/v1/") and not endpoint[0].startswith(("/api/v1/schema", "/api/v1/docs"))
    ]


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
