"""Pydantic v2 request models of sales targets."""

from __future__ import annotations

from pydantic import BaseModel

from crm_shared.fields import DEFAULT_CURRENCY, MODEL_CONFIG, Currency
from deals.deals.schemas import Amount


class TargetIn(BaseModel):
    """Body of ``PUT /v1/targets/{owner_id}/{period}``: the amount to win in the period."""

    model_config = MODEL_CONFIG

    amount: Amount
    currency: Currency = DEFAULT_CURRENCY
