"""HTTP routes of e-mail deliveries: the delivery records, newest first, and one by id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import RuntimeDep
from crm_shared.views import to_json
from notifications.deps import SettingsDep
from notifications.email import service
from notifications.email.schemas import EmailQuery
from notifications.email.views import delivery_view

router = APIRouter(prefix="/v1/emails", tags=["emails"])
RequestId = Annotated[str, Path(min_length=1, max_length=128)]
ReadEmails = Annotated[Access, require("campaigns", Action.READ)]
"""E-mail delivery records are campaign data: whoever may read campaigns may read them."""


@router.get("")
async def list_emails(
    access: ReadEmails, rt: RuntimeDep, settings: SettingsDep, query: Annotated[EmailQuery, Query()]
) -> dict[str, Any]:
    """A page of e-mail deliveries, newest first; filter by status, campaign, recipient."""
    docs, next_cursor = await service.list_deliveries(
        rt,
        access,
        query,
        limit=min(query.limit, settings.max_page_size),
        windowed=settings.list_windowing,
    )
    return {"items": [to_json(delivery_view(d)) for d in docs], "next_cursor": next_cursor}


@router.get("/{request_id}")
async def get_email(request_id: RequestId, access: ReadEmails, rt: RuntimeDep) -> dict[str, Any]:
    """One e-mail delivery by the request id of its EmailRequested event."""
    doc = await service.get_delivery(rt, access, request_id)
    result: dict[str, Any] = to_json(delivery_view(doc))
    return result
