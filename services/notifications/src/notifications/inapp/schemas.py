"""Request models of the in-app notification routes (``extra="forbid"``, bounded sizes)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NotificationQuery(BaseModel):
    """List filters and the page window."""

    model_config = ConfigDict(extra="forbid")

    unread_only: bool = False
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=1024)
