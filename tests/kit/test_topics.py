"""Topic creation on the real broker: partition count and retention from settings."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from crm_devstack.testing import Backend, unique_name
from crm_shared.kafka.topics import ensure_service_topics
from crm_shared.settings import ServiceSettings


async def _retention_ms(bootstrap: str, topic: str) -> str | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        (resource,) = responses[0].resources
        for entry in resource[4]:
            if entry[0] == "retention.ms":
                return str(entry[1])
        return None
    finally:
        await admin.close()


async def _partitions(bootstrap: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        return len(described["partitions"])
    finally:
        await admin.close()


async def test_topics_are_created_with_configured_partitions_and_retention(
    backend: Backend,
) -> None:
    prefix = f"{unique_name('topics')}."
    settings = ServiceSettings(
        kafka_bootstrap=backend.kafka_bootstrap,
        topic_prefix=prefix,
        kafka_partitions=3,
        kafka_retention_ms=3_600_000,
        kafka_dlq_retention_ms=1_209_600_000,
    )
    events, dlq = settings.topic("leads"), settings.dlq_topic("contacts")

    await ensure_service_topics(settings, {events: 3, dlq: 2})

    assert await _partitions(backend.kafka_bootstrap, events) == 3
    assert await _partitions(backend.kafka_bootstrap, dlq) == 2
    assert await _retention_ms(backend.kafka_bootstrap, events) == "3600000"
    assert await _retention_ms(backend.kafka_bootstrap, dlq) == "1209600000"


async def test_an_existing_topic_keeps_its_partitions(backend: Backend) -> None:
    settings = ServiceSettings(
        kafka_bootstrap=backend.kafka_bootstrap, topic_prefix=f"{unique_name('topics')}."
    )
    topic = settings.topic("deals")
    await ensure_service_topics(settings, {topic: 2})

    await ensure_service_topics(settings, {topic: 6})

    assert await _partitions(backend.kafka_bootstrap, topic) == 2


def test_retention_is_left_to_the_broker_unless_set() -> None:
    settings = ServiceSettings(topic_prefix="crm.", kafka_dlq_retention_ms=-1)
    assert settings.topic_config("crm.leads") == {}
    assert settings.topic_config("crm.dlq.contacts") == {"retention.ms": "-1"}
