"""Real processes on free ports: start, probe, pause, stop by PID."""

from __future__ import annotations

import os
import socket
import struct
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from pymongo import MongoClient

from crm_devstack import pids
from crm_devstack.servers import (
    DataDirBusyError,
    ManagedProcess,
    PortInUseError,
    StartupError,
    free_port,
    free_ports,
    kafka_bootstrap,
    mongo_ping,
    mongo_url,
    port_is_free,
    spawn,
    start_broker,
    start_mongo,
    start_mongo_servers,
    start_service,
    stop_together,
    tcp_accepts,
    wait_ready,
)


def pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def proc_state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


@pytest.fixture
def started() -> Iterator[list[ManagedProcess]]:
    """Collects processes a test starts and stops them whatever happens."""
    procs: list[ManagedProcess] = []
    try:
        yield procs
    finally:
        for proc in reversed(procs):
            proc.stop(timeout=5.0)


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_free_port_and_port_is_free(taken_port: int) -> None:
    port = free_port()
    assert 0 < port < 65536
    assert port_is_free(port)
    assert not port_is_free(taken_port)


def test_broker_answers_pauses_and_stops_by_pid(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    broker = start_broker(log_path=tmp_path / "broker.log")
    started.append(broker)
    assert broker.alive()
    assert kafka_bootstrap(broker.port) == f"127.0.0.1:{broker.port}" == broker.address
    assert tcp_accepts(broker.port)

    broker.pause()
    assert proc_state(broker.pid) == "T"
    broker.resume()
    assert proc_state(broker.pid) in {"S", "R"}

    broker.pause()  # stop() must also end a paused process
    pid = broker.pid
    broker.stop(timeout=5.0)
    assert not broker.alive()
    assert pid_gone(pid)
    assert not tcp_accepts(broker.port)


def _metadata_brokers(port: int) -> list[tuple[int, str, int]]:
    """The brokers a Metadata v0 request to 127.0.0.1:``port`` lists: (node, host, port)."""
    client_id = b"devstack-test"
    body = struct.pack(">hhih", 3, 0, 7, len(client_id)) + client_id + struct.pack(">i", 0)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(struct.pack(">i", len(body)) + body)
        (size,) = struct.unpack(">i", sock.recv(4, socket.MSG_WAITALL))
        reply = sock.recv(size, socket.MSG_WAITALL)
    correlation, count = struct.unpack_from(">ii", reply, 0)
    assert correlation == 7
    offset, brokers = 8, []
    for _ in range(count):
        node, length = struct.unpack_from(">ih", reply, offset)
        host = reply[offset + 6 : offset + 6 + length].decode()
        (broker_port,) = struct.unpack_from(">i", reply, offset + 6 + length)
        brokers.append((node, host, broker_port))
        offset += 10 + length
    return brokers


def test_broker_advertises_another_port_when_asked(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    advertised = free_port()
    broker = start_broker(log_path=tmp_path / "broker.log", advertised_port=advertised)
    started.append(broker)
    assert [(host, port) for _, host, port in _metadata_brokers(broker.port)] == [
        ("127.0.0.1", advertised)
    ]


def test_mongo_pings_refuses_busy_data_dir_and_stops(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    data = tmp_path / "data"
    mongo = start_mongo(data_dir=data, log_path=tmp_path / "mongo.log")
    started.append(mongo)
    assert mongo_url(mongo.port).endswith("/?directConnection=true&retryWrites=false")
    assert mongo_ping(mongo.port)

    t0 = time.monotonic()
    with pytest.raises(DataDirBusyError, match="Device or resource busy") as info:
        start_mongo(data_dir=data, log_path=tmp_path / "mongo2.log")
    assert time.monotonic() - t0 < 10
    assert str(data) in str(info.value) or "already has it open" in str(info.value)
    assert mongo_ping(mongo.port), "the first server must be unaffected"

    pid = mongo.pid
    mongo.stop()
    assert pid_gone(pid)
    assert not mongo_ping(mongo.port, timeout_ms=100)


def test_free_ports_are_all_different() -> None:
    ports = free_ports(12)
    assert len(set(ports)) == 12
    assert all(port_is_free(port) for port in ports)


def test_mongo_servers_start_side_by_side_each_with_its_data_and_stop_together(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    owners = ("leads", "deals", "gateway")
    servers = start_mongo_servers({o: tmp_path / o for o in owners}, log_dir=tmp_path / "logs")
    started.extend(servers.values())
    assert list(servers) == list(owners)
    assert [proc.name for proc in servers.values()] == [f"mongo-{o}" for o in owners]
    assert len({proc.port for proc in servers.values()}) == len(owners)
    assert all(mongo_ping(proc.port) for proc in servers.values())
    assert (tmp_path / "logs" / "mongo-deals.log").is_file()

    def count(proc: ManagedProcess, write: bool = False) -> int:
        client: MongoClient[dict[str, object]] = MongoClient(mongo_url(proc.port))
        try:
            if write:
                client["crm_deals"]["deals"].insert_one({"name": "own server"})
            return client["crm_deals"]["deals"].count_documents({})
        finally:
            client.close()

    assert count(servers["deals"], write=True) == 1
    assert count(servers["leads"]) == count(servers["gateway"]) == 0  # separate servers

    pids_ = [proc.pid for proc in servers.values()]
    stop_together(list(servers.values()), timeout=10.0)
    assert all(pid_gone(pid) for pid in pids_)


def test_mongo_servers_stop_every_one_started_when_one_cannot_start(
    tmp_path: Path, taken_port: int
) -> None:
    ports = {"leads": free_port(), "contacts": taken_port, "deals": free_port()}
    data_dirs = {owner: tmp_path / owner for owner in ports}
    with pytest.raises(PortInUseError, match=rf"port {taken_port}.*mongo-contacts"):
        start_mongo_servers(data_dirs, log_dir=tmp_path, ports=ports)
    assert children_naming(tmp_path) == [], "a server that started was left running"


def children_naming(path: Path) -> list[psutil.Process]:
    """This process's children running with ``path`` on their command line."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if str(path) in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # exited meanwhile, or a zombie
            continue
    return found


def test_taken_port_raises_port_in_use(tmp_path: Path, taken_port: int) -> None:
    t0 = time.monotonic()
    with pytest.raises(PortInUseError, match=rf"port {taken_port}.*broker"):
        start_broker(port=taken_port, log_path=tmp_path / "b.log")
    with pytest.raises(PortInUseError, match=rf"port {taken_port}.*mongo"):
        start_mongo(data_dir=tmp_path / "d", port=taken_port, log_path=tmp_path / "m.log")
    assert time.monotonic() - t0 < 1.0


PROBE_APP = textwrap.dedent(
    """
    async def _app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def create_app():
        return _app
    """
)


def test_service_starts_becomes_ready_and_stops(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    (tmp_path / "devstack_probe_app.py").write_text(PROBE_APP)
    port = free_port()
    svc = start_service(
        name="probe",
        app="devstack_probe_app:create_app",
        port=port,
        env={"PYTHONPATH": str(tmp_path)},
        log_path=tmp_path / "probe.log",
    )
    started.append(svc)
    wait_ready(f"http://127.0.0.1:{port}/readyz", timeout=30, process=svc)
    pid = svc.pid
    svc.stop()
    assert pid_gone(pid)


def test_wait_ready_reports_a_dead_service_with_its_log(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    port = free_port()
    svc = start_service(
        name="broken",
        app="no_such_module_xyz:create_app",
        port=port,
        env={},
        log_path=tmp_path / "broken.log",
    )
    started.append(svc)
    with pytest.raises(StartupError, match="no_such_module_xyz"):
        wait_ready(f"http://127.0.0.1:{port}/readyz", timeout=30, process=svc)


def test_terminate_checks_identity_before_signalling(
    tmp_path: Path, started: list[ManagedProcess]
) -> None:
    proc = spawn(
        name="sleeper", argv=["sleep", "30"], port=free_port(), log_path=tmp_path / "s.log"
    )
    started.append(proc)
    ident = pids.settled_identity(proc.pid)
    assert ident is not None
    assert ident.cmdline == ("sleep", "30")

    impostor = pids.ProcessIdentity(cmdline=ident.cmdline, start_time="0")
    assert not pids.terminate(proc.pid, impostor, timeout=1.0)
    assert proc.alive()

    assert pids.terminate(proc.pid, ident, timeout=5.0)
    assert proc.popen.wait(timeout=5.0) != 0
