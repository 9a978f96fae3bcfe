"""Settings of the leads service (env prefix ``CRM_LEADS_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from crm_shared.settings import ServiceSettings


class LeadsSettings(ServiceSettings):
    """Leads service settings."""

    model_config = SettingsConfigDict(env_prefix="CRM_LEADS_", extra="ignore")

    service_name: str = "leads"
    import_max_rows: int = Field(default=100_000, ge=1)
    import_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    rescore_batch_size: int = Field(default=200, ge=1, le=5000)


@lru_cache(maxsize=1)
def get_settings() -> LeadsSettings:
    """The process's settings (tests build their own and pass them to ``create_app``)."""
    return LeadsSettings()
