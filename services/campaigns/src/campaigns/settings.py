"""Settings of the campaigns service (env prefix ``CRM_CAMPAIGNS_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from crm_shared.settings import ServiceSettings


class CampaignsSettings(ServiceSettings):
    """Campaigns service settings."""

    model_config = SettingsConfigDict(env_prefix="CRM_CAMPAIGNS_", extra="ignore")

    service_name: str = "campaigns"
    send_rate_per_s: float = Field(default=500.0, gt=0)
    """EmailRequested events a launch publishes per second at most (the throttle)."""
    send_batch_size: int = Field(default=200, ge=1, le=5000)
    """Members rendered and requested per transaction while a launch is sending."""
    enrol_batch_size: int = Field(default=500, ge=1, le=5000)
    """Members of a launched campaign's audience enrolled per transaction by the
    background sender (the launch request itself only starts the enrolment)."""
    sender_poll_interval_s: float = Field(default=5.0, gt=0)
    """How often the sender looks for send jobs when no launch or resume woke it (jobs
    another instance left behind when it died)."""
    sender_lease_s: float = Field(default=15.0, gt=0)
    """How long one instance's claim on a campaign's sending lasts without renewal."""
    import_max_rows: int = Field(default=20_000, ge=1)
    """Rows of a static-list CSV upload (the body is capped by ``max_body_bytes``)."""
    public_base_url: str = "http://127.0.0.1:8000/api"
    """Where recipients reach the tracking and unsubscribe links (the gateway's /api)."""
    tracking_secret: str = ""
    """HMAC key of tracking and unsubscribe tokens; empty: a random key per process
    (links stop working after a restart), so deployments set it."""
    gateway_url: str = "http://127.0.0.1:8000"
    """Where automations call other services' APIs (assign owner through the leads API)."""
    service_secret: str = ""
    """This service's secret at the gateway (``CRM_GATEWAY_SERVICE_SECRETS``), exchanged
    for a tenant token when an automation assigns a lead through the leads API; empty:
    that action is recorded as failed with that reason."""


@lru_cache(maxsize=1)
def get_settings() -> CampaignsSettings:
    """The process's settings (tests build their own and pass them to ``create_app``)."""
    return CampaignsSettings()
