"""HTTP helpers the routers of this service share: the id path parameter, versioned and
paged responses, the CSV download."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import JSONResponse, StreamingResponse

from contacts.imports.csv_format import to_csv_row
from crm_shared.csvio import stream_csv
from crm_shared.mongo.scoped import Document
from crm_shared.views import versioned_response

ResourceId = Annotated[str, Path(max_length=64, description="Resource id, e.g. con_01JD...")]


def doc_response(
    body: Mapping[str, Any], status_code: int = 200, location: str | None = None
) -> JSONResponse:
    """The body of a stored aggregate with its ETag (and ``Location`` for creates)."""
    headers = {"Location": location} if location else None
    return versioned_response(body, status_code=status_code, headers=headers)


def created_response(body: dict[str, Any], replayed: bool, location: str) -> JSONResponse:
    """201 with Location and ETag; ``Idempotent-Replayed`` on a replay."""
    headers = {"Location": location}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return versioned_response(body, status_code=201, headers=headers)


def page_response(items: list[dict[str, Any]], next_cursor: str | None) -> JSONResponse:
    """A list page: ``{items, next_cursor}``."""
    return JSONResponse({"items": items, "next_cursor": next_cursor})


def csv_export(
    name: str, columns: Sequence[str], docs: AsyncIterator[Document]
) -> StreamingResponse:
    """A streamed, formula-injection-safe CSV download of ``docs``."""

    async def rows() -> AsyncIterator[list[object]]:
        async for doc in docs:
            yield to_csv_row(doc, columns)

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        stream_csv(columns, rows()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'},
    )
