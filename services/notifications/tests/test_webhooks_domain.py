"""Unit tests of the webhook rules without I/O: matching, ids, outcomes, retry timing,
signatures (checked with the independent ``standardwebhooks`` package) and target checks."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from crm_shared.url_safety import UnsafeUrl
from notifications.webhooks.domain import (
    EventFacts,
    InvalidSubscription,
    Verdict,
    delivery_id,
    judge,
    next_due,
    parse_retry_after,
    pattern_matches,
    receives,
    validate_patterns,
)
from notifications.webhooks.signing import new_secret, webhook_headers
from notifications.webhooks.targets import AllowList, check_target

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("pattern", "event_type", "expected"),
    [
        ("DealWon", "DealWon", True),
        ("DealWon", "DealWonX", False),
        ("Deal*", "DealStageChanged", True),
        ("Deal*", "LeadCreated", False),
        ("*", "ContactCreated", True),
        ("*Created", "LeadCreated", True),
        ("*Created", "LeadCreatedLater", False),
        ("Lead*d", "LeadAssigned", True),
        ("Lead*d", "LeadAssignedX", False),
    ],
)
def test_pattern_matching(pattern: str, event_type: str, expected: bool) -> None:
    assert pattern_matches(pattern, event_type) is expected


def test_patterns_are_checked_against_the_catalogue() -> None:
    assert validate_patterns(["DealWon", "Deal*", "DealWon", "*"]) == ["DealWon", "Deal*", "*"]
    with pytest.raises(InvalidSubscription, match="unknown event type"):
        validate_patterns(["DealWonned"])
    with pytest.raises(InvalidSubscription, match="matches no known type"):
        validate_patterns(["Dael*"])
    with pytest.raises(InvalidSubscription, match="letters, digits"):
        validate_patterns(["Deal.Won"])
    with pytest.raises(InvalidSubscription, match="letters, digits"):
        validate_patterns(["$where"])


def test_failure_notices_do_not_loop() -> None:
    own = EventFacts("WebhookDeliveryFailed", "whk_a", "DealWon")
    other = EventFacts("WebhookDeliveryFailed", "whk_b", "DealWon")
    about_a_notice = EventFacts("WebhookDeliveryFailed", "whk_b", "WebhookDeliveryFailed")
    assert not receives("whk_a", ["*"], own)
    assert receives("whk_a", ["*"], other)
    assert not receives("whk_a", ["*"], about_a_notice)
    assert receives("whk_a", ["Deal*"], EventFacts("DealWon"))
    assert not receives("whk_a", ["Lead*"], EventFacts("DealWon"))


def test_delivery_ids_are_stable_per_subscription_and_event() -> None:
    first = delivery_id("whk_A", "0193-event")
    assert first == delivery_id("whk_A", "0193-event")
    assert first != delivery_id("whk_B", "0193-event")
    assert first != delivery_id("whk_A", "0193-other")
    assert len(first) <= 64


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (None, Verdict.RETRY),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (503, Verdict.RETRY),
        (301, Verdict.FAILED),
        (400, Verdict.FAILED),
        (404, Verdict.FAILED),
        (410, Verdict.FAILED),
    ],
)
def test_attempt_verdicts(status: int | None, verdict: Verdict) -> None:
    assert judge(status) is verdict


def test_retry_after_as_seconds_or_date() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after("Mon, 23 Nov 2026 12:01:00 GMT", NOW) == 60.0
    assert parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", NOW) == 0.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_next_attempt_stays_inside_the_window() -> None:
    first = NOW - timedelta(hours=1)
    due = next_due(first_attempt_at=first, now=NOW, backoff_s=10, retry_after_s=None, window_s=7200)
    assert due == NOW + timedelta(seconds=10)
    honoured = next_due(
        first_attempt_at=first, now=NOW, backoff_s=10, retry_after_s=300, window_s=7200
    )
    assert honoured == NOW + timedelta(seconds=300)
    late = next_due(
        first_attempt_at=first, now=NOW, backoff_s=10, retry_after_s=3601, window_s=7200
    )
    assert late is None


def test_signatures_verify_with_the_standard_webhooks_library() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    body = b'{"specversion":"1.0","type":"DealWon","data":{"x":"\xc3\xa9"}}'
    timestamp = int(datetime.now(UTC).timestamp())
    headers = webhook_headers([secret], "msg_1", timestamp, body)
    assert Webhook(secret).verify(body, headers)["type"] == "DealWon"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"DealWon", b"DealLost"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_both_secrets_sign_during_a_rotation() -> None:
    old, new = new_secret(), new_secret()
    body = b'{"ok":true}'
    headers = webhook_headers([new, old], "msg_2", int(datetime.now(UTC).timestamp()), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(body, headers) == {"ok": True}
    assert Webhook(old).verify(body, headers) == {"ok": True}


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fe80::1]/hook",
        "https://user:pw@example.com/hook",
        "ftp://example.com/hook",
    ],
)
async def test_unsafe_targets_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        await check_target(url, AllowList.parse([]))


async def test_allow_list_admits_hosts_and_networks_over_http_too() -> None:
    allow = AllowList.parse(["127.0.0.1", "10.0.0.0/8", "Receiver.Internal"])
    await check_target("http://127.0.0.1:8080/hook", allow)
    await check_target("https://10.200.0.1/hook", allow)
    await check_target("http://receiver.internal/hook", allow)
    await check_target("https://[::ffff:127.0.0.1]/hook", allow)
    with pytest.raises(UnsafeUrl):
        await check_target("https://192.168.0.10/hook", allow)
    with pytest.raises(UnsafeUrl):
        await check_target("https://169.254.169.254/", allow)


async def test_allow_listed_network_admits_names_resolving_into_it() -> None:
    await check_target("http://localhost:9/hook", AllowList.parse(["127.0.0.0/8", "::1"]))
    with pytest.raises(UnsafeUrl):
        await check_target("http://localhost:9/hook", AllowList.parse(["10.0.0.0/8"]))
