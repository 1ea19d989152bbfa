"""The finishing touches on the generated OpenAPI document: what every operation may answer.

APIFlask documents each route's own answers and its 401 and 422. The answers that any route may
give come from here, so that no route can forget them: every error as `application/problem+json`;
400, 429 (with Retry-After) everywhere; 413 and 415 where a body is read; and on every POST the
Idempotency-Key header with its 409 and 422.
"""

from __future__ import annotations

from typing import Any

from locker.centre.api.idempotency import HEADER, KEY
from locker.centre.api.problem_json import MEDIA_TYPE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem, told in the caller's language (Accept-Language).",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "urn:parcel-locker:problem:{code}"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "A stable code for programs (docs/api.md)."},
        "errors": {
            "type": "array",
            "description": "For invalid input: each field that is wrong, and why.",
            "items": {
                "type": "object",
                "required": ["in", "field", "messages"],
                "properties": {
                    "in": {"type": "string", "enum": ["body", "query", "header", "path"]},
                    "field": {"type": "string"},
                    "messages": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
COMMON = {
    "400": "The request or its JSON body could not be read (`bad_request`, `malformed_json`).",
    "429": "This token (or, without one, this address) has spent its requests for now "
    "(`rate_limited`); Retry-After says when to come back.",
}
WITH_BODY = {
    "413": "The body is larger than 64 KiB (`too_large`).",
    "415": "The body is not application/json (`unsupported_media_type`).",
}
ON_POST = {
    "409": "A request with the same Idempotency-Key is still running (`idempotency_in_flight`).",
    "422": "Invalid input (`invalid_input`), or an Idempotency-Key already used for another "
    "request (`idempotency_key_reused`).",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until requests are taken again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "Makes the POST happen once: the same key and body again get the first "
    "answer, for 24 hours.",
    "schema": {"type": "string", "pattern": f"^{KEY.pattern}$"},
}


def finish_document(document: dict[str, Any]) -> dict[str, Any]:
    """Add the answers every operation may give, and make every error a problem document."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = {str(status): answer for status, answer in operation["responses"].items()}
            extra = dict(COMMON)
            if "requestBody" in operation:
                extra |= WITH_BODY
            if method == "post":
                extra |= ON_POST
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == HEADER for p in parameters):
                    parameters.append(IDEMPOTENCY_PARAMETER)
            for status, description in extra.items():
                responses.setdefault(status, {"description": description})
            responses["429"].setdefault("headers", RETRY_AFTER)
            for status, answer in responses.items():
                if status[0] in "45":
                    answer["content"] = {MEDIA_TYPE: {"schema": PROBLEM_REF}}
            operation["responses"] = dict(sorted(responses.items()))
    return document
