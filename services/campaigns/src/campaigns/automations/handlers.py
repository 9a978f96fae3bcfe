"""Automations ride in the campaigns consumer group: a trigger event is first applied to
the service's own state (contact projection, metrics), then goes through the rules, in
the same transaction. A rule therefore sees what its event did (a new contact can be
added to a campaign, an opt-out is known), which a separate group could not promise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from campaigns.automations.domain import TRIGGERS
from campaigns.automations.service import Firing, wanted_by_rules
from crm_shared.events.catalogue import EventData
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx, UnitOfWork


def _then_fire(firing: Firing, first: Handler | None) -> Handler:
    """A handler applying the event (``first``, if the group has one), then the rules."""

    async def handle(envelope: CloudEvent, event: EventData, tx: Tx) -> None:
        if first is not None:
            await first(envelope, event, tx)
        await firing.fire(tx, envelope, event.model_dump(mode="json"))

    return handle


def with_automations(
    settings: ServiceSettings, specs: Sequence[ConsumerSpec], firing: Firing
) -> list[ConsumerSpec]:
    """The service's consumer group with every trigger type also firing the rules (in a
    transaction with an inbox key: rules emit events). An idempotent type that is also a
    trigger stays idempotent for the tenants with no active rule it triggers."""
    main, *others = specs
    handlers = dict(main.handlers)
    for event_type in TRIGGERS:
        handlers[event_type] = _then_fire(firing, handlers.get(event_type))
    topics = sorted({*main.topics, *(settings.topic(owner) for owner in TRIGGERS.values())})
    unless_wanted = main.idempotent & TRIGGERS.keys()

    async def plain_if(uow: UnitOfWork, envelope: CloudEvent) -> bool:
        return envelope.type in unless_wanted and not await wanted_by_rules(uow, envelope)

    grouped = replace(
        main,
        handlers=handlers,
        topics=topics,
        idempotent=main.idempotent - TRIGGERS.keys(),
        plain_if=plain_if if unless_wanted else None,
    )
    return [grouped, *others]
