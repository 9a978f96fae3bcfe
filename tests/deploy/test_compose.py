"""The production deployment shape, checked without Docker.

No Docker engine runs on the build machines, so `docker compose config` and
`docker build` cannot vouch for docker-compose.yml and infra/docker/Dockerfile.
These tests do it instead: the compose file must satisfy the official Compose
JSON Schema (vendored in infra/compose/), and every service must be wired to
Kafka, MongoDB, its settings and its image the way the platform expects.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import yaml

from .settings_fields import unknown_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = ROOT / "infra" / "compose" / "compose-spec.json"
DOCKERFILE_REL = "infra/docker/Dockerfile"
DOCKERFILE = ROOT / DOCKERFILE_REL
DOCKERIGNORE = ROOT / ".dockerignore"
CONTAINER_PORT = 8000


# --- helpers ---


@cache
def _compose() -> dict[str, Any]:
    """docker-compose.yml as compose sees it before interpolation (anchors and `<<` resolved)."""
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml must be a mapping"
    return data


def _services() -> dict[str, dict[str, Any]]:
    services = _compose().get("services") or {}
    assert isinstance(services, dict)
    return services


def _app_services() -> list[str]:
    """Compose services built from our one Dockerfile, i.e. the Python services."""
    return sorted(
        name
        for name, svc in _services().items()
        if isinstance(svc.get("build"), dict) and svc["build"].get("dockerfile") == DOCKERFILE_REL
    )


GATEWAY = "gateway"


def _member_dir(name: str) -> Path:
    """Where a deployable's workspace member lives (``gateway/`` or ``services/<name>/``)."""
    return ROOT / name if name == GATEWAY else ROOT / "services" / name


def _backend_services() -> list[str]:
    """The app services behind the gateway."""
    return [name for name in _app_services() if name != GATEWAY]


def _environment(svc: dict[str, Any]) -> dict[str, str | None]:
    """A service's environment as a dict, whichever of the two compose forms it uses."""
    env = svc.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, None) for item in env)
        return dict(pairs)
    return {key: None if value is None else _env_str(value) for key, value in env.items()}


def _env_str(value: object) -> str:
    """How compose turns a YAML scalar into an environment string (true -> "true")."""
    return str(value).lower() if isinstance(value, bool) else str(value)


_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")


def _with_defaults(value: str) -> str:
    """Interpolate as compose would with none of the variables set (`${X:-d}` -> d)."""

    def substitute(match: re.Match[str]) -> str:
        op = match["op"] or ""
        return match["arg"] if op.lstrip(":") == "-" else ""

    return _VAR.sub(substitute, value)


def _depends_on(svc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = svc.get("depends_on") or {}
    if isinstance(deps, list):  # short form: no condition, i.e. service_started
        return {name: {"condition": "service_started"} for name in deps}
    return deps


def _healthcheck_text(svc: dict[str, Any]) -> str:
    test = (svc.get("healthcheck") or {}).get("test") or ""
    return " ".join(test) if isinstance(test, list) else test


def _volume_target(svc: dict[str, Any], target: str) -> str | None:
    """The named volume mounted at `target`, if any."""
    for volume in svc.get("volumes") or []:
        if isinstance(volume, str):
            source, _, rest = volume.partition(":")
            if rest.split(":")[0] == target:
                return source
        elif volume.get("target") == target and volume.get("type", "volume") == "volume":
            return str(volume.get("source"))
    return None


def _mongo_repl_set() -> str:
    command = _services()["mongo"].get("command") or []
    args = command.split() if isinstance(command, str) else list(command)
    assert "--replSet" in args, "mongo must run as a replica set (transactions need one)"
    return str(args[args.index("--replSet") + 1])


# --- compose: schema ---


def test_compose_file_matches_the_compose_spec_schema() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    assert "draft-07" in schema["$schema"]
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(_compose()),
        key=lambda e: list(e.absolute_path),
    )
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
    )


def test_compose_declares_infrastructure_and_at_least_one_service() -> None:
    assert {"kafka", "mongo"} <= _services().keys()
    assert _app_services(), f"no service is built from {DOCKERFILE_REL}"


