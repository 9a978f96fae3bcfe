"""FastAPI dependencies of the deals routes: settings and access per resource."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import get_service_settings
from deals.settings import DealsSettings

SettingsDep = Annotated[DealsSettings, Depends(get_service_settings)]
ReadDeals = Annotated[Access, require("deals", Action.READ)]
WriteDeals = Annotated[Access, require("deals", Action.WRITE)]
ReadPipelines = Annotated[Access, require("pipelines", Action.READ)]
WritePipelines = Annotated[Access, require("pipelines", Action.WRITE)]
ReadReports = Annotated[Access, require("reports", Action.READ)]
ReadTargets = Annotated[Access, require("targets", Action.READ)]
WriteTargets = Annotated[Access, require("targets", Action.WRITE)]
ResourceId = Annotated[str, Path(min_length=1, max_length=64)]
OwnerQuery = Annotated[str | None, Query(min_length=1, max_length=64)]
"""An optional ``owner_id`` filter of reports and targets."""
