"""Idempotent topic creation with the intended partition count and topic configs."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from crm_shared.settings import ServiceSettings

_TOPIC_ALREADY_EXISTS = 36


class TopicCreationError(RuntimeError):
    """The broker refused to create a topic for a reason other than 'exists'."""


async def ensure_topics(
    bootstrap: str,
    partitions: Mapping[str, int],
    *,
    replication_factor: int = 1,
    config_of: Callable[[str], Mapping[str, str]] | None = None,
) -> None:
    """Create each topic with its partition count; existing topics are left as they are.

    Topics are created explicitly because broker auto-creation picks its own
    partition count (4 on the embedded broker), which would break key routing plans.
    ``config_of`` gives a new topic's configs (``retention.ms``, ...).
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
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
