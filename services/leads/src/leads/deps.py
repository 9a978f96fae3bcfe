"""FastAPI dependencies of the leads routes: settings, access per resource, the lead id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import get_service_settings
from leads.settings import LeadsSettings

SettingsDep = Annotated[LeadsSettings, Depends(get_service_settings)]
ReadLeads = Annotated[Access, require("leads", Action.READ)]
WriteLeads = Annotated[Access, require("leads", Action.WRITE)]
ImportLeads = Annotated[Access, require("leads", Action.IMPORT)]
ReadScoring = Annotated[Access, require("scoring_rules", Action.READ)]
WriteScoring = Annotated[Access, require("scoring_rules", Action.WRITE)]
LeadId = Annotated[str, Path(max_length=64, description="Lead id, e.g. lead_01JD...")]
