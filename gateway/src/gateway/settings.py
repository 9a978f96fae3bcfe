"""Settings of the gateway (env prefix ``CRM_GATEWAY_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from crm_shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """Gateway settings: signing keys, token lifetimes, upstreams, limits, first admin."""

    model_config = SettingsConfigDict(env_prefix="CRM_GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    jwt_private_key: SecretStr = SecretStr("")
    """The Ed25519 private key (PEM) that signs access tokens. Required."""
    jwt_retired_public_keys: list[str] = Field(default_factory=list)
    """Public keys (PEM) of earlier signing keys, served in the JWKS until their tokens
    expire, so a key rotation does not log anyone out."""
    access_token_ttl_s: int = Field(default=900, ge=60, le=86_400)
    refresh_token_ttl_s: int = Field(default=14 * 86_400, ge=300)
    upstream_token_ttl_s: int = Field(default=120, ge=30, le=900)
    """Lifetime of the tokens the gateway mints for API-key callers, per request."""

    upstreams: dict[str, str] = Field(
        default_factory=lambda: {
            "leads": "http://127.0.0.1:8001",
            "contacts": "http://127.0.0.1:8002",
            "deals": "http://127.0.0.1:8003",
            "campaigns": "http://127.0.0.1:8004",
            "notifications": "http://127.0.0.1:8005",
        }
    )
    """Service name -> base URL (JSON in ``CRM_GATEWAY_UPSTREAMS``)."""
    upstream_connect_timeout_s: float = Field(default=1.0, gt=0)
    upstream_read_timeout_s: float = Field(default=10.0, gt=0)
    upstream_bulk_timeout_s: float = Field(default=300.0, gt=0)
    """Read timeout of CSV imports and exports (``.../import``, ``.../export.csv``), which
    take longer than other calls: 100k rows are allowed."""
    upstream_max_connections: int = Field(default=128, ge=1)
    upstream_pool_shards: int = Field(default=8, ge=1, le=64)
    """Connection pools per service, used in turn (see ``Upstream.client``)."""
    upstream_retries: int = Field(default=1, ge=0, le=5)
    """Extra attempts for idempotent methods when the upstream could not be reached."""
    breaker_failures: int = Field(default=5, ge=1)
    """Consecutive upstream failures that open its circuit."""
    breaker_reset_s: float = Field(default=10.0, gt=0)
    """How long an open circuit fails fast before one trial request goes through."""
    stream_idle_timeout_s: float = Field(default=60.0, gt=0)
    """Longest silence on a relayed event stream (services send keep-alives well within)."""
    fanout_timeout_s: float = Field(default=2.0, gt=0)
    """Per-service budget of the composed views (360, dashboard)."""

    rate_limit_per_principal: float = Field(default=50.0, gt=0)
    """Requests per second a user or API key may sustain."""
    rate_limit_principal_burst: int = Field(default=100, ge=1)
    rate_limit_per_ip: float = Field(default=100.0, gt=0)
    rate_limit_ip_burst: int = Field(default=200, ge=1)
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_ip: int = Field(default=20, ge=1)
    login_failure_window_s: int = Field(default=900, ge=10)

    service_secrets: dict[str, str] = Field(default_factory=dict)
    """Service name -> secret it exchanges for a tenant token (JSON in
    ``CRM_GATEWAY_SERVICE_SECRETS``); see :mod:`gateway.auth.domain`."""
    service_token_ttl_s: int = Field(default=300, ge=30, le=900)

    console_dir: Path | None = None
    """The built web console (``web/dist``) served at ``/``; none: ``/`` says it is not
    built. ``crm up`` passes the repository's build; the image sets its copy."""

    bootstrap_admin_email: str = ""
    """With a password and a tenant: the first admin, created on start if no user exists."""
    bootstrap_admin_password: SecretStr = SecretStr("")
    bootstrap_admin_tenant: str = ""


@lru_cache(maxsize=1)
def get_settings() -> GatewaySettings:
    """The process's settings (tests build their own and pass them to ``create_app``)."""
    return GatewaySettings()
