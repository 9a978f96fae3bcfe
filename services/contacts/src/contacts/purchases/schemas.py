"""Pydantic HTTP models of purchases: a contact's live RFM scores."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel


class RfmOut(BaseModel):
    """A contact's live RFM scores, segment and historical CLV."""

    contact_id: str
    customer: bool
    recency_days: int | None = None
    frequency: int = 0
    monetary: str = "0"
    currency: str
    r: int | None = None
    f: int | None = None
    m: int | None = None
    fm: int | None = None
    segment: str | None = None
    clv: str | None = None
    customers_ranked: int = 0
    breakpoints_at: AwareDatetime | None = None
