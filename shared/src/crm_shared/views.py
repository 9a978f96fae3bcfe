"""Stored documents -> JSON response bodies, without re-validating on the hot path."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bson import Decimal128
from fastapi.responses import JSONResponse

HIDDEN_ALWAYS = frozenset({"_id", "search", "search_text"})
"""Storage-only keys no response shows (the id is returned as ``id``)."""


def to_json(value: Any) -> Any:
    """A BSON value as JSON: datetimes as ISO 8601 UTC (``Z``), decimals as strings."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal128):
        return str(value.to_decimal())
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def document_view(doc: Mapping[str, Any], hidden: frozenset[str] = HIDDEN_ALWAYS) -> dict[str, Any]:
    """The JSON body of one stored aggregate: ``id`` first, storage-only keys dropped."""
    body: dict[str, Any] = {"id": doc["_id"]}
    body.update({k: to_json(v) for k, v in doc.items() if k not in hidden})
    return body


def etag(doc: Mapping[str, Any]) -> str:
    """Strong ETag carrying the version, for ``If-Match``."""
    return f'"{doc["version"]}"'


def versioned_response(
    body: Mapping[str, Any], status_code: int = 200, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A JSON body that has a ``version``, with its ETag (and any extra headers)."""
    return JSONResponse(
        dict(body), status_code=status_code, headers={"ETag": etag(body), **(headers or {})}
    )
