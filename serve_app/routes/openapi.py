"""How routes describe themselves in OpenAPI beyond their signatures: their error responses,
and the request bodies of the routes that read a form themselves."""

from __future__ import annotations

from pydantic import BaseModel

from serve_app.schemas import ErrorResponse, SimilarForm, SimilarRequest

ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 404, 413, 415, 422, 429, 503)}
GENERATION_ERRORS = {**ERRORS, 502: {"model": ErrorResponse}, 504: {"model": ErrorResponse}}
OPENAI_ERRORS = {**ERRORS, 504: {"model": ErrorResponse},
                 200: {"description": "JSON; with `stream: true` server-sent events of chunks, "
                                      "ending with `data: [DONE]`",
                       "content": {"text/event-stream": {"schema": {"type": "string"}}}}}
CHAT_STREAM_ERRORS = {**GENERATION_ERRORS,
                      200: {"description": "JSON; with `stream: true` server-sent events: `token` events, "
                                           "one `answer` event with the response body, then `data: [DONE]`",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}}}}


def upload_form_body(form_model: type[BaseModel], file_description: str) -> dict:
    """OpenAPI of a route that reads a PDF ``file`` and ``form_model``'s fields from a multipart
    form itself (so FastAPI cannot describe it)."""
    form_schema = form_model.model_json_schema()
    form_schema["properties"]["file"] = {"type": "string", "format": "binary", "description": file_description}
    form_schema["properties"]["focus_areas"] = {"type": "string", "description": "Comma-separated, "
                                                "or the field repeated."}
    form_schema["required"] = ["file"]
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": form_schema}}}}


def similar_request_body() -> dict:
    """OpenAPI of ``POST /similar``'s two request shapes (the route reads the body itself)."""
    json_schema = SimilarRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    json_schema.pop("$defs", None)  # CaseFilters is in components already (SearchRequest)
    form_schema = SimilarForm.model_json_schema()
    form_schema["properties"]["file"] = {"type": "string", "format": "binary",
                                         "description": "A PDF to find similar cases to (not stored)."}
    form_schema["description"] = "Either case_id or file; filters as flat fields."
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": json_schema},
        "multipart/form-data": {"schema": form_schema},
    }}}
