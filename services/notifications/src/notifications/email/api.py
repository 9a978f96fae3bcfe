"""HTTP routes of e-mail deliveries: the delivery records, newest first, and one by id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from crm_shared.http.deps import RuntimeDep
from crm_shared.mongo.pagination import fingerprint
from crm_shared.views import to_json
from notifications.deps import ReadEmails, SettingsDep
from notifications.email.repository import (
    NEWEST_FIRST,
    EmailDeliveryRepository,
    EmailFilter,
    EmailStatus,
    delivery_view,
)

router = APIRouter(prefix="/v1/emails", tags=["emails"])
RequestId = Annotated[str, Path(min_length=1, max_length=128)]


class EmailQuery(BaseModel):
    """List filters and the page window."""

    model_config = ConfigDict(extra="forbid")

    status: EmailStatus | None = None
    campaign_id: str | None = Field(default=None, min_length=1, max_length=64)
    to: str | None = Field(default=None, min_length=3, max_length=320)
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=1024)

    def to_filter(self) -> EmailFilter:
        """The repository filter."""
        return EmailFilter(status=self.status, campaign_id=self.campaign_id, to=self.to)


@router.get("")
async def list_emails(
    access: ReadEmails, rt: RuntimeDep, settings: SettingsDep, query: Annotated[EmailQuery, Query()]
) -> dict[str, Any]:
    """A page of e-mail deliveries, newest first; filter by status, campaign, recipient."""
    filter_ = query.to_filter()
    docs, next_cursor = await EmailDeliveryRepository(rt.db, access.tenant_id).page(
        filter_,
        NEWEST_FIRST,
        limit=min(query.limit, settings.max_page_size),
        cursor=query.cursor,
        query_fingerprint=fingerprint("emails", access.tenant_id, filter_.to_query()),
        windowed=settings.list_windowing,
    )
    return {"items": [to_json(delivery_view(d)) for d in docs], "next_cursor": next_cursor}


@router.get("/{request_id}")
async def get_email(request_id: RequestId, access: ReadEmails, rt: RuntimeDep) -> dict[str, Any]:
    """One e-mail delivery by the request id of its EmailRequested event."""
    doc = await EmailDeliveryRepository(rt.db, access.tenant_id).get(request_id)
    result: dict[str, Any] = to_json(delivery_view(doc))
    return result
