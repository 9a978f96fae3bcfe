"""Consumer lag measured from what the consumer already knows (no broker round trip)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import IllegalStateError


async def partition_lag(
    consumer: AIOKafkaConsumer,
    in_hand: Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]],
) -> dict[TopicPartition, int]:
    """Records of each assigned partition not handled yet: the partition's high watermark
    (from the latest fetch response) minus the next offset to handle, which is the first
    record ``in_hand`` (fetched, not yet committed) or else the consumer's position.

    Partitions not fetched yet since their assignment have no high watermark and are left
    out, as are partitions revoked meanwhile."""
    lag: dict[TopicPartition, int] = {}
    for tp in consumer.assignment():
        try:
            high = consumer.highwater(tp)
            if high is None:
                continue
            records = in_hand.get(tp)
            # a fetched partition has a valid position: this returns at once
            next_offset = records[0].offset if records else await consumer.position(tp)
        except (AssertionError, IllegalStateError):  # revoked while we looked
            continue
        lag[tp] = max(0, high - next_offset)
    return lag
