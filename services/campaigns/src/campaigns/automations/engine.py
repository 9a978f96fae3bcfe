"""The automations' moving parts, wired once per app: firing (used by the consumer from
the first event on) and the worker that performs assign-owner calls after commits."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from campaigns.automations.assign import AssignWorker
from campaigns.automations.handlers import with_automations
from campaigns.automations.service import Firing
from campaigns.settings import CampaignsSettings
from campaigns.tracking.signing import LinkBuilder, TrackingSigner
from crm_shared.kafka.consumer import ConsumerSpec
from crm_shared.runtime import Runtime


class AutomationEngine:
    """Firing needs the assign worker and the campaign sender only to wake them, so it
    exists before they start (consumers start before the app's start-up hooks)."""

    def __init__(self, settings: CampaignsSettings) -> None:
        self.settings = settings
        self.worker: AssignWorker | None = None
        self.app: FastAPI | None = None
        links = LinkBuilder(TrackingSigner(settings.tracking_secret), settings.public_base_url)
        self.firing = Firing(links, self._wake_worker, self._wake_sender)

    def consumers(self, specs: Sequence[ConsumerSpec]) -> list[ConsumerSpec]:
        """The service's consumer groups with the rules fired on trigger events."""
        return with_automations(self.settings, specs, self.firing)

    def _wake_worker(self) -> None:
        if self.worker is not None:
            self.worker.dispatcher.wake()

    def _wake_sender(self) -> None:
        sender = getattr(self.app.state, "sender", None) if self.app is not None else None
        if sender is not None:
            sender.wake()

    async def start(self, app: FastAPI, runtime: Runtime) -> None:
        """Start the assign worker (start-up hook)."""
        self.app = app
        self.worker = AssignWorker(runtime.uow, self.settings)
        self.worker.dispatcher.start()
        runtime.dispatchers["lead_assign"] = self.worker.dispatcher

    async def stop(self, app: FastAPI, runtime: Runtime) -> None:
        """Stop the assign worker (shutdown hook)."""
        if self.worker is not None:
            await self.worker.stop()
