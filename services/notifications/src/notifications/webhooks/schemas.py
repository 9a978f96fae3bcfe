"""Request models of the webhook routes (``extra="forbid"``, bounded sizes)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from crm_shared.fields import MODEL_CONFIG, blank_to_none
from crm_shared.url_safety import MAX_URL_LENGTH

Url = Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH)]
EventPattern = Annotated[str, StringConstraints(min_length=1, max_length=128)]
EventPatterns = Annotated[list[EventPattern], Field(min_length=1, max_length=100)]
Description = Annotated[
    Annotated[str, StringConstraints(max_length=500)] | None, BeforeValidator(blank_to_none)
]


class WebhookCreate(BaseModel):
    """A new subscription: where to POST and which event types (``Deal*``, ``*`` allowed)."""

    model_config = MODEL_CONFIG

    url: Url
    event_types: EventPatterns
    description: Description = None
    active: bool = True


class WebhookUpdate(BaseModel):
    """Fields to change; switching ``active`` on again clears the failure run."""

    model_config = MODEL_CONFIG

    url: Url | None = None
    event_types: EventPatterns | None = None
    description: Description = None
    active: bool | None = None
