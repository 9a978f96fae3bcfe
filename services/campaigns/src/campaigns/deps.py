"""FastAPI dependencies of the campaigns routes: settings, access, the sender, paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from campaigns.campaigns.sender import Sender
from campaigns.settings import CampaignsSettings
from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import get_service_settings

SettingsDep = Annotated[CampaignsSettings, Depends(get_service_settings)]
ReadCampaigns = Annotated[Access, require("campaigns", Action.READ)]
WriteCampaigns = Annotated[Access, require("campaigns", Action.WRITE)]
ReadSegments = Annotated[Access, require("segments", Action.READ)]
WriteSegments = Annotated[Access, require("segments", Action.WRITE)]
ResourceId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


async def get_sender(request: Request) -> Sender:
    """The background sender started with the app."""
    sender: Sender = request.app.state.sender
    return sender


SenderDep = Annotated[Sender, Depends(get_sender)]


class Paging(BaseModel):
    """The page window of list endpoints."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=1024)
