"""Kafka and MongoDB in Docker containers (testcontainers), for the ``containers`` test
backend and the fault scenarios that run on it.

Each server is published on 127.0.0.1 at a host port chosen up front, not an ephemeral
one: ``docker start`` gives an ephemeral mapping a new port, while the Kafka container
keeps advertising the port it was first started with (its start script is written once,
with that port in it, and runs again on every start). With a fixed port a container
stopped and started again is back on the same address. Its data lives in the container's
volumes, which survive stop and start and are removed with the container.

Needs a Docker engine on this machine (the ports are bound on its loopback interface).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pymongo import MongoClient
from pymongo.errors import OperationFailure, PyMongoError

from crm_devstack.servers import HOST, StartupError, free_port, kafka_bootstrap, wait_until

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

KAFKA_IMAGE = "confluentinc/cp-kafka:7.7.1"
MONGO_IMAGE = "mongo:8.0"
MONGO_PORT = 27017
REPLICA_SET = "rs0"
START_TIMEOUT_S = 120
"""First start of a container: its server boots (the image is pulled before)."""
RESTART_TIMEOUT_S = 60.0
STOP_GRACE_S = 10
"""``docker stop`` sends SIGTERM to the container's main process and SIGKILL this many
seconds later if it still runs. mongod is that process and shuts down cleanly; in the
Kafka container it is the shell running testcontainers' start script, which does not
pass SIGTERM on, so the broker is killed: to the broker a crash, which its log survives
(written before it acknowledged, and recovered on start)."""
MONGO_QUIESCE_MS = 100
"""How long mongod lets operations finish after SIGTERM (default 15 s): stopping the
database is quick, as with the embedded one."""
_API_VERSIONS = 18
_PROBE_CORRELATION_ID = 0x43524D


def kafka_answers(port: int, *, timeout: float = 1.0) -> bool:
    """Return True if a Kafka broker on 127.0.0.1:``port`` answers an ApiVersions request.

    A port that only accepts TCP does not count: Docker's proxy accepts connections for a
    container whose broker is not listening yet, then closes them.
    """
    client_id = b"crm-probe"
    request = struct.pack(">hhih", _API_VERSIONS, 0, _PROBE_CORRELATION_ID, len(client_id))
    request += client_id
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(request)) + request)
            _size, correlation_id, error_code = struct.unpack(">iih", _receive(sock, 10))
    except OSError:
        return False
    return bool(correlation_id == _PROBE_CORRELATION_ID and error_code == 0)


def _receive(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        data += chunk
    return data


def container_mongo_url(port: int) -> str:
    """The MongoDB URL of a containerised server published on 127.0.0.1:``port``."""
    return f"mongodb://{HOST}:{port}/?directConnection=true"


def replica_set_primary(url: str, *, timeout_ms: int = 1000) -> bool:
    """Return True once the single-node replica set at ``url`` accepts writes.

    A member started with ``--replSet`` and no configuration yet (a new container) is
    initiated here, as the only member; after a restart it keeps its configuration and
    elects itself again.
    """
    client: MongoClient[dict[str, Any]] = MongoClient(
        url,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=max(timeout_ms, 5000),
    )
    try:
        hello = client.admin.command("hello")
        if hello.get("isreplicaset"):
            member = {"_id": 0, "host": f"{HOST}:{MONGO_PORT}"}
            client.admin.command("replSetInitiate", {"_id": REPLICA_SET, "members": [member]})
            return False
        return bool(hello.get("isWritablePrimary"))
    except OperationFailure as exc:
        if exc.code == 23:  # AlreadyInitialized: an earlier attempt, unanswered, got through
            return False
        raise
    except PyMongoError:
        return False
    finally:
        client.close()


class ServerContainer:
    """A server in a container, published on 127.0.0.1:``port``, with the faults a test
    injects: pause and resume (``docker pause``: the cgroup freezer, like SIGSTOP), stop
    and start (the same port, the same data)."""

    def __init__(
        self,
        name: str,
        container: DockerContainer,
        port: int,
        endpoint: str,
        ready: Callable[[], bool],
    ) -> None:
        self.name = name
        self.container = container
        self.port = port
        self.endpoint = endpoint
        """How clients reach it: the Kafka bootstrap address or the MongoDB URL."""
        self._ready = ready

    def __repr__(self) -> str:
        return f"ServerContainer(name={self.name!r}, port={self.port})"

    def pause(self) -> None:
        """Freeze every process of the container; it keeps its state and connections."""
        self.container.get_wrapped_container().pause()

    def resume(self) -> None:
        """Let a paused container run again."""
        self.container.get_wrapped_container().unpause()

    def stop(self) -> None:
        """Stop the container (``docker stop``); :meth:`start` brings it back."""
        self.container.get_wrapped_container().stop(timeout=STOP_GRACE_S)

    def start(self, timeout: float = RESTART_TIMEOUT_S) -> None:
        """Start the stopped container again and wait until its server answers."""
        self.container.get_wrapped_container().start()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        """Wait until the server answers; fail at once if the container exits."""
        wait_until(self._ready_or_exited, timeout=timeout, what=f"{self.name} in its container")

    def close(self) -> None:
        """Remove the container and its volumes (``docker rm -f -v``), paused or not."""
        self.container.stop()

    def _ready_or_exited(self) -> bool:
        if self._ready():
            return True
        wrapped = self.container.get_wrapped_container()
        wrapped.reload()
        if wrapped.status in {"exited", "dead"}:
            logs = wrapped.logs(tail=40).decode(errors="replace")
            raise StartupError(f"the {self.name} container exited; its last lines:\n{logs}")
        return False


def _publish_on_loopback(container: DockerContainer, container_port: int, host_port: int) -> None:
    """Publish ``container_port`` on 127.0.0.1:``host_port`` only. ``with_bind_ports``
    takes no host address; Docker's API takes an ``(address, port)`` pair."""
    container.ports[str(container_port)] = (HOST, host_port)  # type: ignore[assignment]


