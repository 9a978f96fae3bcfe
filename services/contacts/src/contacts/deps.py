"""HTTP helpers the routers of this service share: settings, paging, CSV in and out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.responses import JSONResponse, StreamingResponse

from contacts.contacts.schemas import Paging
from contacts.contacts.views import view
from contacts.csv_format import to_csv_row
from contacts.settings import ContactsSettings
from crm_shared.csvio import stream_csv
from crm_shared.http.deps import get_service_settings
from crm_shared.mongo.pagination import SortKeys, fingerprint
from crm_shared.mongo.repository import ListFilter, Repository
from crm_shared.mongo.scoped import Document
from crm_shared.views import versioned_response

SettingsDep = Annotated[ContactsSettings, Depends(get_service_settings)]
ResourceId = Annotated[str, Path(max_length=64, description="Resource id, e.g. con_01JD...")]


def search_text(q: str | None) -> str | None:
    """A search query, ``None`` when blank."""
    return q.strip() or None if q else None


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


async def list_page(
    repo: Repository,
    filter_: ListFilter,
    sort: SortKeys,
    paging: Paging,
    settings: ContactsSettings,
) -> JSONResponse:
    """One cursor page of ``repo`` for ``filter_`` in ``sort`` order."""
    docs, next_cursor = await repo.page(
        filter_,
        sort,
        limit=min(paging.limit, settings.max_page_size),
        cursor=paging.cursor,
        query_fingerprint=fingerprint(repo.tenant_id, filter_.to_query(), filter_.q, sort),
        windowed=settings.list_windowing,
    )
    return page_response([view(d) for d in docs], next_cursor)
