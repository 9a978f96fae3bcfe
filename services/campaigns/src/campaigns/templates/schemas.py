"""Request and response models of template previews."""

from __future__ import annotations

from pydantic import BaseModel

from campaigns.campaigns.schemas import Id, TemplateIn
from crm_shared.fields import MODEL_CONFIG


class TemplatePreviewIn(BaseModel):
    """Body of ``POST /v1/campaigns/template-preview``: a template and, optionally, the
    contact to personalize it for (default: a sample contact of the tenant)."""

    model_config = MODEL_CONFIG

    template: TemplateIn
    contact_id: Id | None = None


class PreviewContact(BaseModel):
    """The contact a preview was personalized for."""

    id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None


class TemplatePreviewOut(BaseModel):
    """The rendered e-mail; ``contact`` is null when placeholder values were used."""

    subject: str
    body_text: str
    body_html: str | None
    contact: PreviewContact | None