def _started(server: ServerContainer, start: Callable[[], object]) -> ServerContainer:
    """Run ``start`` and wait until the server answers; remove the container on failure."""
    try:
        start()
        server.wait_ready(START_TIMEOUT_S)
    except BaseException:
        server.close()
        raise
    return server


def start_kafka_container(port: int | None = None) -> ServerContainer:
    """A single-node KRaft Kafka on 127.0.0.1:``port`` (default: a free port)."""
    from testcontainers.community.kafka import KafkaContainer

    port = free_port() if port is None else port
    kafka = KafkaContainer(KAFKA_IMAGE).with_kraft()
    _publish_on_loopback(kafka, kafka.port, port)
    server = ServerContainer(
        "Kafka", kafka, port, kafka_bootstrap(port), lambda: kafka_answers(port)
    )
    return _started(server, lambda: kafka.start(timeout=START_TIMEOUT_S))


def start_mongo_container(port: int | None = None) -> ServerContainer:
    """MongoDB as a single-node replica set (transactions need one) on 127.0.0.1:``port``
    (default: a free port), without authentication."""
    from testcontainers.core.container import DockerContainer

    port = free_port() if port is None else port
    url = container_mongo_url(port)
    mongo = DockerContainer(MONGO_IMAGE).with_command(
        [
            "--replSet",
            REPLICA_SET,
            "--bind_ip_all",
            "--setParameter",
            f"shutdownTimeoutMillisForSignaledShutdown={MONGO_QUIESCE_MS}",
        ]
    )
    _publish_on_loopback(mongo, MONGO_PORT, port)
    server = ServerContainer("MongoDB", mongo, port, url, lambda: replica_set_primary(url))
    return _started(server, mongo.start)


def start_container_pair() -> tuple[ServerContainer, ServerContainer]:
    """Start Kafka and MongoDB containers on free ports; returns ``(kafka, mongo)``.

    Kafka is removed again if MongoDB fails.
    """
    kafka = start_kafka_container()
    try:
        mongo = start_mongo_container()
    except BaseException:
        kafka.close()
        raise
    return kafka, mongo
