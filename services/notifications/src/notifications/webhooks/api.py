"""HTTP routes of webhook subscriptions and their delivery log (admins: every subscription
of the tenant; API keys with the ``webhooks`` scope: their own)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import IdempotencyKey, IfMatch, RuntimeDep
from crm_shared.views import versioned_response
from notifications.webhooks import service
from notifications.webhooks.channel import WebhookChannel
from notifications.webhooks.schemas import WebhookCreate, WebhookUpdate
from notifications.webhooks.views import delivery_view, subscription_view

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


async def get_channel(request: Request) -> WebhookChannel:
    """The app's webhook channel (set by its start hook)."""
    channel: WebhookChannel = request.app.state.webhooks
    return channel


ReadWebhooks = Annotated[Access, require("webhooks", Action.READ)]
WriteWebhooks = Annotated[Access, require("webhooks", Action.WRITE)]
Channel = Annotated[WebhookChannel, Depends(get_channel)]
WebhookId = Annotated[str, Path(min_length=1, max_length=64)]
DeliveryId = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=1024)]


@router.get("")
async def list_webhooks(
    access: ReadWebhooks, rt: RuntimeDep, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    """The subscriptions the caller may see, oldest first."""
    docs, next_cursor = await service.list_subscriptions(rt, access, limit=limit, cursor=cursor)
    return {"items": [subscription_view(d) for d in docs], "next_cursor": next_cursor}


@router.post("", status_code=201)
async def create_webhook(
    body: WebhookCreate,
    access: WriteWebhooks,
    rt: RuntimeDep,
    channel: Channel,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Subscribe a URL to event types; the response carries the signing ``secret``, which
    is never shown again (``rotate-secret`` makes a new one)."""
    view, replayed = await service.create_subscription(
        rt, access, body, rules=channel.rules(rt.db), idempotency_key=idempotency_key
    )
    headers = {"Location": f"/v1/webhooks/{view['id']}", "Cache-Control": "no-store"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return versioned_response(view, status_code=201, headers=headers)


@router.get("/{webhook_id}")
async def get_webhook(webhook_id: WebhookId, access: ReadWebhooks, rt: RuntimeDep) -> JSONResponse:
    """One subscription with its ETag (no secret)."""
    doc = await service.get_subscription(rt, access, webhook_id)
    return versioned_response(subscription_view(doc))


@router.patch("/{webhook_id}")
async def update_webhook(
    webhook_id: WebhookId,
    body: WebhookUpdate,
    access: WriteWebhooks,
    rt: RuntimeDep,
    channel: Channel,
    if_match: IfMatch,
) -> JSONResponse:
    """Change url, event types, description or ``active`` (on again clears the failure run)."""
    doc = await service.update_subscription(
        rt, access, webhook_id, body, if_match=if_match, rules=channel.rules(rt.db)
    )
    return versioned_response(subscription_view(doc))


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(
    webhook_id: WebhookId,
    access: WriteWebhooks,
    rt: RuntimeDep,
    channel: Channel,
    if_match: IfMatch,
) -> Response:
    """Delete a subscription (deliveries still queued for it are dropped)."""
    await service.delete_subscription(
        rt, access, webhook_id, if_match=if_match, rules=channel.rules(rt.db)
    )
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret")
async def rotate_secret(
    webhook_id: WebhookId,
    access: WriteWebhooks,
    rt: RuntimeDep,
    channel: Channel,
    if_match: IfMatch,
) -> JSONResponse:
    """A new signing secret, shown this once; the old one also signs during the grace period."""
    view = await service.rotate_secret(
        rt, access, webhook_id, if_match=if_match, rules=channel.rules(rt.db)
    )
    return versioned_response(view, headers={"Cache-Control": "no-store"})


@router.post("/{webhook_id}/test", status_code=202)
async def test_webhook(
    webhook_id: WebhookId, access: WriteWebhooks, rt: RuntimeDep, channel: Channel
) -> dict[str, Any]:
    """Queue a signed ``WebhookTest`` ping; its outcome shows in the delivery log."""
    job = await service.send_test(
        rt, access, webhook_id, queue=channel.stores(rt.db).queue, offer=channel.offer
    )
    return {"delivery_id": job["_id"], "event_id": job["event_id"]}


@router.get("/{webhook_id}/deliveries")
async def list_deliveries(
    webhook_id: WebhookId,
    access: ReadWebhooks,
    rt: RuntimeDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The subscription's deliveries with their attempts, newest first."""
    docs, next_cursor = await service.list_deliveries(
        rt, access, webhook_id, limit=limit, cursor=cursor
    )
    return {"items": [delivery_view(d) for d in docs], "next_cursor": next_cursor}


@router.get("/{webhook_id}/deliveries/{delivery_id}")
async def get_delivery(
    webhook_id: WebhookId, delivery_id: DeliveryId, access: ReadWebhooks, rt: RuntimeDep
) -> dict[str, Any]:
    """One delivery with every attempt (time, HTTP status, error, latency)."""
    return delivery_view(await service.get_delivery(rt, access, webhook_id, delivery_id))


@router.post("/{webhook_id}/deliveries/{delivery_id}/replay", status_code=202)
async def replay_delivery(
    webhook_id: WebhookId,
    delivery_id: DeliveryId,
    access: WriteWebhooks,
    rt: RuntimeDep,
    channel: Channel,
) -> dict[str, Any]:
    """Send a failed or delivered delivery again with the same ``webhook-id`` (409 while it
    is still pending)."""
    doc = await service.replay_delivery(
        rt, access, webhook_id, delivery_id, queue=channel.stores(rt.db).queue, offer=channel.offer
    )
    return delivery_view(doc)
