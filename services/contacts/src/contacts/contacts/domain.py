"""Contact rules and value types: lifecycle stages, account roles, e-mails, search values,
merging. Nothing here does I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Final

from crm_shared.fields import CUSTOM_MAX_KEYS, NOTES_MAX_LENGTH, TAGS_MAX_ITEMS
from crm_shared.phone_search import phone_search_values

MAX_EMAILS: Final = 10
MAX_PHONES: Final = 10


class LifecycleStage(StrEnum):
    """Where a contact stands with the company."""

    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    CHURNED = "churned"


class AccountRole(StrEnum):
    """A contact's role in its account's buying decisions."""

    DECISION_MAKER = "decision_maker"
    BUYER = "buyer"
    INFLUENCER = "influencer"
    EVALUATOR = "evaluator"
    USER = "user"
    OTHER = "other"


CONTACT_FIELDS: Final = (
    "first_name",
    "last_name",
    "email",
    "emails",
    "phones",
    "title",
    "account_id",
    "account_role",
    "address",
    "tags",
    "custom",
    "lifecycle_stage",
    "do_not_contact",
    "notes",
    "owner_id",
)
"""The fields a user sets on a contact (the body of a create)."""


def contact_emails(primary: str | None, others: Iterable[str]) -> tuple[str | None, list[str]]:
    """The primary e-mail and every e-mail of a contact, primary first, de-duplicated.
    Without a primary, the first other e-mail becomes primary."""
    every = list(dict.fromkeys([*([primary] if primary else []), *others]))
    return (every[0] if every else None), every


def contact_search_values(contact: Mapping[str, Any]) -> list[str]:
    """What a contact is found by: names, title, every e-mail, and phone digits."""
    values = [v for k in ("first_name", "last_name", "title") if (v := contact.get(k))]
    values.extend(contact.get("emails") or [])
    for phone in contact.get("phones") or []:
        values.extend(phone_search_values(phone))
    return values


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


MERGED_FIELDS: Final = tuple(f for f in CONTACT_FIELDS if f not in {"email", "emails"})


def merge_contacts(target: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    """The target's fields after merging ``source`` into it (to ``$set``).

    The target's non-empty values win, blanks are filled from the source; e-mails, phones
    and tags are unions (target first, capped); custom fields are the source's overlaid by
    the target's; notes are joined; ``do_not_contact`` holds if either says so; the later
    lifecycle stage wins (a customer stays a customer)."""
    merged: dict[str, Any] = {}
    for name in MERGED_FIELDS:
        mine, theirs = target.get(name), source.get(name)
        if name in ("tags", "phones"):
            cap = TAGS_MAX_ITEMS if name == "tags" else MAX_PHONES
            merged[name] = list(dict.fromkeys([*(mine or []), *(theirs or [])]))[:cap]
        elif name == "custom":
            custom = dict(mine or {})
            for key, value in (theirs or {}).items():
                if key not in custom and len(custom) < CUSTOM_MAX_KEYS:
                    custom[key] = value
            merged[name] = custom
        elif name == "notes" and not _is_empty(mine) and not _is_empty(theirs):
            merged[name] = f"{mine}\n\nMerged from {source['_id']}: {theirs}"[:NOTES_MAX_LENGTH]
        elif name == "do_not_contact":
            merged[name] = bool(mine) or bool(theirs)
        elif name == "lifecycle_stage":
            merged[name] = later_stage(mine, theirs)
        else:
            merged[name] = theirs if _is_empty(mine) else mine
    primary, every = contact_emails(
        target.get("email") or source.get("email"),
        [*(target.get("emails") or []), *(source.get("emails") or [])],
    )
    merged.update(email=primary, emails=every[:MAX_EMAILS])
    merged["source_lead_id"] = target.get("source_lead_id") or source.get("source_lead_id")
    return merged


_STAGE_ORDER: Final = {
    LifecycleStage.SUBSCRIBER: 0,
    LifecycleStage.LEAD: 1,
    LifecycleStage.PROSPECT: 2,
    LifecycleStage.CUSTOMER: 3,
    LifecycleStage.CHURNED: 3,
}


def later_stage(a: str | None, b: str | None) -> str:
    """The further of two lifecycle stages (``customer`` over ``churned`` on a tie)."""
    stages = [LifecycleStage(s) for s in (a, b) if s]
    if not stages:
        return LifecycleStage.LEAD.value
    return max(stages, key=lambda s: (_STAGE_ORDER[s], s is LifecycleStage.CUSTOMER)).value


def converted_stage(current: str) -> str:
    """Stage of an existing contact a converted lead links to: at least ``prospect``."""
    return later_stage(current, LifecycleStage.PROSPECT.value)