def test_every_service_directory_is_deployed() -> None:
    """`docker compose up` runs every service."""
    on_disk = {p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml")}
    missing = on_disk - set(_app_services())
    assert not missing, f"services/ has {sorted(missing)} but docker-compose.yml does not run them"


# --- compose: infrastructure ---


def test_kafka_is_a_single_kraft_node_with_a_healthcheck() -> None:
    kafka = _services()["kafka"]
    env = _environment(kafka)
    assert str(kafka["image"]).startswith("apache/kafka:")
    assert set((env.get("KAFKA_PROCESS_ROLES") or "").split(",")) == {"broker", "controller"}
    assert "PLAINTEXT://kafka:9092" in (env.get("KAFKA_ADVERTISED_LISTENERS") or "").split(",")
    assert env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")
    assert env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE") == "false"
    for key in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
    ):
        assert env.get(key) == "1", f"{key} must be 1 on a single broker"
    assert "kafka-broker-api-versions.sh" in _healthcheck_text(kafka)
    assert "localhost:9092" in _healthcheck_text(kafka)
    log_dirs = env.get("KAFKA_LOG_DIRS") or ""
    volume = _volume_target(kafka, log_dirs)
    assert volume in (_compose().get("volumes") or {}), "kafka data must live on a named volume"


def test_mongo_is_a_replica_set_that_initiates_itself() -> None:
    mongo = _services()["mongo"]
    assert str(mongo["image"]).startswith("mongo:")
    repl_set = _mongo_repl_set()
    check = _healthcheck_text(mongo)
    assert "rs.initiate" in check
    assert f"_id:'{repl_set}'" in check.replace('"', "'").replace(" ", "")
    assert "host:'mongo:27017'" in check.replace('"', "'").replace(" ", "")
    assert "isWritablePrimary" in check, "healthy must mean primary, or transactions fail"
    volume = _volume_target(mongo, "/data/db")
    assert volume in (_compose().get("volumes") or {}), "mongo data must live on a named volume"


# --- compose: services ---


@pytest.mark.parametrize("name", _app_services())
def test_service_is_built_from_its_own_workspace_member(name: str) -> None:
    svc = _services()[name]
    build = svc["build"]
    assert (ROOT / build.get("context", ".")).resolve() == ROOT
    service = (build.get("args") or {}).get("SERVICE")
    assert service == name, f"build.args.SERVICE is {service!r}; it must name the service, {name!r}"
    assert (_member_dir(name) / "src" / name).is_dir()
    project = tomllib.loads((_member_dir(name) / "pyproject.toml").read_text("utf-8"))
    # The Dockerfile runs `uv sync --frozen --package crm-<SERVICE>`: name and lock must agree.
    assert project["project"]["name"] == f"crm-{name}"
    lock = tomllib.loads((ROOT / "uv.lock").read_text("utf-8"))
    assert f"crm-{name}" in {p["name"] for p in lock["package"]}, "run `uv lock`"
    assert str(svc.get("image", "")).startswith(f"crm/{name}:")


@pytest.mark.parametrize("name", _backend_services())
def test_service_waits_for_healthy_kafka_and_mongo(name: str) -> None:
    deps = _depends_on(_services()[name])
    for infra in ("kafka", "mongo"):
        assert deps.get(infra, {}).get("condition") == "service_healthy", (
            f"{name} must wait for {infra} to be healthy"
        )


@pytest.mark.parametrize("name", _app_services())
def test_service_healthcheck_probes_readiness(name: str) -> None:
    svc = _services()[name]
    check = _healthcheck_text(svc)
    assert f"127.0.0.1:{CONTAINER_PORT}/readyz" in check
    assert svc.get("restart") in {"unless-stopped", "always", "on-failure"}


@pytest.mark.parametrize("name", _backend_services())
def test_service_can_be_scaled(name: str) -> None:
    """`docker compose up --scale <name>=3` needs no fixed container name or host port."""
    svc = _services()[name]
    assert "container_name" not in svc
    for port in svc.get("ports") or []:
        if isinstance(port, dict):
            target, published = port.get("target"), port.get("published")
        else:
            parts = _with_defaults(str(port)).rsplit(":", 2)
            target = parts[-1]
            published = parts[-2] if len(parts) >= 2 else None
        assert str(target).split("/")[0] == str(CONTAINER_PORT)
        assert not published, f"{name} pins host port {published}: replicas would collide"


