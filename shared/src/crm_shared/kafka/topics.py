"""Idempotent topic creation with the intended partition count."""

from __future__ import annotations

from collections.abc import Mapping

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

_TOPIC_ALREADY_EXISTS = 36


class TopicCreationError(RuntimeError):
    """The broker refused to create a topic for a reason other than 'exists'."""


async def ensure_topics(
    bootstrap: str, partitions: Mapping[str, int], *, replication_factor: int = 1
) -> None:
    """Create each topic with its partition count; existing topics are left as they are.

    Topics are created explicitly because broker auto-creation picks its own
    partition count (4 on the embedded broker), which would break key routing plans.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, count, replication_factor) for name, count in partitions.items()]
        )
        for error in response.topic_errors:
            topic, code = error[0], error[1]
            if code not in (0, _TOPIC_ALREADY_EXISTS):
                raise TopicCreationError(f"creating topic {topic!r} failed with error code {code}")
    finally:
        await admin.close()
