"""The one place a service builds its AsyncMongoClient."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.settings import ServiceSettings

Document = dict[str, Any]


def make_client(settings: ServiceSettings) -> AsyncMongoClient[Document]:
    """An AsyncMongoClient with tz-aware datetimes, the retry policy and the timeouts from
    settings (an unreachable or frozen server fails operations within a few seconds).

    ``retryWrites`` defaults to off because the embedded MongoDB-wire server degrades
    badly with it (its bookkeeping slows writes to tens a second after ~10k); production
    sets ``MONGO_RETRY_WRITES=true``.
    """
    return AsyncMongoClient(
        settings.mongo_url,
        tz_aware=True,
        retryWrites=settings.mongo_retry_writes,
        serverSelectionTimeoutMS=settings.mongo_timeout_ms,
        connectTimeoutMS=settings.mongo_timeout_ms,
        heartbeatFrequencyMS=settings.mongo_heartbeat_ms,
        maxPoolSize=settings.mongo_max_pool_size,
        appname=f"crm-{settings.service_name}",
    )


def service_database(
    client: AsyncMongoClient[Document], settings: ServiceSettings
) -> AsyncDatabase[Document]:
    """The service's own database (``crm_<service>``)."""
    return client[settings.database_name]