@pytest.mark.parametrize("name", _backend_services())
def test_service_environment_points_at_the_infrastructure(name: str) -> None:
    env = _environment(_services()[name])
    prefix = f"CRM_{name.upper()}_"

    mongo_url = env.get(f"{prefix}MONGO_URL") or ""
    url = urlsplit(mongo_url)
    assert url.scheme == "mongodb", mongo_url
    assert url.hostname == "mongo", mongo_url
    assert parse_qs(url.query).get("replicaSet") == [_mongo_repl_set()], (
        f"{prefix}MONGO_URL must name mongo's replica set"
    )

    kafka_advertised = _environment(_services()["kafka"])["KAFKA_ADVERTISED_LISTENERS"] or ""
    bootstrap = (env.get(f"{prefix}KAFKA_BOOTSTRAP") or "").split(",")
    assert "kafka:9092" in bootstrap
    assert "PLAINTEXT://kafka:9092" in kafka_advertised.split(",")
    assert env.get(f"{prefix}KAFKA_IDEMPOTENCE") == "true"

    assert env.get(f"{prefix}JWT_PUBLIC_KEY") or env.get(f"{prefix}JWT_JWKS_URL"), (
        f"{name} needs the gateway's key ({prefix}JWT_PUBLIC_KEY) to verify tokens"
    )
    assert env.get("OTEL_SERVICE_NAME") == name


def test_services_publish_no_host_port_and_the_gateway_is_the_one_door() -> None:
    for name in _backend_services():
        assert not _services()[name].get("ports"), f"{name} must be reached through the gateway"
    ports = [_with_defaults(str(p)) for p in _services()[GATEWAY].get("ports") or []]
    assert ports == [f"127.0.0.1:8000:{CONTAINER_PORT}"]


def test_gateway_fronts_every_service_and_services_trust_its_jwks() -> None:
    gateway = _services()[GATEWAY]
    env = _environment(gateway)
    upstreams = json.loads(env["CRM_GATEWAY_UPSTREAMS"] or "{}")
    assert upstreams == {n: f"http://{n}:{CONTAINER_PORT}" for n in _backend_services()}
    assert "CRM_GATEWAY_JWT_PRIVATE_KEY:?" in (env["CRM_GATEWAY_JWT_PRIVATE_KEY"] or ""), (
        "compose must refuse to start without the signing key"
    )
    assert urlsplit(env["CRM_GATEWAY_MONGO_URL"] or "").hostname == "mongo"
    deps = _depends_on(gateway)
    assert deps["mongo"]["condition"] == "service_healthy"
    assert set(_backend_services()) <= set(deps)
    for name in _backend_services():
        jwks = _environment(_services()[name]).get(f"CRM_{name.upper()}_JWT_JWKS_URL")
        assert jwks == f"http://{GATEWAY}:{CONTAINER_PORT}/.well-known/jwks.json"


@pytest.mark.parametrize("name", _app_services())
def test_service_environment_names_only_known_settings(name: str) -> None:
    unknown = unknown_settings(name, list(_environment(_services()[name])))
    assert not unknown, f"{name} settings have no field for {unknown}"


def test_prometheus_of_the_observability_profile_scrapes_every_app_service() -> None:
    prometheus = _services()["prometheus"]
    assert prometheus.get("profiles") == ["observability"]
    config_path = _volume_target(prometheus, "/etc/prometheus/prometheus.yml")
    assert config_path is not None, "the scrape configuration is mounted"
    config = yaml.safe_load((ROOT / config_path).read_text(encoding="utf-8"))
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    [discovery] = job["dns_sd_configs"]
    assert discovery["type"] == "A", "every replica of a scaled service is scraped"
    assert discovery["port"] == CONTAINER_PORT
    assert sorted(discovery["names"]) == _app_services()


# --- Dockerfile ---


