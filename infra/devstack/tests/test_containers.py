"""The readiness probes of the container servers, against the embedded servers and
against ports that accept TCP but are not a server (Docker's proxy in front of a
container whose server is down)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from crm_devstack.containers import container_mongo_url, kafka_answers, replica_set_primary
from crm_devstack.servers import free_port, mongo_url, start_embedded_pair


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    """(broker port, database port) of an embedded pair, stopped by PID at the end."""
    pair = start_embedded_pair(tmp_path_factory.mktemp("probes"))
    try:
        yield pair[0].port, pair[1].port
    finally:
        for proc in reversed(pair):
            proc.stop()


@pytest.fixture
def accepts_then_closes() -> Iterator[int]:
    """A loopback port that accepts each connection and closes it at once."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join(timeout=5)
        listener.close()


def test_kafka_probe_needs_a_broker_answering(
    embedded: tuple[int, int], accepts_then_closes: int
) -> None:
    broker, database = embedded
    assert kafka_answers(broker)
    assert not kafka_answers(free_port())
    assert not kafka_answers(accepts_then_closes)
    assert not kafka_answers(database), "a MongoDB server is not a Kafka broker"


def test_kafka_probe_gives_up_on_a_silent_server_within_its_timeout() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # connects, never answers
        started = time.monotonic()
        assert not kafka_answers(silent.getsockname()[1], timeout=0.3)
        assert time.monotonic() - started < 2.0


def test_mongo_probe_needs_a_server_taking_writes(
    embedded: tuple[int, int], accepts_then_closes: int
) -> None:
    _, database = embedded
    assert replica_set_primary(mongo_url(database))  # a standalone server takes writes
    assert not replica_set_primary(container_mongo_url(free_port()), timeout_ms=300)
    assert not replica_set_primary(container_mongo_url(accepts_then_closes), timeout_ms=300)
