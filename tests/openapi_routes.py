"""The routes of the app that take a PDF, as the API promises them and as its OpenAPI spec shows
them (``serve_app.http.upload_paths`` counts them as uploads)."""

from __future__ import annotations

PDF_ROUTES = {"/api/v1/ingestion/upload", "/api/v1/retrieval/similar",
              "/api/v1/summarization/summarize-uploaded", "/api/v1/questions/generate-from-upload"}


def routes_taking_a_file(spec: dict) -> set[str]:
    """Paths of an OpenAPI spec with an operation whose request body has a binary field."""
    found = set()
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                schema = media.get("schema", {})
                if "$ref" in schema:
                    schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
                # A file field: "format: binary" (OpenAPI 3.0 style), or a content media type (3.1).
                if any(field.get("format") == "binary" or "contentMediaType" in field
                       for field in schema.get("properties", {}).values()):
                    found.add(path)
    return found
