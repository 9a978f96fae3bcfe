"""Webhook deliveries end to end on the real stack: events published on Kafka reach a real
HTTP receiver on 127.0.0.1, signed (verified with the ``standardwebhooks`` package), with
retries, failures for good, switching off, per-aggregate order, replay and the test ping."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from standardwebhooks import Webhook

from crm_devstack.observability import scrape
from crm_devstack.servers import free_port
from crm_devstack.testing import eventually, unique_name, wait_consumed
from crm_shared.events.catalogue import DealStageChanged, LeadDeleted
from crm_shared.events.envelope import CloudEvent
from notifications.webhooks.domain import delivery_id
from notifications.webhooks.repository import DELIVERIES, SUBSCRIPTIONS

from .conftest import NotificationsHarness

Reply = tuple[int, dict[str, str]]


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """A minimal HTTP/1.1 server on 127.0.0.1 (keep-alive, Content-Length bodies) that
    records every request and answers scripted replies per path (then 200)."""

    requests: list[Received] = field(default_factory=list)
    scripts: dict[str, list[Reply]] = field(default_factory=dict)
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *replies: int | Reply) -> None:
        """Answer the next requests to ``path`` with ``replies`` (status or status+headers)."""
        self.scripts[path] = [r if isinstance(r, tuple) else (r, {}) for r in replies]

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, ValueError):
            while request_line := await reader.readline():
                _, path, _ = request_line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                script = self.scripts.get(path)
                status, extra = script.pop(0) if script else (200, {})
                self.requests.append(Received(path, headers, body, status))
                lines = [f"HTTP/1.1 {status} Scripted", "content-length: 2"]
                lines += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(lines) + "\r\n\r\nok").encode())
                await writer.drain()
        writer.close()


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    """The webhook receiver of this module's tests (stopped at the end)."""
    server = Receiver()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@dataclass
class Hook:
    """A subscription of the test's tenant pointing at its own receiver path."""

    id: str
    secret: str
    path: str


async def subscribe(
    n: NotificationsHarness,
    receiver: Receiver,
    event_types: list[str],
    *,
    tenant: str | None = None,
) -> Hook:
    path = f"/{unique_name('hook_')}"
    response = await n.client.post(
        "/v1/webhooks",
        json={"url": receiver.url(path), "event_types": event_types},
        headers=n.auth(tenant=tenant),
    )
    assert response.status_code == 201, response.text
    return Hook(response.json()["id"], response.json()["secret"], path)


def stage_changed(deal_id: str, to_stage: str = "qualification") -> DealStageChanged:
    return DealStageChanged(
        deal_id=deal_id,
        pipeline_id="pipe_1",
        from_stage="prospecting",
        to_stage=to_stage,
        amount=Decimal("1000000"),
        currency="IDR",
        probability=20,
        changed_by="user_1",
    )


async def consumed(n: NotificationsHarness, owner: str) -> None:
    """Wait until the webhook fan-out has gone through everything now on ``owner``'s topic."""
    await wait_consumed(
        n.settings.kafka_bootstrap,
        group=n.settings.group_id("notifications-webhooks"),
        topic=n.settings.topic(owner),
    )


