"""The ``crm`` command end to end, with the broker and database only."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from pymongo import MongoClient
from typer.testing import CliRunner

from crm_devstack import cli, pids
from crm_devstack.servers import free_port, mongo_url, port_is_free
from crm_devstack.services import SERVICES
from crm_devstack.state import load_state
from crm_devstack.testing import Backend, unique_name

runner = CliRunner()
DATABASES = len(SERVICES)


def free_port_range(count: int = DATABASES) -> int:
    """The first of ``count`` consecutive ports that are free right now."""
    for _ in range(100):
        base = free_port()
        if base + count <= 65536 and all(port_is_free(base + i) for i in range(count)):
            return base
    raise AssertionError(f"no {count} consecutive free ports found")


def _hold_port_in_range(offset: int) -> tuple[int, socket.socket]:
    """A free range's first port and a socket bound to the one at ``offset`` in it (a
    range found free can be taken by another process before the bind: try another)."""
    for _ in range(20):
        base = free_port_range()
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", base + offset))
        except OSError:
            sock.close()
            continue
        return base, sock
    raise AssertionError("every free range found was taken before it could be bound")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh working directory; stops whatever a test left in its state file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "available_services", list)  # broker and database only
    try:
        yield tmp_path
    finally:
        state = load_state(tmp_path / ".crm")
        if state is not None:
            for rec in reversed(state.processes):
                pids.terminate(rec.pid, rec.identity, timeout=5.0)


def test_up_detach_status_refuse_and_down(workdir: Path) -> None:
    mongo_port = free_port_range()
    broker_port, smtp_port = free_port(), free_port()
    mongo_ports = {spec.name: mongo_port + i for i, spec in enumerate(SERVICES)}
    assert not {broker_port, smtp_port} & set(mongo_ports.values())
    # the data of the single database server of an earlier version is left alone, said once
    old_data = workdir / ".crm" / "data" / "WiredTiger"
    old_data.parent.mkdir(parents=True)
    old_data.write_text("WiredTiger\n")
    args = ["up", "--detach", "--broker-port", str(broker_port), "--mongo-port", str(mongo_port)]
    args += ["--smtp-port", str(smtp_port)]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    assert result.output.count("not migrated") == 1, result.output
    assert old_data.read_text() == "WiredTiger\n"
    assert f"127.0.0.1:{broker_port}" in result.output
    for name, port in mongo_ports.items():
        assert f"MongoDB ({name})" in result.output and f"127.0.0.1:{port}/" in result.output
    # every command the banner names is typed as it works from a fresh clone (crm is not on PATH)
    assert "uv run crm token" in result.output and "uv run crm down" in result.output
    bare = r"(?<!uv run )\bcrm (?:up|down|status|logs|mail|admin|token)\b"
    assert not re.findall(bare, result.output), result.output

    state = json.loads((workdir / ".crm" / "state.json").read_text())
    recorded = {p["name"]: p for p in state["processes"]}
    databases = {f"mongo-{name}" for name in mongo_ports}
    assert set(recorded) == {"broker", "mail"} | databases
    for name, port in mongo_ports.items():
        assert recorded[f"mongo-{name}"]["port"] == port
        assert recorded[f"mongo-{name}"]["url"] == mongo_url(port)
        assert (workdir / ".crm" / "data" / name).is_dir()
    assert recorded["mail"]["port"] == smtp_port
    assert len({rec["pid"] for rec in recorded.values()}) == len(recorded)

    status = runner.invoke(cli.app, ["status"])
    assert status.exit_code == 0
    ports = [broker_port, smtp_port, *mongo_ports.values()]
    for port in ports:
        (row,) = [line for line in status.output.splitlines() if f" {port} " in line]
        assert row.count("yes") == 2, status.output  # alive and ready

    # each database is on its own server: the gateway's is where `crm admin create` writes
    email = f"{unique_name('admin')}@contoh.co.id"
    create = ["admin", "create", "--email", email, "--tenant", "acme"]
    made = runner.invoke(cli.app, create, env={"CRM_ADMIN_PASSWORD": "kata sandi yang panjang"})
    assert made.exit_code == 0, made.output
    for name, port in mongo_ports.items():
        client: MongoClient[dict[str, object]] = MongoClient(mongo_url(port))
        try:
            users = client["crm_gateway"]["users"].count_documents({"email": email})
        finally:
            client.close()
        assert users == (1 if name == "gateway" else 0), name

    again = runner.invoke(cli.app, args)
    assert again.exit_code == 1
    assert "already running" in again.output and "uv run crm down" in again.output

    logs = runner.invoke(cli.app, ["logs", "mongo-deals", "-n", "5"])
    assert logs.exit_code == 0 and "starting mongo-deals" in logs.output
    mail = runner.invoke(cli.app, ["mail"])
    assert mail.exit_code == 0 and "No e-mail received yet" in mail.output

    down = runner.invoke(cli.app, ["down"])
    assert down.exit_code == 0, down.output
    assert down.output.count("✓ stopped") == len(recorded), down.output
    assert not (workdir / ".crm" / "state.json").exists()
    for rec in recorded.values():
        # Started in-process here, so the PIDs are our (zombie) children until reaped.
        assert pids.process_identity(rec["pid"]) is None
        with contextlib.suppress(ChildProcessError):
            os.waitpid(rec["pid"], 0)


@pytest.mark.parametrize("offset", [0, 2])
def test_up_on_a_taken_port_fails_cleanly(workdir: Path, offset: int) -> None:
    """Any of the database servers' ports: the first (``--mongo-port``) or deals' (+2)."""
    base, taken = _hold_port_in_range(offset)
    with taken as sock:
        sock.listen(1)
        args = ["up", "--detach", "--broker-port", str(free_port()), "--mongo-port", str(base)]
        result = runner.invoke(cli.app, args)
    assert result.exit_code == 1
    assert f"port {base + offset}" in result.output
    assert f"mongo-{SERVICES[offset].name} needs it" in result.output
    assert load_state(workdir / ".crm") is None


def test_up_refuses_a_mongo_port_base_without_room(workdir: Path) -> None:
    result = runner.invoke(cli.app, ["up", "--detach", "--mongo-port", "65533"])
    assert result.exit_code == 2
    assert "65533-65538" in result.output


def test_token_command(workdir: Path) -> None:
    result = runner.invoke(cli.app, ["token", "--tenant", "acme", "--roles", "admin,sales"])
    assert result.exit_code == 0, result.output
    public_pem = (workdir / ".crm" / "keys" / "dev_ed25519.pub.pem").read_text()
    claims = jwt.decode(result.output.strip(), public_pem, algorithms=["EdDSA"], audience="crm")
    assert claims["tid"] == "acme"
    assert claims["roles"] == ["admin", "sales"]
    assert claims["sub"] == "user_dev"


def test_admin_create_makes_a_first_admin_who_can_log_in(backend: Backend) -> None:
    """``crm admin create`` writes the user to the gateway's database (no default password)."""
    import asyncio

    from crm_shared.mongo.client import make_client
    from gateway.auth.passwords import verify_password
    from gateway.settings import GatewaySettings

    gateway_url = backend.mongo_url_for("gateway")
    db_settings = GatewaySettings(mongo_url=gateway_url, mongo_db=unique_name("t_gw_"))
    email = f"{unique_name('admin')}@contoh.co.id"
    args = ["admin", "create", "--email", email, "--tenant", "acme"]
    args += ["--mongo", gateway_url, "--db", db_settings.database_name]
    weak = runner.invoke(cli.app, args, env={"CRM_ADMIN_PASSWORD": "short"})
    assert weak.exit_code == 1 and "at least" in weak.output
    made = runner.invoke(cli.app, args, env={"CRM_ADMIN_PASSWORD": "kata sandi yang panjang"})
    assert made.exit_code == 0, made.output
    again = runner.invoke(cli.app, args, env={"CRM_ADMIN_PASSWORD": "kata sandi yang panjang"})
    assert again.exit_code == 1 and "already exists" in again.output

    async def stored() -> dict[str, object] | None:
        client = make_client(db_settings)
        try:
            doc: dict[str, object] | None = await client[db_settings.database_name][
                "users"
            ].find_one({"email": email})
            return doc
        finally:
            await client.close()

    user = asyncio.run(stored())
    assert user is not None and user["roles"] == ["admin"] and user["tenant_id"] == "acme"
    assert asyncio.run(verify_password(str(user["password_hash"]), "kata sandi yang panjang"))
