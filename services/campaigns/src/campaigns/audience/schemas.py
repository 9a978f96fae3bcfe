"""Response models of the audience."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AudienceFigures(BaseModel):
    """A campaign's audience: its contacts, those suppressed (opted out, do not contact,
    no e-mail address, deleted) and those who can be e-mailed."""

    audience: int = Field(ge=0, description="Distinct contacts in the audience")
    suppressed: int = Field(ge=0, description="Of them, those who get no e-mail")
    reachable: int = Field(ge=0, description="audience - suppressed")

    @classmethod
    def of(cls, audience: int, suppressed: int) -> AudienceFigures:
        """The figures of ``audience`` contacts of whom ``suppressed`` get no e-mail."""
        return cls(audience=audience, suppressed=suppressed, reachable=audience - suppressed)
