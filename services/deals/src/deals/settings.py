"""Settings of the deals service (env prefix ``CRM_DEALS_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from crm_shared.settings import ServiceSettings


class DealsSettings(ServiceSettings):
    """Deals service settings."""

    model_config = SettingsConfigDict(env_prefix="CRM_DEALS_", extra="ignore")

    service_name: str = "deals"
    board_deals_per_stage: int = Field(default=10, ge=1, le=100)
    rebuild_batch_size: int = Field(default=5000, ge=100, le=100_000)


@lru_cache(maxsize=1)
def get_settings() -> DealsSettings:
    """The process's settings (tests build their own and pass them to ``create_app``)."""
    return DealsSettings()
