"""HTTP routes of campaigns: CRUD, lists, launch and status actions, members, metrics,
template previews."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field

from campaigns.audience.schemas import AudienceFigures
from campaigns.audience.service import audience_figures
from campaigns.campaigns import service
from campaigns.campaigns.domain import CampaignStatus, CampaignType, MemberStatus
from campaigns.campaigns.schemas import CampaignCreate, CampaignOut, CampaignUpdate, MembersAdd
from campaigns.campaigns.sender import Sender
from campaigns.campaigns.views import member_view, view
from campaigns.deps import (
    Paging,
    ReadCampaigns,
    ResourceId,
    SenderDep,
    SettingsDep,
    WriteCampaigns,
)
from campaigns.metrics.service import campaign_metrics
from campaigns.templates.schemas import TemplatePreviewIn, TemplatePreviewOut
from campaigns.templates.service import preview_template
from crm_shared.auth import Access
from crm_shared.errors import BadRequest
from crm_shared.http.deps import IdempotencyKey, IfMatch, RuntimeDep
from crm_shared.mongo.repository import ListFilter
from crm_shared.runtime import Runtime
from crm_shared.views import versioned_response

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])
OptQueryId = Annotated[
    str | None, Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
]


class CampaignQuery(Paging):
    """List filters; ``contact_id`` lists the campaigns a contact is a member of."""

    model_config = ConfigDict(extra="forbid")

    status: CampaignStatus | None = None
    type: CampaignType | None = None
    owner_id: OptQueryId = None
    contact_id: OptQueryId = None


class MemberQuery(Paging):
    """Member list filter."""

    status: MemberStatus | None = None


@router.post("", status_code=201, response_model=CampaignOut)
async def create_campaign(
    body: CampaignCreate,
    access: WriteCampaigns,
    rt: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Create a planned campaign."""
    created, replayed = await service.create_campaign(
        rt, access, body, idempotency_key=idempotency_key
    )
    headers = {"Location": f"/v1/campaigns/{created['id']}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return versioned_response(created, status_code=201, headers=headers)


@router.get("")
async def list_campaigns(
    access: ReadCampaigns,
    rt: RuntimeDep,
    settings: SettingsDep,
    query: Annotated[CampaignQuery, Query()],
) -> dict[str, Any]:
    """A page of campaigns, newest first; with ``contact_id`` the contact's campaigns,
    each with its ``membership``."""
    limit = min(query.limit, settings.max_page_size)
    if query.contact_id is not None:
        if query.status or query.type or query.owner_id:
            raise BadRequest("contact_id cannot be combined with other filters")
        items, next_cursor = await service.campaigns_of_contact(
            rt, access, query.contact_id, limit=limit, cursor=query.cursor
        )
    else:
        filter_ = ListFilter(
            equals={
                "status": query.status.value if query.status else None,
                "type": query.type.value if query.type else None,
                "owner_id": query.owner_id,
            }
        )
        items, next_cursor = await service.list_campaigns(
            rt,
            access,
            filter_,
            limit=limit,
            cursor=query.cursor,
            windowed=settings.list_windowing,
        )
    return {"items": items, "next_cursor": next_cursor}


@router.post("/template-preview", responses={404: {"description": "No such contact in the tenant"}})
async def preview_campaign_template(
    body: TemplatePreviewIn, access: ReadCampaigns, rt: RuntimeDep
) -> TemplatePreviewOut:
    """A template personalized as its e-mail would be (same tokens, fallbacks and HTML
    escaping; no tracking) for ``contact_id``, a sample contact, or placeholder values."""
    return await preview_template(rt, access, body)


@router.get("/{campaign_id}", response_model=CampaignOut)
async def get_campaign(
    campaign_id: ResourceId, access: ReadCampaigns, rt: RuntimeDep
) -> JSONResponse:
    """One campaign with its ETag."""
    return versioned_response(view(await service.get_campaign(rt, access, campaign_id)))


@router.patch("/{campaign_id}", response_model=CampaignOut)
async def update_campaign(
    campaign_id: ResourceId,
    body: CampaignUpdate,
    access: WriteCampaigns,
    rt: RuntimeDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Change some fields; ``If-Match`` guards against lost updates (409)."""
    doc = await service.update_campaign(rt, access, campaign_id, body, if_match=if_match)
    return versioned_response(view(doc))


@router.delete("/{campaign_id}", status_code=204)
async def delete_campaign(
    campaign_id: ResourceId, access: WriteCampaigns, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete a campaign that is not sending, with its members and metrics."""
    await service.delete_campaign(rt, access, campaign_id, if_match=if_match)
    return Response(status_code=204)


@router.post(
    "/{campaign_id}/launch",
    status_code=202,
    response_model=CampaignOut,
    responses={
        200: {"model": CampaignOut, "description": "A paused campaign continues sending"},
        202: {
            "description": "Launched: the audience is being enrolled in the background "
            "(``enrolling`` is true until it is); ``Location`` is the campaign",
        },
    },
)
async def launch_campaign(
    campaign_id: ResourceId,
    access: WriteCampaigns,
    rt: RuntimeDep,
    sender: SenderDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Launch a planned campaign: answered 202 at once, while the background sender
    enrols its audience (its segments evaluated now plus the members added by id; watch
    ``enrolling`` and the metrics) and then sends; a paused campaign continues (200). 409
    unless planned or paused, or without a template or an audience."""
    doc = await service.launch(rt, access, campaign_id, if_match=if_match, wake=sender.wake)
    body = view(doc)
    if body["enrolling"]:
        location = {"Location": f"/v1/campaigns/{campaign_id}"}
        return versioned_response(body, status_code=202, headers=location)
    return versioned_response(body)


async def _status(
    target: CampaignStatus,
    campaign_id: str,
    access: Access,
    rt: Runtime,
    sender: Sender,
    if_match: int | None,
) -> JSONResponse:
    doc = await service.change_status(
        rt, access, campaign_id, target, if_match=if_match, wake=sender.wake
    )
    return versioned_response(view(doc))


@router.post("/{campaign_id}/pause", response_model=CampaignOut)
async def pause_campaign(
    campaign_id: ResourceId,
    access: WriteCampaigns,
    rt: RuntimeDep,
    sender: SenderDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Stop sending (e-mails already requested stay requested); 409 while the campaign is
    still enrolling its audience."""
    return await _status(CampaignStatus.PAUSED, campaign_id, access, rt, sender, if_match)


@router.post("/{campaign_id}/resume", response_model=CampaignOut)
async def resume_campaign(
    campaign_id: ResourceId,
    access: WriteCampaigns,
    rt: RuntimeDep,
    sender: SenderDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Continue sending a paused campaign."""
    return await _status(CampaignStatus.ACTIVE, campaign_id, access, rt, sender, if_match)


@router.post("/{campaign_id}/complete", response_model=CampaignOut)
async def complete_campaign(
    campaign_id: ResourceId,
    access: WriteCampaigns,
    rt: RuntimeDep,
    sender: SenderDep,
    if_match: IfMatch,
) -> JSONResponse:
    """End a launched campaign now (members not yet e-mailed are not)."""
    return await _status(CampaignStatus.COMPLETED, campaign_id, access, rt, sender, if_match)


@router.get("/{campaign_id}/audience")
async def get_audience(
    campaign_id: ResourceId, access: ReadCampaigns, rt: RuntimeDep
) -> AudienceFigures:
    """How many contacts the campaign reaches: before launch, its segments evaluated now
    plus the members added by id, and how many of them launch would suppress; once
    launched, the frozen figures (members enrolled since the launch, growing while it is
    ``enrolling``, or added since)."""
    return await audience_figures(rt, access, campaign_id)


@router.get("/{campaign_id}/members")
async def list_members(
    campaign_id: ResourceId,
    access: ReadCampaigns,
    rt: RuntimeDep,
    settings: SettingsDep,
    query: Annotated[MemberQuery, Query()],
) -> dict[str, Any]:
    """A page of the campaign's members by contact id, optionally of one status."""
    items, next_cursor = await service.list_members(
        rt,
        access,
        campaign_id,
        query.status.value if query.status else None,
        limit=min(query.limit, settings.max_page_size),
        cursor=query.cursor,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post("/{campaign_id}/members")
async def add_members(
    campaign_id: ResourceId,
    body: MembersAdd,
    access: WriteCampaigns,
    rt: RuntimeDep,
    sender: SenderDep,
) -> dict[str, Any]:
    """Add contacts by id; in a launched campaign they are e-mailed too (409 while it is
    still enrolling its audience, or once completed)."""
    return await service.add_members(rt, access, campaign_id, body.contact_ids, wake=sender.wake)


@router.post("/{campaign_id}/members/{contact_id}/responded")
async def mark_responded(
    campaign_id: ResourceId, contact_id: ResourceId, access: WriteCampaigns, rt: RuntimeDep
) -> dict[str, Any]:
    """Record a member's response (a reply, a sign-up, a call back)."""
    return member_view(await service.mark_responded(rt, access, campaign_id, contact_id))


@router.get("/{campaign_id}/metrics")
async def get_metrics(
    campaign_id: ResourceId, access: ReadCampaigns, rt: RuntimeDep
) -> dict[str, Any]:
    """Audience, delivery, engagement, leads, won deals, revenue, cost and ROI."""
    return await campaign_metrics(rt, access, campaign_id)
