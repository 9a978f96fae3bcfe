"""Idempotent topic creation with the intended partition count and topic configs."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from crm_shared.settings import ServiceSettings

_TOPIC_ALREADY_EXISTS = 36


class TopicCreationError(RuntimeError):
    """The broker refused to create a topic for a reason other than 'exists'."""


TopicConfigs = Callable[[str], Mapping[str, str]]
"""A new topic's configs (``retention.ms``, ...) by its name."""


async def _create_missing(
    admin: AIOKafkaAdminClient,
    partitions: Mapping[str, int],
    replication_factor: int,
    config_of: TopicConfigs | None,
) -> None:
    response = await admin.create_topics(
        [
            NewTopic(
                name,
                count,
                replication_factor,
                topic_configs=dict(config_of(name)) if config_of else None,
            )
            for name, count in partitions.items()
        ]
    )
    for error in response.topic_errors:
        topic, code = error[0], error[1]
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            raise TopicCreationError(f"creating topic {topic!r} failed with error code {code}")


async def ensure_topics(
    bootstrap: str,
    partitions: Mapping[str, int],
    *,
    replication_factor: int = 1,
    config_of: TopicConfigs | None = None,
) -> None:
    """Create each topic with its partition count; existing topics are left as they are.

    Topics are created explicitly because broker auto-creation picks its own
    partition count (4 on the embedded broker), which would break key routing plans.
    ``config_of`` gives a new topic's configs (``retention.ms``, ...).
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        await _create_missing(admin, partitions, replication_factor, config_of)
    finally:
        await admin.close()


async def ensure_service_topics(settings: ServiceSettings, partitions: Mapping[str, int]) -> None:
    """:func:`ensure_topics` with the service's replication factor and topic configs."""
    await ensure_topics(
        settings.kafka_bootstrap,
        partitions,
        replication_factor=settings.kafka_replication_factor,
        config_of=settings.topic_config,
    )


class TopicKeeper:
    """Makes sure topics exist with their partition counts before each publish.

    A broker that lost its topics (the embedded one after a restart keeps nothing) would
    otherwise auto-create a topic with its own partition count on the producer's first
    metadata request for it. One CreateTopics round trip on a kept connection; new topics
    get the service's replication factor and topic configs.
    """

    def __init__(self, settings: ServiceSettings, partitions: Mapping[str, int]) -> None:
        self._settings = settings
        self._partitions = dict(partitions)
        self._admin: AIOKafkaAdminClient | None = None

    async def ensure(self) -> None:
        """Create whichever of the topics is missing (raises if the broker is unreachable)."""
        if self._admin is None:
            self._admin = AIOKafkaAdminClient(
                bootstrap_servers=self._settings.kafka_bootstrap, request_timeout_ms=10_000
            )
        try:
            await self._admin.start()
            await _create_missing(
                self._admin,
                self._partitions,
                self._settings.kafka_replication_factor,
                self._settings.topic_config,
            )
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Drop the connection; safe to call twice."""
        admin, self._admin = self._admin, None
        if admin is not None:
            await admin.close()
