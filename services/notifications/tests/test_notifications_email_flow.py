"""E-mail end to end on the real stack: EmailRequested -> SMTP sink -> records and events."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_devstack.testing import eventually
from crm_shared.delivery_queue import DeliveryQueue, Outcome
from crm_shared.events.catalogue import EmailRequested
from crm_shared.events.envelope import CloudEvent, new_envelope
from crm_shared.ids import utcnow
from notifications.email.channel import EmailChannel
from notifications.email.repository import EMAIL_DELIVERIES, delivery_job
from notifications.email.service import INTERRUPTED

from .conftest import NotificationsHarness, delivery, email_requested, wait_status

FAR = datetime(2999, 1, 1, tzinfo=UTC)


async def test_requested_email_is_sent_with_headers_and_body(
    notifications: NotificationsHarness,
) -> None:
    n = notifications
    to = n.address()
    event = email_requested(n, to)
    await n.publish("campaigns", event)

    record = await wait_status(n, event.request_id, "sent")
    (message,) = n.smtp.received(to)
    assert message["To"] == f"Siti Rahma <{to}>"
    assert message["From"] == n.settings.mail_from
    assert message["Subject"] == "Promo Lebaran"
    assert event.request_id in message["Message-ID"]
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and "diskon 20%" in text.get_content()
    assert html is not None and "<b>diskon 20%</b>" in html.get_content()
    assert record["attempts"] == 1
    assert record["smtp_reply"]
    assert record["sent_at"] and record["error"] is None

    (sent,) = await n.wait_events(1, "NotificationSent")
    assert sent.data["channel"] == "email"
    assert sent.data["request_id"] == event.request_id
    assert sent.data["recipient"] == to
    assert (sent.data["campaign_id"], sent.data["contact_id"]) == ("cmp_1", "con_1")


async def test_redelivered_or_repeated_request_is_sent_once(
    notifications: NotificationsHarness,
) -> None:
    n = notifications
    to = n.address()
    event = email_requested(n, to)
    envelope = await n.publish("campaigns", event)
    await n.publish("campaigns", event, envelope)  # the same event again
    again = await n.publish("campaigns", event)  # a new event, same request id
    await eventually(lambda: n.handled(again), timeout=20, what="repeat handled")
    await wait_status(n, event.request_id, "sent")
    await n.wait_events(1, "NotificationSent")
    assert len(n.smtp.received(to)) == 1
    assert len(n.events("NotificationSent")) == 1


async def test_transient_refusals_are_retried_then_sent_once(
    notifications: NotificationsHarness,
) -> None:
    n = notifications
    to = n.address("greylisted")
    n.smtp.script(to, "451 4.7.1 try again later", "451 4.7.1 try again later")
    event = email_requested(n, to)
    await n.publish("campaigns", event)
    record = await wait_status(n, event.request_id, "sent")
    assert record["attempts"] == 3
    assert len(n.smtp.received(to)) == 1
    (sent,) = await n.wait_events(1, "NotificationSent")
    assert sent.data["attempts"] == 3


async def test_permanent_refusal_fails_at_once(notifications: NotificationsHarness) -> None:
    n = notifications
    to = n.address("unknown")
    n.smtp.script(to, "550 5.1.1 no such user")
    event = email_requested(n, to)
    await n.publish("campaigns", event)
    record = await wait_status(n, event.request_id, "failed")
    assert record["attempts"] == 1
    assert record["permanent"] is True
    assert "550" in record["error"]
    (failed,) = await n.wait_events(1, "NotificationFailed")
    assert failed.data["permanent"] is True
    assert failed.data["request_id"] == event.request_id
    assert "550" in failed.data["error"]
    assert n.smtp.received(to) == []
    assert n.events("NotificationSent") == []


async def test_retries_run_out_after_max_attempts(notifications: NotificationsHarness) -> None:
    n = notifications
    to = n.address("busy")
    n.smtp.script(to, *["452 4.2.2 mailbox busy"] * 10)
    event = email_requested(n, to)
    await n.publish("campaigns", event)
    record = await wait_status(n, event.request_id, "failed")
    assert record["attempts"] == n.settings.email_max_attempts
    assert record["permanent"] is False
    (failed,) = await n.wait_events(1, "NotificationFailed")
    assert failed.data["permanent"] is False


async def test_smtp_server_down_then_up(notifications: NotificationsHarness) -> None:
    n = notifications
    to = n.address()
    n.smtp.stop()
    try:
        event = email_requested(n, to)
        await n.publish("campaigns", event)

        async def retried() -> bool:
            response = await n.client.get(f"/v1/emails/{event.request_id}", headers=n.auth())
            record = response.json()
            return response.status_code == 200 and record["attempts"] >= 2

        await eventually(retried, timeout=20, what="a failed attempt while SMTP is down")
        assert (await delivery(n, event.request_id))["error"]
    finally:
        n.smtp.start()
    await wait_status(n, event.request_id, "sent")
    assert len(n.smtp.received(to)) == 1


async def test_interrupted_send_is_failed_not_resent(notifications: NotificationsHarness) -> None:
    n = notifications
    channel: EmailChannel = n.running.app.state.email
    to = n.address()
    event = email_requested(n, to)
    # an instance claimed the delivery and died mid-send: its claim ran out long ago
    job = delivery_job(envelope_of(n, event), event)
    queue = DeliveryQueue(n.runtime.db, EMAIL_DELIVERIES)
    await n.runtime.uow.run(lambda tx: queue.enqueue(tx.session, [{**job, "due_at": FAR}]))
    await n.runtime.db[EMAIL_DELIVERIES].update_one(
        {"_id": event.request_id},
        {
            "$set": {"status": "claimed", "claim": "dead", "due_at": utcnow()},
            "$inc": {"attempts": 1},
        },
    )
    assert (await delivery(n, event.request_id))["status"] == "sending"

    expired = [j for j in await queue.expired_claims() if j.tenant_id == n.tenant]
    assert [j.id for j in expired] == [event.request_id]
    await channel.interrupted(expired)
    record = await delivery(n, event.request_id)
    assert (record["status"], record["error"]) == ("failed", INTERRUPTED)
    (failed,) = await n.wait_events(1, "NotificationFailed")
    assert failed.data["permanent"] is False
    # the dead holder's late outcome no longer counts, and nothing was sent
    assert await queue.finish([Outcome.done(j) for j in expired]) == []
    assert n.smtp.received(to) == []


def envelope_of(n: NotificationsHarness, event: EmailRequested) -> CloudEvent:
    """The envelope the campaigns service would wrap ``event`` in."""
    return new_envelope(
        source="/services/campaigns",
        type_=event.event_type,
        version=event.version,
        subject=event.subject(),
        tenant_id=n.tenant,
        data=event.model_dump(mode="json"),
    )