async def delivery(n: NotificationsHarness, hook: Hook, event: CloudEvent) -> dict[str, Any]:
    response = await n.client.get(
        f"/v1/webhooks/{hook.id}/deliveries/{delivery_id(hook.id, event.id)}", headers=n.auth()
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def settled(n: NotificationsHarness, hook: Hook, event: CloudEvent, status: str) -> Any:
    """Wait until the delivery of ``event`` to ``hook`` is ``status``; returns its log."""

    async def check() -> dict[str, Any] | None:
        found = await n.runtime.db[DELIVERIES].find_one({"_id": delivery_id(hook.id, event.id)})
        if found is None or found["status"] not in ("done", "failed"):
            return None
        return await delivery(n, hook, event)

    log = await eventually(check, timeout=30, what=f"delivery of {event.type} settled")
    assert log["status"] == status, log
    return log


async def test_events_arrive_signed(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications
    hook = await subscribe(n, receiver, ["Deal*"])
    ignored = await n.publish("leads", LeadDeleted(lead_id="lead_1", deleted_by="user_1"))
    event = await n.publish("deals", stage_changed("deal_1"))
    log = await settled(n, hook, event, "delivered")

    [request] = receiver.at(hook.path)
    assert request.body == event.to_bytes()
    assert request.headers["content-type"] == "application/cloudevents+json"
    assert request.headers["webhook-id"] == delivery_id(hook.id, event.id) == log["id"]
    verified = Webhook(hook.secret).verify(request.body, request.headers)
    assert verified["id"] == event.id
    assert verified["type"] == "DealStageChanged"
    assert verified["tenantid"] == n.tenant
    assert log["event_type"] == "DealStageChanged"
    assert [a["status_code"] for a in log["attempts"]] == [200]
    assert log["attempts"][0]["latency_ms"] >= 0
    await consumed(n, "leads")
    assert await n.runtime.db[DELIVERIES].count_documents({"event_id": ignored.id}) == 0

    listed = await n.client.get(f"/v1/webhooks/{hook.id}/deliveries", headers=n.auth())
    assert [d["id"] for d in listed.json()["items"]] == [log["id"]]


async def test_fan_out_hands_its_deliveries_to_its_own_dispatcher(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications
    hook = await subscribe(n, receiver, ["Deal*"])
    event = await n.publish("deals", stage_changed("deal_handed_over"))
    await settled(n, hook, event, "delivered")
    stored = await n.runtime.db[DELIVERIES].find_one({"_id": delivery_id(hook.id, event.id)})
    assert stored is not None
    dispatcher = n.runtime.dispatchers["webhook"]
    assert (stored["attempts"], stored["claimed_by"]) == (1, dispatcher.queue.instance_id)
    assert "head" not in stored, "a finished delivery leaves its ordering group"


async def test_tenants_only_get_their_own_events(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications
    other_tenant = unique_name("tenant_")
    mine = await subscribe(n, receiver, ["*"])
    theirs = await subscribe(n, receiver, ["*"], tenant=other_tenant)
    event = await n.publish("deals", stage_changed("deal_shared_id"))
    await settled(n, mine, event, "delivered")
    assert receiver.at(theirs.path) == []
    assert await n.runtime.db[DELIVERIES].count_documents({"tenant_id": other_tenant}) == 0


async def test_server_errors_are_retried_with_the_same_id(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications
    hook = await subscribe(n, receiver, ["DealStageChanged"])
    receiver.script(hook.path, 500, 503, (429, {"retry-after": "0"}))
    event = await n.publish("deals", stage_changed("deal_retry"))
    log = await settled(n, hook, event, "delivered")

    requests = receiver.at(hook.path)
    assert [r.status for r in requests] == [500, 503, 429, 200]
    assert {r.headers["webhook-id"] for r in requests} == {log["id"]}
    for request in requests:
        Webhook(hook.secret).verify(request.body, request.headers)
    assert [a["status_code"] for a in log["attempts"]] == [500, 503, 429, 200]
    assert log["attempts"][0]["error"] == "HTTP 500"
    subscription = (await n.client.get(f"/v1/webhooks/{hook.id}", headers=n.auth())).json()
    assert subscription["consecutive_failures"] == 0


async def test_client_errors_fail_for_good_and_are_announced(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications
    hook = await subscribe(n, receiver, ["Deal*"])
    receiver.script(hook.path, 410, 400)
    first = await n.publish("deals", stage_changed("deal_gone"))
    second = await n.publish("deals", stage_changed("deal_bad"))
    logs = [await settled(n, hook, event, "failed") for event in (first, second)]

    # two deals are two ordering groups, delivered in either order: 410 went to one
    assert sorted(log["last_status"] for log in logs) == [400, 410]
    gone, gone_event = next(
        (log, e) for log, e in zip(logs, (first, second), strict=True) if log["last_status"] == 410
    )
    assert len(receiver.at(hook.path)) == 2
    notices = await n.wait_events(2, "WebhookDeliveryFailed")
    by_delivery = {e.data["delivery_id"]: e.data for e in notices}
    notice = by_delivery[gone["id"]]
    assert notice["subscription_id"] == hook.id
    assert notice["event_id"] == gone_event.id
    assert notice["event_type_delivered"] == "DealStageChanged"
    assert notice["last_status"] == 410
    assert notice["attempts"] == 1
    assert notice["subscription_disabled"] is False
    subscription = (await n.client.get(f"/v1/webhooks/{hook.id}", headers=n.auth())).json()
    assert subscription["consecutive_failures"] == 2
    assert subscription["active"] is True
    # a delivery that gets through ends the run
    await settled(n, hook, await n.publish("deals", stage_changed("deal_fine")), "delivered")
    subscription = (await n.client.get(f"/v1/webhooks/{hook.id}", headers=n.auth())).json()
    assert subscription["consecutive_failures"] == 0


async def test_failing_subscription_is_switched_off(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications  # the test settings switch off after 3 failed deliveries
    hook = await subscribe(n, receiver, ["*"])
    watcher = await subscribe(n, receiver, ["WebhookDeliveryFailed"])
    receiver.script(hook.path, 404, 404, 404)
    events = [await n.publish("deals", stage_changed(f"deal_off_{i}")) for i in range(3)]
    for event in events:
        await settled(n, hook, event, "failed")

    subscription = (await n.client.get(f"/v1/webhooks/{hook.id}", headers=n.auth())).json()
    assert subscription["active"] is False
    assert "3 failed deliveries" in subscription["disabled_reason"]
    notices = await n.wait_events(3, "WebhookDeliveryFailed")
    assert [e.data["subscription_disabled"] for e in notices].count(True) == 1
    # the other subscription hears of each failure; the failing one does not hear of its own
    await eventually(lambda: len(receiver.at(watcher.path)) == 3, timeout=20, what="notices")
    assert len(receiver.at(hook.path)) == 3

    later = await n.publish("deals", stage_changed("deal_after_off"))
    await consumed(n, "deals")
    assert await n.runtime.db[DELIVERIES].count_documents({"event_id": later.id}) == 0


async def test_one_aggregate_is_delivered_in_order(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications
    hook = await subscribe(n, receiver, ["DealStageChanged"])
    receiver.script(hook.path, 500, 500)
    first = await n.publish("deals", stage_changed("deal_ordered", "qualification"))
    second = await n.publish("deals", stage_changed("deal_ordered", "proposal_quote"))
    await settled(n, hook, second, "delivered")
    await settled(n, hook, first, "delivered")

    order = [r.headers["webhook-id"] for r in receiver.at(hook.path)]
    ids = delivery_id(hook.id, first.id), delivery_id(hook.id, second.id)
    assert order == [ids[0], ids[0], ids[0], ids[1]]


async def test_replay_sends_again_with_the_same_id(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications
    hook = await subscribe(n, receiver, ["Deal*"])
    receiver.script(hook.path, 400)
    event = await n.publish("deals", stage_changed("deal_replay"))
    failed = await settled(n, hook, event, "failed")
    path = f"/v1/webhooks/{hook.id}/deliveries/{failed['id']}/replay"

    replayed = await n.client.post(path, headers=n.auth())
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["status"] == "pending"
    await eventually(lambda: len(receiver.at(hook.path)) == 2, timeout=20, what="the replay")
    log = await settled(n, hook, event, "delivered")
    assert log["replays"] == 1
    assert [a["status_code"] for a in log["attempts"]] == [400, 200]
    assert {r.headers["webhook-id"] for r in receiver.at(hook.path)} == {failed["id"]}
    again = await n.client.post(path, headers=n.auth())
    assert again.status_code == 202  # a delivered one may be replayed too


async def test_replay_of_a_pending_delivery_is_409(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications
    hook = await subscribe(n, receiver, ["Deal*"])
    receiver.script(hook.path, (503, {"retry-after": "3600"}))
    event = await n.publish("deals", stage_changed("deal_pending"))
    pending = await eventually(
        lambda: _retrying(n, hook, event), timeout=20, what="a retry scheduled"
    )
    assert pending["status"] == "pending"
    assert pending["next_attempt_at"] is not None
    response = await n.client.post(
        f"/v1/webhooks/{hook.id}/deliveries/{pending['id']}/replay", headers=n.auth()
    )
    assert response.status_code == 409
    missing = await n.client.post(
        f"/v1/webhooks/{hook.id}/deliveries/msg_nope/replay", headers=n.auth()
    )
    assert missing.status_code == 404


async def _retrying(n: NotificationsHarness, hook: Hook, event: CloudEvent) -> Any:
    """The delivery's log once an attempt failed and the next one is scheduled."""
    found = await n.runtime.db[DELIVERIES].find_one({"_id": delivery_id(hook.id, event.id)})
    if found is None or not found.get("attempt_log") or found["status"] != "queued":
        return None
    return await delivery(n, hook, event)


async def test_unsafe_target_at_send_time_fails_for_good(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications
    hook = await subscribe(n, receiver, ["Deal*"])
    # DNS or data changed since the URL was checked: the check before sending catches it
    await n.runtime.db[SUBSCRIPTIONS].update_one(
        {"_id": hook.id}, {"$set": {"url": "https://169.254.169.254/latest/meta-data/"}}
    )
    n.running.app.state.webhooks.stores(n.runtime.db).cache.invalidate(n.tenant)
    event = await n.publish("deals", stage_changed("deal_ssrf"))
    log = await settled(n, hook, event, "failed")
    assert log["last_error"].startswith("refused:")
    assert log["last_status"] is None


async def test_ping_is_signed_with_both_secrets_after_a_rotation(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications
    hook = await subscribe(n, receiver, ["LeadCreated"])
    rotated = await n.client.post(f"/v1/webhooks/{hook.id}/rotate-secret", headers=n.auth())
    new_secret = rotated.json()["secret"]
    response = await n.client.post(f"/v1/webhooks/{hook.id}/test", headers=n.auth())
    assert response.status_code == 202, response.text
    await eventually(lambda: receiver.at(hook.path), timeout=20, what="the ping")
    [request] = receiver.at(hook.path)
    assert request.headers["webhook-id"] == response.json()["delivery_id"]
    assert Webhook(new_secret).verify(request.body, request.headers)["type"] == "WebhookTest"
    assert Webhook(hook.secret).verify(request.body, request.headers)["type"] == "WebhookTest"


async def test_unreachable_receiver_is_retried(notifications: NotificationsHarness) -> None:
    n = notifications
    closed = f"http://127.0.0.1:{free_port()}/hook"
    response = await n.client.post(
        "/v1/webhooks", json={"url": closed, "event_types": ["Deal*"]}, headers=n.auth()
    )
    hook = Hook(response.json()["id"], response.json()["secret"], "/hook")
    event = await n.publish("deals", stage_changed("deal_unreachable"))

    async def retried() -> bool:
        log = await n.runtime.db[DELIVERIES].find_one({"_id": delivery_id(hook.id, event.id)})
        return log is not None and len(log.get("attempt_log", [])) >= 2

    await eventually(retried, timeout=20, what="two attempts")
    log = await delivery(n, hook, event)
    assert log["status"] == "pending"
    assert log["attempts"][0]["status_code"] is None
    assert log["attempts"][0]["error"].startswith("connection failed")
    await n.client.patch(f"/v1/webhooks/{hook.id}", json={"active": False}, headers=n.auth())


async def test_delivery_outcomes_are_reported_on_metrics(
    notifications: NotificationsHarness, receiver: Receiver
) -> None:
    n = notifications
    outcomes = ("delivered", "failed", "retried")

    async def webhook_counts() -> dict[str, float]:
        found = await scrape(n.client)
        assert found.matching("crm_deliveries_total", channel="email"), "both channels report"
        return {
            o: found.total("crm_deliveries_total", channel="webhook", outcome=o) for o in outcomes
        }

    before = await webhook_counts()
    hook = await subscribe(n, receiver, ["DealStageChanged"])
    receiver.script(hook.path, 503, 410)
    await settled(n, hook, await n.publish("deals", stage_changed("deal_metric_1")), "failed")
    await settled(n, hook, await n.publish("deals", stage_changed("deal_metric_2")), "delivered")

    async def counted() -> bool:
        now = await webhook_counts()
        return all(now[o] >= before[o] + 1 for o in outcomes)

    await eventually(counted, what="a retried, a failed and a delivered delivery counted")
