"""FastAPI dependencies of the notifications routes: settings and access per resource."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import get_service_settings
from notifications.settings import NotificationsSettings

SettingsDep = Annotated[NotificationsSettings, Depends(get_service_settings)]
ReadEmails = Annotated[Access, require("campaigns", Action.READ)]
"""E-mail delivery records are campaign data: whoever may read campaigns may read them."""
