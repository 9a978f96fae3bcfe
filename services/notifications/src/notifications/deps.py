"""FastAPI dependencies shared by the notifications features (access aliases of one
resource live in that feature's ``api``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from crm_shared.http.deps import get_service_settings
from notifications.settings import NotificationsSettings

SettingsDep = Annotated[NotificationsSettings, Depends(get_service_settings)]
