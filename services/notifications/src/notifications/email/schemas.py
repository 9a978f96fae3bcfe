"""Request models of the e-mail routes (``extra="forbid"``, bounded sizes)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from notifications.email.domain import EmailStatus


class EmailQuery(BaseModel):
    """List filters and the page window."""

    model_config = ConfigDict(extra="forbid")

    status: EmailStatus | None = None
    campaign_id: str | None = Field(default=None, min_length=1, max_length=64)
    to: str | None = Field(default=None, min_length=3, max_length=320)
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=1024)
