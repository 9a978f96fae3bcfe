"""The counting proxies: wire parsing, and real requests through real servers."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson
import pytest
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from bench.counted import (
    BROKER_LABEL,
    CountedStack,
    Window,
    cost_per_unit,
    start_counted_stack,
    summarize,
)
from bench.wire import (
    BrokerRequest,
    DbCommand,
    Frames,
    MongoRequest,
    kafka_api,
    parse_mongo,
)
from crm_devstack.servers import mongo_server_name
from crm_devstack.testing import eventually


def _op_msg(document: dict[str, Any], *, sequence: bool = False, checksum: bool = False) -> bytes:
    body = struct.pack("<I", 1 if checksum else 0)
    if sequence:  # a kind-1 section before the command, as some drivers send
        docs = bson.encode({"x": 1})
        ident = b"documents\x00"
        body += b"\x01" + struct.pack("<i", 4 + len(ident) + len(docs)) + ident + docs
    body += b"\x00" + bson.encode(document)
    if checksum:
        body += b"\x00\x00\x00\x00"
    return struct.pack("<iiii", 16 + len(body), 7, 0, 2013) + body


def test_op_msg_is_counted_by_command_database_and_transaction() -> None:
    plain = parse_mongo(_op_msg({"insert": "leads", "$db": "crm_leads"}))
    assert plain == MongoRequest("OP_MSG", "insert", "crm_leads", "", "leads")
    started = _op_msg(
        {"find": "leads", "startTransaction": True, "autocommit": False, "$db": "crm"},
        sequence=True,
        checksum=True,
    )
    assert parse_mongo(started) == MongoRequest("OP_MSG", "find", "crm", "start", "leads")
    commit = parse_mongo(_op_msg({"commitTransaction": 1, "autocommit": False, "$db": "admin"}))
    assert commit == MongoRequest("OP_MSG", "commitTransaction", "admin", "in")


def test_legacy_query_and_compressed_messages_are_counted() -> None:
    query = bson.encode({"isMaster": 1})
    body = struct.pack("<i", 0) + b"admin.$cmd\x00" + struct.pack("<ii", 0, -1) + query
    message = struct.pack("<iiii", 16 + len(body), 1, 0, 2004) + body
    assert parse_mongo(message) == MongoRequest("OP_QUERY", "isMaster", "admin", "")

    inner = _op_msg({"ping": 1, "$db": "admin"})[16:]
    packed = struct.pack("<iiB", 2013, len(inner), 2) + zlib.compress(inner)
    compressed = struct.pack("<iiii", 16 + len(packed), 2, 0, 2012) + packed
    assert parse_mongo(compressed) == MongoRequest("OP_MSG", "ping", "admin", "")
    snappy = struct.pack("<iiB", 2013, len(inner), 1) + b"??"
    message = struct.pack("<iiii", 16 + len(snappy), 3, 0, 2012) + snappy
    assert parse_mongo(message).command == "<compressed>"


def test_frames_split_a_stream_cut_anywhere() -> None:
    kafka = [struct.pack(">ihhi", 8, key, 0, n) for n, key in enumerate((0, 1, 3, 12, 99))]
    stream = b"".join(kafka)
    frames = Frames(little_endian=False, prefix_counted=False)
    got = [f for i in range(0, len(stream), 5) for f in frames.feed(stream[i : i + 5])]
    assert [kafka_api(f) for f in got] == ["Produce", "Fetch", "Metadata", "Heartbeat", "api99"]

    mongo = _op_msg({"ping": 1, "$db": "admin"}) * 3
    frames = Frames(little_endian=True, prefix_counted=True)
    got = [f for i in range(0, len(mongo), 7) for f in frames.feed(mongo[i : i + 7])]
    assert [parse_mongo(f).command for f in got] == ["ping"] * 3


def test_cost_per_unit_subtracts_the_idle_rate() -> None:
    hello = DbCommand("db", "leads", "admin", "hello")
    insert = DbCommand("db", "leads", "crm_leads", "insert", "start")
    fetch = BrokerRequest("broker", "leads", "Fetch")
    idle = Window({hello: 10, fetch: 40}, 10.0)
    active = Window({hello: 5, insert: 4, fetch: 30}, 5.0)
    cost = cost_per_unit(active, idle, 2)
    assert cost == {hello: 0.0, insert: 2.0, fetch: 5.0}
    summary = summarize(cost, database_names=lambda name: name.removeprefix("crm_"))
    assert (summary["db_commands"], summary["transactions"]) == (2.0, 2.0)
    assert summary["db_by_database"] == {"leads": 2.0}
    assert summary["broker_by_api"] == {"Fetch": 5.0}


LEADS_SERVER = mongo_server_name("leads")


@pytest.fixture
def counted(tmp_path: Path) -> Iterator[CountedStack]:
    stack = start_counted_stack(tmp_path)
    try:
        yield stack
    finally:
        stack.stop()


async def test_requests_through_the_proxies_are_counted_by_process(
    counted: CountedStack,
) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(counted.mongo_url_for("leads"))
    try:
        db = client["wire_test"]
        await db["docs"].insert_one({"n": 1})
        async with client.start_session() as session, await session.start_transaction():
            await db["docs"].insert_one({"n": 2}, session=session)
    finally:
        await client.close()
    producer = AIOKafkaProducer(bootstrap_servers=counted.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait("wire_test", b"x")
    finally:
        await producer.stop()

    def seen() -> dict[Any, int]:
        return {k: n for k, n in counted.wire.tally.snapshot().items() if k.process == "bench"}

    expected = {
        DbCommand(LEADS_SERVER, "bench", "wire_test", "insert", "", collection="docs"): 1,
        DbCommand(LEADS_SERVER, "bench", "wire_test", "insert", "start", collection="docs"): 1,
        DbCommand(LEADS_SERVER, "bench", "admin", "commitTransaction", "in"): 1,
        BrokerRequest(BROKER_LABEL, "bench", "Produce"): 1,
    }
    # counted in the proxies' thread as the requests pass
    await eventually(lambda: expected.items() <= seen().items(), timeout=10, what="counts")
    assert seen()[BrokerRequest(BROKER_LABEL, "bench", "Metadata")] >= 1
    assert not counted.counts(), "the benchmark's own requests are left out"
