"""Idempotent topic creation with the intended partition count."""

from __future__ import annotations

from collections.abc import Mapping

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

_TOPIC_ALREADY_EXISTS = 36


class TopicCreationError(RuntimeError):
    """The broker refused to create a topic for a reason other than 'exists'."""


async def _create_missing(
    admin: AIOKafkaAdminClient, partitions: Mapping[str, int], replication_factor: int
) -> None:
    response = await admin.create_topics(
        [NewTopic(name, count, replication_factor) for name, count in partitions.items()]
    )
    for error in response.topic_errors:
        topic, code = error[0], error[1]
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            raise TopicCreationError(f"creating topic {topic!r} failed with error code {code}")


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
        await _create_missing(admin, partitions, replication_factor)
    finally:
        await admin.close()


class TopicKeeper:
    """Makes sure topics exist with their partition counts before each publish.

    A broker that lost its topics (the embedded one after a restart keeps nothing) would
    otherwise auto-create a topic with its own partition count on the producer's first
    metadata request for it. One CreateTopics round trip on a kept connection.
    """

    def __init__(
        self, bootstrap: str, partitions: Mapping[str, int], *, replication_factor: int = 1
    ) -> None:
        self._bootstrap = bootstrap
        self._partitions = dict(partitions)
        self._replication_factor = replication_factor
        self._admin: AIOKafkaAdminClient | None = None

    async def ensure(self) -> None:
        """Create whichever of the topics is missing (raises if the broker is unreachable)."""
        if self._admin is None:
            self._admin = AIOKafkaAdminClient(
                bootstrap_servers=self._bootstrap, request_timeout_ms=10_000
            )
        try:
            await self._admin.start()
            await _create_missing(self._admin, self._partitions, self._replication_factor)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Drop the connection; safe to call twice."""
        admin, self._admin = self._admin, None
        if admin is not None:
            await admin.close()
