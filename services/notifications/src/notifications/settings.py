"""Settings of the notifications service (env prefix ``CRM_NOTIFICATIONS_``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from crm_shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Notifications service settings."""

    model_config = SettingsConfigDict(env_prefix="CRM_NOTIFICATIONS_", extra="ignore")

    service_name: str = "notifications"
    # e-mail
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    smtp_connections: int = Field(default=4, ge=1, le=64)
    """SMTP connections kept open and used at once."""
    mail_from: str = "CRM <crm@localhost>"
    email_max_attempts: int = Field(default=5, ge=1)
    email_retry_base_s: float = Field(default=2.0, gt=0)
    email_retry_max_s: float = Field(default=600.0, gt=0)
    """Longest wait between two attempts of one e-mail (backoff cap)."""
    email_batch_size: int = Field(default=200, ge=1, le=1000)
    """Deliveries claimed at once (and at most in hand per instance)."""
    email_claim_timeout_s: float = Field(default=300.0, gt=0)
    """A claim not renewed for this long means its holder died mid-send."""
    email_poll_interval_s: float = Field(default=5.0, gt=0)
    """Safety-net poll for deliveries (commits wake the dispatcher at once, and the next
    retry's due time is read, not polled for)."""
    # webhooks
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    webhook_retry_window_s: float = Field(default=86_400.0, gt=0)
    """How long a failing delivery is retried (exponential backoff with jitter)."""
    webhook_retry_base_s: float = Field(default=5.0, gt=0)
    webhook_disable_after: int = Field(default=50, ge=1)
    """Consecutive failed deliveries after which a subscription is switched off."""
    webhook_allow_hosts: list[str] = Field(default_factory=list)
    """Hosts or CIDR blocks webhooks may reach although private or loopback (SSRF allow-list)."""
    webhook_concurrency: int = Field(default=32, ge=1, le=512)
    webhook_retry_max_delay_s: float = Field(default=3600.0, gt=0)
    """Longest wait between two attempts of one delivery (before ``Retry-After``)."""
    webhook_cache_ttl_s: float = Field(default=5.0, ge=0)
    """How long an instance trusts its cached subscriptions (changes made elsewhere)."""
    webhook_secret_grace_s: float = Field(default=86_400.0, ge=0)
    """After a secret rotation, how long the old secret still signs (a second signature)."""
    webhook_poll_interval_s: float = Field(default=5.0, gt=0)
    """Safety-net poll of the delivery queue (commits wake the dispatcher at once, and the
    next retry's due time is read, not polled for)."""
    # in-app
    sse_keepalive_s: float = Field(default=15.0, gt=0)
    """Seconds between keep-alive comments on an idle event stream (under the gateway's 60 s)."""
    sse_retry_ms: int = Field(default=3000, ge=100, le=600_000)
    """The ``retry:`` reconnection delay an event stream advises its clients."""


@lru_cache(maxsize=1)
def get_settings() -> NotificationsSettings:
    """The process's settings (tests build their own and pass them to ``create_app``)."""
    return NotificationsSettings()
