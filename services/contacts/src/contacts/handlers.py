"""Handlers of the events the contacts service consumes (one consumer group)."""

from __future__ import annotations

from functools import partial

from contacts.conversion import on_lead_converted
from contacts.purchases.handlers import on_deal_lost, on_deal_stage_changed, on_deal_won
from contacts.settings import ContactsSettings
from crm_shared.kafka.consumer import ConsumerSpec, Handler


def consumer_specs(settings: ContactsSettings) -> list[ConsumerSpec]:
    """LeadConverted from the leads topic; DealWon, DealLost, DealStageChanged from deals."""
    currency = settings.default_currency
    handlers: dict[str, Handler] = {
        "LeadConverted": on_lead_converted,
        "DealWon": partial(on_deal_won, currency=currency),
        "DealLost": partial(on_deal_lost, currency=currency),
        "DealStageChanged": partial(on_deal_stage_changed, currency=currency),
    }
    return [
        ConsumerSpec(
            group=settings.service_name,
            topics=[settings.topic("leads"), settings.topic("deals")],
            handlers=handlers,
        )
    ]
