"""Sending one webhook delivery: check the target again, sign, POST, judge the answer.

The body is the event's CloudEvent in structured mode (``application/cloudevents+json``),
the same bytes the platform published on Kafka; ``webhook-id`` is the delivery id, the same
on every retry and replay, so receivers can deduplicate.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import httpx

from crm_shared.delivery_queue import Job, Outcome, backoff_delay
from crm_shared.events.envelope import CONTENT_TYPE
from crm_shared.ids import utcnow
from crm_shared.mongo.scoped import Document
from crm_shared.url_safety import UnsafeUrl
from notifications.settings import NotificationsSettings
from notifications.webhooks.cache import SubscriptionCache
from notifications.webhooks.domain import Verdict, judge, next_due, parse_retry_after, short_error
from notifications.webhooks.repository import logged_attempts
from notifications.webhooks.signing import webhook_headers
from notifications.webhooks.targets import AllowList, check_target

USER_AGENT: Final = "crm-webhooks/1.0"
DRAIN_LIMIT: Final = 64 * 1024
"""Response bytes read (and dropped) so the connection can be reused; the rest is not read."""


def http_client(settings: NotificationsSettings) -> httpx.AsyncClient:
    """The one client every delivery shares: no redirects, no proxies from the environment,
    a connection pool as wide as the dispatch concurrency."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(settings.webhook_timeout_s),
        limits=httpx.Limits(
            max_connections=settings.webhook_concurrency,
            max_keepalive_connections=settings.webhook_concurrency,
        ),
        headers={"user-agent": USER_AGENT},
    )


@dataclass(frozen=True)
class Attempt:
    """What one POST came to."""

    at: datetime
    status: int | None
    error: str | None
    latency_ms: int
    retry_after: str | None = None

    def as_log(self) -> Document:
        """The attempt's entry in the delivery log."""
        return {
            "at": self.at,
            "status_code": self.status,
            "error": self.error,
            "latency_ms": self.latency_ms,
        }


def signing_secrets(subscription: Document, now: datetime) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    secrets = [subscription["secret"]]
    until = subscription.get("previous_secret_until")
    if subscription.get("previous_secret") and until is not None and until > now:
        secrets.append(subscription["previous_secret"])
    return secrets


class WebhookSender:
    """The dispatcher's job handler: one delivery attempt, never raising."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        cache: SubscriptionCache,
        settings: NotificationsSettings,
        allow: AllowList,
    ) -> None:
        self._client = client
        self._cache = cache
        self._settings = settings
        self._allow = allow

    async def __call__(self, job: Job) -> Outcome:
        """Attempt the delivery of ``job`` and say what became of it."""
        subscription = await self._cache.get(job.tenant_id, job.doc["subscription_id"])
        if subscription is None:
            return Outcome.failed(
                job, cancelled=True, last_error="the subscription was deleted or switched off"
            )
        now = utcnow()
        url = subscription["url"]
        try:
            await check_target(url, self._allow)
        except UnsafeUrl as exc:
            refused = Attempt(now, None, short_error(f"refused: {exc}"), 0)
            return self._settle(job, url, refused, Verdict.FAILED)
        attempt = await self._post(url, job, signing_secrets(subscription, now))
        return self._settle(job, url, attempt, judge(attempt.status))

    async def _post(self, url: str, job: Job, secrets: list[str]) -> Attempt:
        body = bytes(job.doc["body"])
        started_at, started = utcnow(), time.perf_counter()
        headers = {
            **webhook_headers(secrets, job.id, int(time.time()), body),
            "content-type": CONTENT_TYPE,
        }

        def elapsed_ms() -> int:
            return round((time.perf_counter() - started) * 1000)

        try:
            async with (
                asyncio.timeout(self._settings.webhook_timeout_s),
                self._client.stream("POST", url, content=body, headers=headers) as response,
            ):
                await _drain(response)
        except (TimeoutError, httpx.TimeoutException):
            error = f"no answer within {self._settings.webhook_timeout_s:g}s"
            return Attempt(started_at, None, error, elapsed_ms())
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            error = short_error(f"connection failed: {type(exc).__name__}: {exc}")
            return Attempt(started_at, None, error, elapsed_ms())
        status = response.status_code
        return Attempt(
            started_at,
            status,
            None if 200 <= status < 300 else f"HTTP {status}",
            elapsed_ms(),
            response.headers.get("retry-after"),
        )

    def _settle(self, job: Job, url: str, attempt: Attempt, verdict: Verdict) -> Outcome:
        """The queue outcome of an attempt, with the delivery log fields it records."""
        now = utcnow()
        first = job.doc.get("first_attempt_at") or attempt.at
        fields: dict[str, Any] = {
            "url": url,
            "first_attempt_at": first,
            "last_attempt_at": attempt.at,
            "last_status": attempt.status,
            "last_error": attempt.error,
            "attempt_log": logged_attempts(job.doc, attempt.as_log()),
        }
        if verdict is Verdict.DELIVERED:
            return Outcome.done(job, delivered_at=now, **fields)
        if verdict is Verdict.RETRY:
            s = self._settings
            due = next_due(
                first_attempt_at=first,
                now=now,
                backoff_s=backoff_delay(
                    job.attempts, base_s=s.webhook_retry_base_s, cap_s=s.webhook_retry_max_delay_s
                ),
                retry_after_s=parse_retry_after(attempt.retry_after, now),
                window_s=s.webhook_retry_window_s,
            )
            if due is not None:
                return Outcome.retry(job, due_at=due, **fields)
            fields["last_error"] = f"{attempt.error}; retries exhausted"
        return Outcome.failed(job, **fields)


async def _drain(response: httpx.Response) -> None:
    """Read a bounded part of the response body (enough for the usual short answers)."""
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read >= DRAIN_LIMIT:
            return
