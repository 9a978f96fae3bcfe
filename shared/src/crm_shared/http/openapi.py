"""The error answers of every operation, declared in the OpenAPI document.

Errors are ``application/problem+json`` (see :mod:`crm_shared.http.problems`). Which ones
an operation can give follows from its shape, so they are declared here once rather than
on each route:

- 400 (malformed JSON, cursor or header) and 422 (validation) when it takes input;
- 401 and 403 when it needs credentials (its ``security``);
- 404 when its path names a resource;
- 409 (version or uniqueness conflict) when it writes with credentials;
- 413 when it takes a body;
- 503 always (the database is unavailable), and whatever ``always`` adds.

A route declares any other error with FastAPI's ``responses={status: {"description":
...}}``; every 4xx and 5xx response gets the problem schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI

from crm_shared.http.problems import PROBLEM_JSON

Document = dict[str, Any]
PROBLEM_REF = "#/components/schemas/Problem"
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
HTTP_METHODS = frozenset({"get", "head", "options", *WRITE_METHODS})
DESCRIPTIONS = {
    400: "Malformed request: JSON, cursor or header",
    401: "Missing or invalid credentials",
    403: "The caller's roles or scopes do not allow this",
    404: "Not found in the caller's tenant",
    409: "Conflicts with the current state (a changed version, a duplicate)",
    413: "The body is too large",
    422: "Validation error; ``errors`` lists each field",
    429: "Rate limit reached; retry after ``Retry-After`` seconds",
    503: "A dependency is unavailable; retry after ``Retry-After`` seconds",
}
PROBLEM_SCHEMA: Document = {
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "Stable problem type, e.g. /problems/conflict"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path that was called"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Field errors of a 422",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "location": {"type": "array", "items": {"type": "string"}},
                    "code": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_PATH_PARAMETER = re.compile(r"\{[^}]+\}")


def error_statuses(path: str, method: str, operation: Document) -> set[int]:
    """The problem statuses ``method path`` can answer, from its shape (module docstring)."""
    statuses = {503}
    takes_body = "requestBody" in operation
    if takes_body or operation.get("parameters"):
        statuses |= {400, 422}
    if operation.get("security"):
        statuses |= {401, 403}
    if _PATH_PARAMETER.search(path):
        statuses.add(404)
    if method in WRITE_METHODS and operation.get("security"):
        statuses.add(409)
    if takes_body:
        statuses.add(413)
    return statuses


def declare_problems(document: Document, *, always: Iterable[int] = ()) -> Document:
    """Add the problem responses to every operation of ``document`` (in place; applying it
    again changes nothing) and return it."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    problem_content = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}
    for path, item in (document.get("paths") or {}).items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            responses: Document = operation.setdefault("responses", {})
            for status in error_statuses(path, method, operation) | set(always):
                responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
            for code, response in responses.items():
                if code[:1] in ("4", "5"):
                    response["content"] = problem_content
                    if code == "422" and response.get("description") == "Validation Error":
                        response["description"] = DESCRIPTIONS[422]
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return document


def document_problems(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare the problem responses (see :func:`declare_problems`)."""
    generate = app.openapi

    def openapi() -> Document:
        return declare_problems(generate())

    app.openapi = openapi  # type: ignore[method-assign]
