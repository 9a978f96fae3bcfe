"""Use cases of the contact and account events: keep the projection current and, when
contacts are merged, point memberships at the survivor."""

from __future__ import annotations

from datetime import datetime

from campaigns.contact_projection import ContactProjection
from campaigns.member_repository import MemberRepository
from campaigns.segments.repository import SegmentRepository
from crm_shared.events.catalogue import AccountCreated, ContactSnapshot
from crm_shared.uow import Tx


async def apply_contact(
    tx: Tx, tenant_id: str, contact: ContactSnapshot, *, created_at: datetime | None
) -> None:
    """Project a created or updated contact (older versions are ignored)."""
    await ContactProjection(tx.db, tenant_id).apply(
        contact, created_at=created_at, session=tx.session
    )


async def remove_contact(tx: Tx, tenant_id: str, contact_id: str, merged_into: str | None) -> None:
    """A deleted contact leaves static lists; a merged one passes its lists, campaign
    memberships and opt-out to the contact it was merged into."""
    await ContactProjection(tx.db, tenant_id).bury(contact_id, session=tx.session)
    lists = SegmentRepository(tx.db, tenant_id)
    if merged_into:
        await lists.move_contact(contact_id, merged_into, session=tx.session)
        await MemberRepository(tx.db, tenant_id).move_contact(
            contact_id, merged_into, session=tx.session
        )
    else:
        await lists.forget_contact(contact_id, session=tx.session)


async def apply_account(tx: Tx, tenant_id: str, event: AccountCreated) -> None:
    """Record an account's industry, size and name on its contacts."""
    await ContactProjection(tx.db, tenant_id).apply_account(event, session=tx.session)
