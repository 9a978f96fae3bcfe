"""Account rules and value types (pure)."""

from __future__ import annotations

from enum import StrEnum

from crm_shared.fields import normalize_domain


class AccountType(StrEnum):
    """The relationship with a company."""

    PROSPECT = "prospect"
    CUSTOMER = "customer"
    PARTNER = "partner"
    RESELLER = "reseller"


def account_domain(domain: str | None, website: str | None) -> str | None:
    """An account's domain: the one given, else its website's host."""
    return domain or (normalize_domain(website) if website else None)
