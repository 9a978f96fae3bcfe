"""LeadConverted: create the contact (and account) with the ids the conversion chose, or
link the lead to the existing contact by e-mail and to the account the user chose, else by
domain, else by exact name.

Redelivery is a no-op through the inbox; two conversions racing for the same e-mail or
domain are decided by the unique indexes (the loser's transaction fails, is retried by the
consumer runner, and then links to the winner's records)."""

from __future__ import annotations

from contacts.accounts.domain import AccountType
from contacts.accounts.repository import AccountRepository, account_derived
from contacts.accounts.views import account_created
from contacts.contacts.domain import LifecycleStage, converted_stage
from contacts.contacts.repository import ContactRepository
from contacts.contacts.schemas import ContactCreate
from contacts.contacts.service import build_contact
from contacts.contacts.views import contact_snapshot
from crm_shared.events.catalogue import ContactCreated, ContactUpdated, EventData, LeadConverted
from crm_shared.events.envelope import CloudEvent
from crm_shared.fields import (
    DEFAULT_CURRENCY,
    TAGS_MAX_ITEMS,
    normalize_domain,
    normalize_website,
)
from crm_shared.ids import new_id
from crm_shared.mongo.scoped import Document
from crm_shared.uow import Tx


def _domain_of(event: LeadConverted) -> str | None:
    account = event.account
    for raw in (account.domain, account.website) if account else ():
        if raw:
            try:
                return normalize_domain(raw)
            except ValueError:
                continue
    return None


async def _account_for(
    tx: Tx, tenant_id: str, event: LeadConverted
) -> tuple[str | None, list[EventData]]:
    """The account the converted lead belongs to, created if new (with its AccountCreated
    event, for the caller to emit together with the contact's)."""
    if event.account is None:
        return None, []
    repo = AccountRepository(tx.db, tenant_id)
    chosen = event.account.account_id
    if chosen is not None and await repo.exists(chosen):
        return chosen, []  # the user picked it; gone since: found or created as below
    domain = _domain_of(event)
    found = await repo.by_domain(domain) if domain else None
    if found is None:
        named = await repo.by_name(event.account.name)
        if named is not None and named.get("domain") in (None, domain):
            found = named
    if found is not None:
        return str(found["_id"]), []
    website = event.account.website
    doc: Document = {
        "_id": event.account.new_account_id or new_id("acc"),
        "name": event.account.name[:200],
        "domain": domain,
        "website": normalize_website(website) if website else None,
        "type": AccountType.PROSPECT.value,
        "owner_id": event.owner_id,
        "source_lead_id": event.lead_id,
        "currency": DEFAULT_CURRENCY,
        "tags": [],
        "custom": {},
    }
    doc.update(account_derived(doc))
    await repo.insert(doc, session=tx.session)
    return str(doc["_id"]), [account_created(doc)]


async def on_lead_converted(envelope: CloudEvent, event: LeadConverted, tx: Tx) -> None:
    """Create or link the contact (lifecycle ``prospect``, ``source_lead_id``, owner).

    Lookups run outside the transaction, which holds only the writes (the embedded server
    serialises transaction statements): the unique e-mail and domain indexes and the
    versioned update turn a race into a retry of the whole event."""
    tenant = envelope.tenantid
    account_id, events = await _account_for(tx, tenant, event)
    contacts = ContactRepository(tx.db, tenant)
    person = event.contact
    email = person.email.lower() if person.email else None
    existing = await contacts.by_emails([email]) if email else {}
    existing_id = existing.get(email or "")
    if existing_id is None:
        data = ContactCreate(
            first_name=person.first_name,
            last_name=person.last_name,
            email=email,
            phones=[person.phone] if person.phone else [],
            title=person.title,
            account_id=account_id,
            tags=event.tags,
            lifecycle_stage=LifecycleStage.PROSPECT,
        )
        doc = build_contact(data, owner_id=event.owner_id)
        doc["_id"] = person.contact_id or doc["_id"]
        doc["source_lead_id"] = event.lead_id
        await contacts.insert(doc, session=tx.session)
        created = ContactCreated(
            contact_id=doc["_id"], contact=contact_snapshot(doc), converted_lead_id=event.lead_id
        )
        await tx.emit_many([*events, created], tenant_id=tenant)
        return
    current = await contacts.get(existing_id)
    fields: Document = {
        "lifecycle_stage": converted_stage(current["lifecycle_stage"]),
        "source_lead_id": current.get("source_lead_id") or event.lead_id,
        "account_id": current.get("account_id") or account_id,
        "owner_id": current.get("owner_id") or event.owner_id,
        "tags": list(dict.fromkeys([*(current.get("tags") or []), *event.tags]))[:TAGS_MAX_ITEMS],
    }
    doc = await contacts.update(
        existing_id, current["version"], {"$set": fields}, session=tx.session
    )
    linked = ContactUpdated(
        contact_id=existing_id,
        contact=contact_snapshot(doc),
        changed_fields=sorted(k for k in fields if current.get(k) != doc.get(k)),
        converted_lead_id=event.lead_id,
    )
    await tx.emit_many([*events, linked], tenant_id=tenant)
