"""The personalization of a template for one contact, as a campaign e-mail would have it.

The same parsing, fallbacks and HTML escaping as a sent e-mail (:func:`personalize`), but
no tracking: links stay as written and ``{{unsubscribe_url}}`` is a placeholder, so a
preview never hands out a working unsubscribe link of a real contact.
"""

from __future__ import annotations

from typing import Final

from campaigns.audience.repository import SAMPLE_FIELDS, ContactProjection
from campaigns.templates.rendering import CampaignTemplate, personalize
from campaigns.templates.schemas import PreviewContact, TemplatePreviewIn, TemplatePreviewOut
from crm_shared.auth import Access
from crm_shared.errors import NotFound
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime

PREVIEW_UNSUBSCRIBE_URL: Final = "https://unsubscribe.example/preview"
"""Stands for each recipient's own signed unsubscribe link."""
PLACEHOLDER_CONTACT: Final[Document] = {
    "first_name": "Sari",
    "last_name": "Wijaya",
    "email": "sari.wijaya@example.com",
    "company": "PT Contoh Jaya",
    "title": "Marketing Manager",
}
"""The values used when the tenant has no contact yet."""
_PREVIEW_FIELDS: Final = {**SAMPLE_FIELDS, "company": 1, "title": 1}


async def _contact(rt: Runtime, access: Access, contact_id: str | None) -> Document | None:
    """The projected contact ``contact_id`` (404 unless live), else the first live one."""
    contacts = ContactProjection(rt.db, access.tenant_id)
    if contact_id is None:
        return await contacts.first_live(_PREVIEW_FIELDS)
    doc = await contacts.live(contact_id)
    if doc is None:
        raise NotFound(f"contact {contact_id} not found")
    return doc


async def preview_template(
    rt: Runtime, access: Access, body: TemplatePreviewIn
) -> TemplatePreviewOut:
    """``body.template`` personalized for the chosen, a sample or a placeholder contact."""
    contact = await _contact(rt, access, body.contact_id)
    template = CampaignTemplate.from_doc(body.template.model_dump())
    email = personalize(template, contact or PLACEHOLDER_CONTACT, PREVIEW_UNSUBSCRIBE_URL)
    shown = None
    if contact is not None:
        shown = PreviewContact(
            id=contact["_id"],
            first_name=contact.get("first_name"),
            last_name=contact.get("last_name"),
            email=contact.get("email"),
        )
    return TemplatePreviewOut(
        subject=email.subject, body_text=email.text, body_html=email.html, contact=shown
    )
