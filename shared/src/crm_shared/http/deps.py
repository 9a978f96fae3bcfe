"""FastAPI dependencies every service's routes share: runtime, settings, If-Match, keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from crm_shared.errors import BadRequest, ProblemError
from crm_shared.runtime import Runtime
from crm_shared.settings import ServiceSettings

# Dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in a worker
# thread, a hand-off that costs more than these one-line bodies.


async def get_runtime(request: Request) -> Runtime:
    """The service runtime built in the lifespan."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_service_settings(request: Request) -> ServiceSettings:
    """This app's settings (a service annotates its own settings class:
    ``Annotated[LeadsSettings, Depends(get_service_settings)]``)."""
    settings: ServiceSettings = request.app.state.settings
    return settings


async def if_match_version(
    if_match: Annotated[str | None, Header(description='Expected version, e.g. "3"')] = None,
) -> int | None:
    """The version from ``If-Match`` (the ETag a read returned), if sent."""
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise BadRequest('If-Match must be an ETag such as "3"')
    return int(raw)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
IfMatch = Annotated[int | None, Depends(if_match_version)]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", max_length=128, pattern=r"^[\x21-\x7e]+$")
]


CSV_CONTENT_TYPES = frozenset({"text/csv", "application/csv", "application/octet-stream"})
CSV_UPLOAD: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The CSV file as the raw body (UTF-8; comma, semicolon or tab)",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
"""``openapi_extra`` of an import route: its body, which :func:`csv_body` reads."""
CSV_DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "CSV (UTF-8 with a byte order mark), streamed",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
"""``responses`` of an export route."""


def csv_body(request: Request) -> AsyncIterator[bytes]:
    """The raw CSV body of an import (``Content-Type: text/csv``), streamed."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in CSV_CONTENT_TYPES:
        raise ProblemError("send the file as the raw body with Content-Type: text/csv")
    return request.stream()
