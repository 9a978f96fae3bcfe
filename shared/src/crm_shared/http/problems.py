"""RFC 9457 problem details for every error; never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from crm_shared.errors import ProblemError
from crm_shared.logs import request_id_var

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
_TYPE_BASE = "/problems/"
_HTTP_PROBLEMS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Unauthorized"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A ``application/problem+json`` response with a stable ``type``. ``extra`` members
    never replace the standard ones (``ProblemError`` rejects such names up front)."""
    body: dict[str, Any] = {"type": _TYPE_BASE + slug, "title": title, "status": status}
    body["detail"] = detail
    if instance:
        body["instance"] = instance
    if request_id := request_id_var.get():
        body["request_id"] = request_id
    for name, value in extra.items():
        body.setdefault(name, value)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        errors.append(
            {
                "location": loc,
                "field": ".".join(loc[1:]),
                "message": err.get("msg", ""),
                "code": err.get("type", ""),
            }
        )
    return errors


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return problem_response(
        exc.status,
        exc.slug,
        exc.title,
        exc.detail,
        instance=request.url.path,
        headers=headers,
        **exc.extra,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    if any(e["code"] == "json_invalid" for e in errors):
        return problem_response(
            400,
            "malformed-json",
            "Malformed JSON",
            "the request body is not valid JSON",
            instance=request.url.path,
        )
    return problem_response(
        422,
        "validation-error",
        "Validation error",
        f"{len(errors)} field(s) failed validation",
        instance=request.url.path,
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = _HTTP_PROBLEMS.get(exc.status_code, ("http-error", "HTTP error"))
    return problem_response(
        exc.status_code,
        slug,
        title,
        str(exc.detail),
        instance=request.url.path,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", exc)
    return problem_response(
        503,
        "service-unavailable",
        "Service unavailable",
        "the database is unavailable; nothing was changed, retry shortly",
        instance=request.url.path,
        headers={"Retry-After": "5"},
    )


async def _duplicate_key(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        409,
        "conflict",
        "Conflict",
        "a record with the same unique value exists",
        instance=request.url.path,
    )


def unexpected_error_response(request: Request, exc: Exception) -> JSONResponse:
    """Log ``exc`` with its traceback and answer 500 without revealing anything of it."""
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        500,
        "internal-error",
        "Internal error",
        "an unexpected error occurred; it has been logged",
        instance=request.url.path,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return unexpected_error_response(request, exc)


def install_problem_handlers(app: FastAPI) -> None:
    """Map every error the app can raise to a problem response."""
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ConnectionFailure, _database_unavailable)
    app.add_exception_handler(DuplicateKeyError, _duplicate_key)
    app.add_exception_handler(PyMongoError, _unexpected)
    app.add_exception_handler(Exception, _unexpected)