def _dockerfile_stages() -> tuple[dict[str, str], list[list[tuple[str, str]]]]:
    """Global ARG defaults and the instructions of each stage, as (KEYWORD, arguments)."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    global_args: dict[str, str] = {}
    stages: list[list[tuple[str, str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            stages.append([])
        if not stages:
            if keyword == "ARG":
                arg_name, _, default = rest.partition("=")
                global_args[arg_name] = default
            continue
        stages[-1].append((keyword, rest))
    return global_args, stages


def _instructions(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [rest for kw, rest in stage if kw == keyword]


def test_dockerfile_builds_the_service_named_by_the_build_arg() -> None:
    global_args, stages = _dockerfile_stages()
    assert len(stages) >= 2, "multi-stage: a builder and a slim runtime"
    bases = {}
    for stage in stages:
        base, _, name = _instructions(stage, "FROM")[0].partition(" AS ")
        bases[name.strip()] = re.sub(r"\$\{?(\w+)\}?", lambda m: global_args[m[1]], base)
    # Python stages on the slim Python image; the console is built on Node (20.19+)
    assert bases.pop("console") == "node:22-slim"
    assert set(bases.values()) == {"python:3.11-slim"}

    builder, runtime = stages[0], stages[-1]
    assert "SERVICE" in _instructions(builder, "ARG")
    syncs = [run for run in _instructions(builder, "RUN") if "uv sync" in run]
    assert syncs, "the builder must install with uv sync"
    sync = syncs[-1]
    for flag in ("--frozen", "--no-dev", "--no-editable", "crm-${SERVICE}"):
        assert flag in sync, f"`uv sync` lacks {flag}"

    # ARG is scoped to its stage: the runtime stage must redeclare it to pass it on.
    assert "SERVICE" in _instructions(runtime, "ARG")
    assert "CRM_SERVICE=${SERVICE}" in " ".join(_instructions(runtime, "ENV"))
    cmd = " ".join(_instructions(runtime, "CMD"))
    assert "${CRM_SERVICE}.main:create_app" in cmd
    assert "--factory" in cmd
    assert f"--port {CONTAINER_PORT}" in cmd
    assert str(CONTAINER_PORT) in _instructions(runtime, "EXPOSE")
    assert any("/app/.venv/bin" in env for env in _instructions(runtime, "ENV"))
    # the gateway serves the console built in the console stage
    assert "--from=console /web/dist /app/console" in _instructions(runtime, "COPY")
    assert "CRM_GATEWAY_CONSOLE_DIR=/app/console" in _instructions(runtime, "ENV")


def test_dockerfile_runtime_is_non_root_with_a_healthcheck() -> None:
    _, stages = _dockerfile_stages()
    runtime = stages[-1]
    users = _instructions(runtime, "USER")
    assert users, "the runtime stage must switch to a non-root USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    healthchecks = _instructions(runtime, "HEALTHCHECK")
    assert healthchecks
    assert f"127.0.0.1:{CONTAINER_PORT}/healthz" in healthchecks[-1]


def test_dockerfile_copies_the_whole_workspace() -> None:
    """`uv sync --frozen` reads every workspace member, so each one must be in the image."""
    _, stages = _dockerfile_stages()
    sources: list[str] = []
    for rest in _instructions(stages[0], "COPY"):
        words = [w for w in rest.split() if not w.startswith("--")]
        sources += words[:-1]
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such path in the repository"

    root = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    members = root["tool"]["uv"]["workspace"]["members"]
    copied = [(ROOT / s).resolve() for s in sources]
    for pattern in members:
        for member in ROOT.glob(pattern):
            pyproject = (member / "pyproject.toml").resolve()
            if not pyproject.exists():
                continue
            assert any(pyproject == c or c in pyproject.parents for c in copied), (
                f"workspace member {member.relative_to(ROOT)} is not copied into the builder"
            )


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for required in (".git", ".venv", ".crm", "node_modules", "bench/results"):
        assert required in patterns or f"**/{required}" in patterns, required
    assert "**/__pycache__" in patterns
    for needed in ("pyproject.toml", "uv.lock", "shared", "services", "infra"):
        assert needed not in patterns, f".dockerignore drops {needed}, which the build needs"


def test_observability_profile_sends_traces_to_jaeger_only_when_asked() -> None:
    collector, jaeger = _services()["otel-collector"], _services()["jaeger"]
    assert collector["profiles"] == jaeger["profiles"] == ["observability"]
    mount = next(v for v in collector["volumes"] if "collector.yaml" in v)
    config_path = ROOT / mount.split(":")[0].removeprefix("./")
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["otlp/jaeger"]
    assert config["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"
    assert {"grpc", "http"} <= config["receivers"]["otlp"]["protocols"].keys()
    assert jaeger["ports"] == ["127.0.0.1:16686:16686"]
    for name in _app_services():  # the endpoint passes through from the shell, unset by default
        assert "OTEL_EXPORTER_OTLP_ENDPOINT" in _services()[name]["environment"]
        assert _services()[name]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] is None
