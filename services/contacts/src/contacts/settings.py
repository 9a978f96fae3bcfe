"""Settings of the contacts service (env prefix ``CRM_CONTACTS_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from crm_shared.fields import DEFAULT_CURRENCY
from crm_shared.runtime import Runtime
from crm_shared.settings import ServiceSettings


class ContactsSettings(ServiceSettings):
    """Contacts service settings."""

    model_config = SettingsConfigDict(env_prefix="CRM_CONTACTS_", extra="ignore")

    service_name: str = "contacts"
    default_currency: str = Field(default=DEFAULT_CURRENCY, pattern=r"^[A-Z]{3}$")
    """Currency of RFM monetary values and of ``purchase_total`` in events."""
    import_max_rows: int = Field(default=100_000, ge=1)
    import_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    sla_hours_low: float = Field(default=72, gt=0)
    sla_hours_medium: float = Field(default=24, gt=0)
    sla_hours_high: float = Field(default=8, gt=0)
    sla_hours_urgent: float = Field(default=2, gt=0)
    clv_lifespan_years: float = Field(default=3.0, gt=0, le=100)
    rfm_refresh_interval_s: float = Field(default=300.0, gt=0)
    """How often tenants whose purchase stats changed are re-ranked."""
    rfm_refresh_tenants: int = Field(default=20, ge=1)
    """At most this many tenants are re-ranked per refresh round."""
    rfm_batch_size: int = Field(default=200, ge=1, le=5000)
    """Contacts updated per transaction while re-ranking."""

    def sla_hours(self) -> dict[str, float]:
        """SLA hours by case priority."""
        return {
            "low": self.sla_hours_low,
            "medium": self.sla_hours_medium,
            "high": self.sla_hours_high,
            "urgent": self.sla_hours_urgent,
        }


@lru_cache(maxsize=1)
def get_settings() -> ContactsSettings:
    """The process's settings (tests build their own and pass them to ``create_app``)."""
    return ContactsSettings()


def settings_of(rt: Runtime) -> ContactsSettings:
    """The contacts settings a runtime was built with."""
    if not isinstance(rt.settings, ContactsSettings):
        raise TypeError("the runtime was not built with ContactsSettings")
    return rt.settings
