"""The webhook channel of one app: subscription cache, delivery queue, dispatcher and the
shared HTTP client, with the consumer group and start/stop hooks ``main`` wires in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.delivery_queue import DeliveryQueue, Dispatcher, EnqueueOnCommit
from crm_shared.kafka.consumer import ConsumerSpec
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from notifications.settings import NotificationsSettings
from notifications.webhooks.cache import SubscriptionCache
from notifications.webhooks.dispatch import WebhookSender, http_client
from notifications.webhooks.handlers import webhook_consumer
from notifications.webhooks.repository import DELIVERIES
from notifications.webhooks.service import OutcomeRecorder, SubscriptionRules
from notifications.webhooks.targets import AllowList


@dataclass(frozen=True)
class _Stores:
    """What the channel keeps per service database."""

    cache: SubscriptionCache
    queue: DeliveryQueue


class WebhookChannel:
    """Signed webhooks: fan-out consumer, dispatcher, and what the routes need."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self.settings = settings
        self.allow = AllowList.parse(settings.webhook_allow_hosts)
        self._stores: _Stores | None = None
        self._client: httpx.AsyncClient | None = None
        self.dispatcher: Dispatcher | None = None
        self._enqueue = EnqueueOnCommit(DELIVERIES, self.offer, dispatcher=lambda: self.dispatcher)
        """Fan-out's deliveries, inserted claimed by this instance's dispatcher (it runs them
        at once; another instance retries them if this one dies before: ``expired``)."""

    def stores(self, db: AsyncDatabase[Document]) -> _Stores:
        """The cache and queue on the service database (made on first use: the consumer
        may run before the start hook)."""
        if self._stores is None:
            self._stores = _Stores(
                SubscriptionCache(db, ttl_s=self.settings.webhook_cache_ttl_s),
                DeliveryQueue(db, DELIVERIES),
            )
        return self._stores

    def rules(self, db: AsyncDatabase[Document]) -> SubscriptionRules:
        """What the subscription use cases need."""
        return SubscriptionRules(
            cache=self.stores(db).cache,
            allow=self.allow,
            secret_grace=timedelta(seconds=self.settings.webhook_secret_grace_s),
        )

    def consumer_spec(self) -> ConsumerSpec:
        """The fan-out consumer group."""
        return webhook_consumer(self.settings, self._cache_of, self._enqueue)

    def _cache_of(self, db: AsyncDatabase[Document]) -> SubscriptionCache:
        return self.stores(db).cache

    def offer(self, ids: Iterable[str]) -> None:
        """Deliveries were queued (committed): let the dispatcher claim them now, by id."""
        if self.dispatcher is not None:
            self.dispatcher.offer(ids)

    async def start(self, app: FastAPI, runtime: Runtime) -> None:
        """Start hook: the HTTP client and the dispatcher."""
        app.state.webhooks = self
        stores = self.stores(runtime.db)
        self._client = http_client(self.settings)
        recorder = OutcomeRecorder(
            runtime.uow,
            stores.queue,
            stores.cache,
            disable_after=self.settings.webhook_disable_after,
        )
        self.dispatcher = Dispatcher(
            stores.queue,
            WebhookSender(self._client, stores.cache, self.settings, self.allow),
            concurrency=self.settings.webhook_concurrency,
            poll_interval_s=self.settings.webhook_poll_interval_s,
            settle=recorder,
            on_expired=recorder.expired,
            name="webhook-dispatcher",
        )
        self.dispatcher.start()
        runtime.dispatchers["webhook"] = self.dispatcher

    async def stop(self, app: FastAPI, runtime: Runtime) -> None:
        """Stop hook: finish the deliveries in hand, then close the HTTP client."""
        if self.dispatcher is not None:
            await self.dispatcher.stop()
        if self._client is not None:
            await self._client.aclose()
