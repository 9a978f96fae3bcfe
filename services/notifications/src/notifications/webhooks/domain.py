"""Pure rules of webhooks: which events a subscription receives, how an attempt's outcome is
judged, when the next attempt is due, and the ids that keep deliveries idempotent and ordered.
Nothing here does I/O."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from functools import lru_cache
from typing import Final

from crm_shared.events.catalogue import all_models, is_known_type

FAILURE_EVENT: Final = "WebhookDeliveryFailed"
PATTERN_RE: Final = re.compile(r"^[A-Za-z*][A-Za-z0-9*]{0,127}$")


class InvalidSubscription(ValueError):
    """A subscription field breaks a rule; the message is safe to show (HTTP 422)."""


class Verdict(StrEnum):
    """What one attempt means for its delivery."""

    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


class DeliveryStatus(StrEnum):
    """Where a delivery stands (shown in the delivery log)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"

    @classmethod
    def of_job(cls, queue_status: str) -> DeliveryStatus:
        """The delivery status of a queue job status (waiting, queued, claimed: pending)."""
        return {"done": cls.DELIVERED, "failed": cls.FAILED}.get(queue_status, cls.PENDING)


# --------------------------------------------------------------------------- matching


def known_types() -> list[str]:
    """Every event type name in the catalogue."""
    return sorted({model.event_type for model in all_models()})


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


def pattern_matches(pattern: str, event_type: str) -> bool:
    """True when ``event_type`` matches ``pattern`` (an exact name, or ``*`` as a wildcard)."""
    if "*" not in pattern:
        return pattern == event_type
    return _compiled(pattern).match(event_type) is not None


def validate_patterns(patterns: Iterable[str]) -> list[str]:
    """The de-duplicated patterns if each is a known type or a wildcard matching at least one
    known type; :class:`InvalidSubscription` otherwise."""
    types = known_types()
    unique = list(dict.fromkeys(patterns))
    for pattern in unique:
        if not PATTERN_RE.match(pattern):
            raise InvalidSubscription(
                f"event type {pattern!r} may hold only letters, digits and * wildcards"
            )
        if "*" not in pattern and not is_known_type(pattern):
            raise InvalidSubscription(f"unknown event type {pattern!r}")
        if "*" in pattern and not any(pattern_matches(pattern, t) for t in types):
            raise InvalidSubscription(f"event type pattern {pattern!r} matches no known type")
    return unique


@dataclass(frozen=True)
class EventFacts:
    """What matching needs to know about an event."""

    type: str
    failed_subscription_id: str | None = None
    """For a ``WebhookDeliveryFailed``: the subscription whose delivery failed."""
    failed_event_type: str | None = None
    """For a ``WebhookDeliveryFailed``: the type of the event that could not be delivered."""


def receives(subscription_id: str, patterns: Sequence[str], event: EventFacts) -> bool:
    """Whether a subscription gets ``event``.

    Loop guard for failure notices: a subscription never gets the notice of its own failed
    delivery (the endpoint that failed would most likely fail again, making a new notice at
    every turn), and a notice about a failed notice goes to no webhook (two failing
    endpoints would otherwise keep notifying each other); both still reach Kafka.
    """
    if event.type == FAILURE_EVENT and (
        event.failed_subscription_id == subscription_id or event.failed_event_type == FAILURE_EVENT
    ):
        return False
    return any(pattern_matches(p, event.type) for p in patterns)


# --------------------------------------------------------------------------- ids


def delivery_id(subscription_id: str, event_id: str) -> str:
    """The id of the delivery of one event to one subscription (the same on every retry,
    replay and redelivery of the event: it is the ``webhook-id`` receivers deduplicate on)."""
    digest = hashlib.blake2b(f"{subscription_id}:{event_id}".encode(), digest_size=16)
    return f"msg_{digest.hexdigest()}"


def ordering_group(subscription_id: str, subject: str | None) -> str:
    """Deliveries of one aggregate to one subscription go strictly one at a time, in order."""
    return f"{subscription_id}:{subject or '-'}"


# --------------------------------------------------------------------------- attempts


def judge(status: int | None) -> Verdict:
    """An attempt's outcome from its HTTP status (``None``: timeout or connection error).

    2xx is delivered; 429, 5xx and network errors are retried; anything else (other 4xx,
    and 3xx since redirects are not followed) will not get better and fails for good.
    """
    if status is None or status == 429 or status >= 500:
        return Verdict.RETRY
    if 200 <= status < 300:
        return Verdict.DELIVERED
    return Verdict.FAILED


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def next_due(
    *,
    first_attempt_at: datetime,
    now: datetime,
    backoff_s: float,
    retry_after_s: float | None,
    window_s: float,
) -> datetime | None:
    """When to try again after ``backoff_s`` (at least what ``Retry-After`` asked), or
    ``None`` when that falls outside the retry window opened by the first attempt."""
    delay = backoff_s if retry_after_s is None else max(backoff_s, retry_after_s)
    due = now + timedelta(seconds=delay)
    if due > first_attempt_at + timedelta(seconds=window_s):
        return None
    return due


def short_error(text: str, limit: int = 200) -> str:
    """An error message cut to a length fit for the delivery log."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
