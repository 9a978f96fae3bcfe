"""Pure rules of the contacts of deals: a contact's display name, and how a deal's contact
list changes when a contact joins from a conversion or is deleted (or merged). Nothing here
does I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

PRIMARY: Final = "primary"

DealContacts = list[dict[str, Any]]
"""A deal's contacts as stored: ``{"contact_id": ..., "role": ...}`` in order."""


def display_name(first_name: str | None, last_name: str | None) -> str:
    """``First Last`` (or just the last name)."""
    return " ".join(p for p in (first_name, last_name) if p)


def with_contact(contacts: Sequence[dict[str, Any]], contact_id: str) -> DealContacts:
    """The deal's contacts with ``contact_id`` added as primary (unless already there)."""
    out = list(contacts)
    if all(c["contact_id"] != contact_id for c in out):
        out.insert(0, {"contact_id": contact_id, "role": PRIMARY})
    return out


def without_contact(
    contacts: Sequence[dict[str, Any]], contact_id: str, merged_into: str | None
) -> DealContacts:
    """The deal's contacts once ``contact_id`` is gone: replaced by the contact it was merged
    into (keeping its role, unless that contact is listed already), or dropped."""
    out: DealContacts = []
    for entry in contacts:
        if entry["contact_id"] == contact_id:
            if not merged_into:
                continue
            entry = {**entry, "contact_id": merged_into}
        if all(c["contact_id"] != entry["contact_id"] for c in out):
            out.append(entry)
    return out


def converted_parties(
    contacts: Sequence[dict[str, Any]],
    account_id: str | None,
    chosen: dict[str, Any],
    contact_id: str,
    contact_account_id: str | None,
) -> tuple[DealContacts, str | None]:
    """A converted lead's deal once its contact is known: ``contact_id`` replaces the
    contact the conversion chose (``chosen``, when the lead was linked to an existing
    contact instead) and joins as primary; the contact's account replaces the chosen
    account unless the deal's account was changed since (or the contact has none)."""
    out = list(contacts)
    if chosen.get("contact_id") and chosen["contact_id"] != contact_id:
        out = without_contact(out, chosen["contact_id"], contact_id)
    out = with_contact(out, contact_id)
    if account_id is None or account_id == chosen.get("account_id"):
        account_id = contact_account_id or account_id
    return out, account_id
