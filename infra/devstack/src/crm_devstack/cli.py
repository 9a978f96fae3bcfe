"""The ``crm`` command: run the whole platform on this machine on embedded servers."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from crm_devstack import pids
from crm_devstack.console import ConsoleBuildError, check_node, run_step, steps_needed
from crm_devstack.devkeys import ensure_dev_keys, ensure_dev_secret, mint_token
from crm_devstack.launcher import Launched, launch_services, wait_services_ready
from crm_devstack.mailsink import list_mail
from crm_devstack.servers import (
    MONGO_SERVER_PREFIX,
    DevStackError,
    ManagedProcess,
    PortInUseError,
    http_ok,
    kafka_bootstrap,
    mongo_server_name,
    mongo_url,
    port_is_free,
    start_broker,
    start_mail_sink,
    start_mongo_servers,
    stop_all,
    stop_together,
    tail_file,
    tcp_accepts,
)
from crm_devstack.services import (
    LONG_RUNNING_ENV,
    SERVICES,
    ServiceSpec,
    available_services,
    local_settings,
)
from crm_devstack.state import (
    DevState,
    ProcessRecord,
    load_state,
    remove_state,
    save_state,
    supervisor_record,
)

STATE_DIR_NAME = ".crm"
MAIL_DIR_NAME = "mail"
WEB_DIR_NAME = "web"
READY_TIMEOUT = 60.0

app = typer.Typer(
    help="Run the CRM platform locally on an embedded Kafka broker and MongoDB servers.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


class _Shutdown(BaseException):
    """Raised in the main thread when SIGTERM or SIGHUP arrives."""


def _state_dir() -> Path:
    return Path.cwd() / STATE_DIR_NAME


def _print_error(message: str) -> None:
    err_console.print(Text.assemble(("error: ", "bold red"), message), highlight=False)


def _done(what: str, t0: float) -> None:
    console.print(f"[green]✓[/] {what} [dim]({time.monotonic() - t0:.1f} s)[/]")


def _fail(message: str, code: int = 1) -> typer.Exit:
    _print_error(message)
    return typer.Exit(code)


def _raise_shutdown(signum: int, frame: FrameType | None) -> None:
    raise _Shutdown(signal.Signals(signum).name)


@contextmanager
def _shutdown_signals() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into ``_Shutdown`` for the duration of the block."""
    previous = {sig: signal.signal(sig, _raise_shutdown) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _uninterruptible() -> Iterator[None]:
    """Ignore SIGINT/SIGTERM/SIGHUP so a second Ctrl-C cannot abandon a clean-up."""
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in sigs}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _service_ports(overrides: list[str], specs: list[ServiceSpec]) -> dict[str, int]:
    """Resolve each service's port: ``--port NAME=PORT`` > ``CRM_NAME_PORT`` > default."""
    known = {spec.name for spec in SERVICES}
    cli: dict[str, int] = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or name not in known or not value.isdigit():
            raise typer.BadParameter(
                f"{item!r}: expected NAME=PORT with NAME one of {', '.join(sorted(known))}",
                param_hint="--port",
            )
        cli[name] = int(value)
    ports: dict[str, int] = {}
    for spec in specs:
        env_name = f"{spec.env_prefix}PORT"
        env_value = os.environ.get(env_name, "")
        if env_value and not env_value.isdigit():
            raise typer.BadParameter(f"{env_name}={env_value!r} is not a port number")
        ports[spec.name] = cli.get(spec.name, int(env_value) if env_value else spec.default_port)
    return ports


def _mongo_ports(base: int) -> dict[str, int]:
    """Each service's database server port: ``base``, ``base + 1``, … in the order of
    :data:`SERVICES` (leads, contacts, deals, campaigns, notifications, gateway)."""
    last = base + len(SERVICES) - 1
    if base < 1 or last > 65535:
        raise typer.BadParameter(
            f"{base}: the database servers take ports {base}-{last}; choose a base "
            f"between 1 and {65536 - len(SERVICES)}",
            param_hint="--mongo-port",
        )
    return {spec.name: base + i for i, spec in enumerate(SERVICES)}


def _note_unmigrated_data(data_dir: Path) -> None:
    """One line if ``data_dir`` still holds the single database server of an earlier
    ``crm up`` (its files directly in it): each service now has its own server."""
    if data_dir.is_dir() and any(path.is_file() for path in data_dir.iterdir()):
        console.print(
            f"[yellow]note:[/] the files directly in {data_dir} are the data of the single "
            "MongoDB server of an earlier `uv run crm up`; they are not migrated (each "
            f"service now keeps its data in {data_dir}/<service>/), delete them once you "
            "no longer need them",
            highlight=False,
            soft_wrap=True,
        )


def _check_ports(wanted: dict[str, int]) -> None:
    seen: dict[int, str] = {}
    for name, port in wanted.items():
        if port in seen:
            raise DevStackError(f"{name} and {seen[port]} are both configured for port {port}")
        seen[port] = name
        if not port_is_free(port):
            raise PortInUseError(port, name)


def _summary_rows(
    records: list[ProcessRecord], specs: dict[str, ServiceSpec]
) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for rec in records:
        if rec.name == "broker":
            rows.append(("Kafka bootstrap", rec.url))
        elif rec.name.startswith(MONGO_SERVER_PREFIX):
            owner = rec.name.removeprefix(MONGO_SERVER_PREFIX)
            rows.append((f"MongoDB ({owner})", rec.url))
        elif rec.name == "mail":
            rows.append(("SMTP sink", rec.url))
        elif rec.name == "gateway":
            rows.append(("Web console", f"http://127.0.0.1:{rec.port}/"))
            rows.append(("API (gateway)", rec.url))
        elif rec.name in specs:
            rows.append((f"{rec.name} API", rec.url))
            rows.append((f"{rec.name} docs", f"http://127.0.0.1:{rec.port}/docs"))
    return rows


def _print_summary(records: list[ProcessRecord], specs: dict[str, ServiceSpec]) -> None:
    rows = _summary_rows(records, specs)
    width = max(len(label) for label, _ in rows)
    console.print()
    for label, url in rows:
        console.print(f"[bold]{label.ljust(width)}[/]  {url}", highlight=False, soft_wrap=True)
    gateway = next((r for r in records if r.name == "gateway"), None)
    example = next((r.url for r in records if r.name in specs), None)
    lines = [""]
    if gateway is not None:
        base = f"http://127.0.0.1:{gateway.port}"
        lines += [
            "Log in through the gateway (create the first admin once):",
            "  uv run crm admin create --email you@example.com --tenant acme",
            f"  curl -X POST {base}/api/v1/auth/token -H 'Content-Type: application/json' \\",
            """    -d '{"email": "you@example.com", "password": "..."}'""",
            "",
        ]
    lines += [
        "Or mint a dev token for a service directly (signed with the key in .crm/keys):",
        "  uv run crm token --tenant acme --roles admin,sales",
    ]
    if example is not None and gateway is None:
        mint = "$(uv run crm token --tenant acme --roles admin)"
        lines.append(f'  curl -H "Authorization: Bearer {mint}" {example}')
    lines.append(
        "Logs: uv run crm logs NAME   Mail sent: uv run crm mail   "
        "Status: uv run crm status   Stop: uv run crm down (or make down)"
    )
    for line in lines:
        console.print(line, highlight=False, markup=False, soft_wrap=True)


def _prepare_console(state_dir: Path) -> Path | None:
    """Build the web console when its build is missing or stale; the directory the gateway
    serves it from (None without a ``web/`` here). A failed build is reported and the
    platform starts without the console: the gateway's ``/`` then says it is not built."""
    web = Path.cwd() / WEB_DIR_NAME
    if not (web / "package.json").is_file():
        return None
    t0 = time.monotonic()
    steps = steps_needed(web)
    try:
        if steps:
            check_node()
        for step in steps:
            t0 = time.monotonic()
            with console.status(step.label):
                run_step(step, web, state_dir / "logs" / "console-build.log")
            _done(step.done, t0)
    except ConsoleBuildError as exc:
        _print_error(f"{exc}\nStarting without the web console (the API is unaffected).")
    if not steps:
        _done("web console up to date (web/dist)", t0)
    return web / "dist"


def _start_stack(
    *,
    state_dir: Path,
    broker_port: int,
    mongo_ports: dict[str, int],
    smtp_port: int,
    data_dir: Path,
    specs: list[ServiceSpec],
    ports: dict[str, int],
    supervisor: ProcessRecord | None,
    started: list[ManagedProcess],
    records: list[ProcessRecord],
    console_dir: Path | None,
) -> None:
    """Start the broker, one database server per service (side by side), the SMTP sink
    and the services, recording each one as it starts."""
    logs = state_dir / "logs"
    private_pem, public_pem = ensure_dev_keys(state_dir)

    def record(proc: ManagedProcess, url: str, ready_url: str | None) -> None:
        started.append(proc)
        records.append(ProcessRecord.from_process(proc, url=url, ready_url=ready_url))
        save_state(state_dir, DevState(processes=records, supervisor=supervisor))

    with console.status("Starting Kafka broker (Tansu)…") as status:
        t0 = time.monotonic()
        broker = start_broker(port=broker_port, log_path=logs / "broker.log")
        record(broker, kafka_bootstrap(broker.port), None)
        _done(f"Kafka broker on {kafka_bootstrap(broker.port)}", t0)

        status.update("Starting the MongoDB servers (SecantusDB), one per service…")
        t0 = time.monotonic()
        databases = start_mongo_servers(
            {name: data_dir / name for name in mongo_ports}, log_dir=logs, ports=mongo_ports
        )
        for proc in databases.values():
            record(proc, mongo_url(proc.port), None)
        first, last = min(mongo_ports.values()), max(mongo_ports.values())
        _done(
            f"MongoDB servers, one per service, on ports {first}-{last} "
            f"(data in {data_dir}/<service>)",
            t0,
        )

        status.update("Starting the SMTP sink…")
        t0 = time.monotonic()
        mail_dir = state_dir / MAIL_DIR_NAME
        mail = start_mail_sink(port=smtp_port, mail_dir=mail_dir, log_path=logs / "mail.log")
        record(mail, f"smtp://127.0.0.1:{mail.port} -> {mail_dir}", None)
        _done(f"SMTP sink on port {mail.port} (messages in {mail_dir})", t0)

        def started_service(item: Launched) -> None:
            record(item.process, item.base_url + item.spec.api_path, item.base_url + "/readyz")

        launched = launch_services(
            specs,
            mongo_url={name: mongo_url(proc.port) for name, proc in databases.items()},
            kafka_bootstrap=kafka_bootstrap(broker.port),
            public_key_pem=public_pem,
            private_key_pem=private_pem,
            ports=ports,
            log_dir=logs,
            extra_env=LONG_RUNNING_ENV,
            service_settings=local_settings(
                gateway_port=ports.get("gateway", 8000),
                smtp_port=mail.port,
                tracking_secret=ensure_dev_secret(state_dir, "tracking_secret"),
                service_secret=ensure_dev_secret(state_dir, "campaigns_service_secret"),
                console_dir=console_dir,
            ),
            on_start=started_service,
        )
        wait_services_ready(
            launched,
            timeout=READY_TIMEOUT,
            on_wait=lambda item: status.update(f"Waiting for {item.spec.name} (/readyz)…"),
            on_ready=lambda item: _done(
                f"{item.spec.name} ready on port {item.process.port}", item.started_at
            ),
        )


def _supervise(started: list[ManagedProcess]) -> None:
    """Stay in the foreground until interrupted, reporting processes that die."""
    reported: set[str] = set()
    console.print("\n[bold]Running.[/] Press Ctrl-C to stop everything.")
    while True:
        for proc in started:
            if proc.name not in reported and not proc.alive():
                reported.add(proc.name)
                err_console.print(f"[bold red]{proc.name} stopped:[/]", highlight=False)
                err_console.print(proc.describe_exit(), markup=False, highlight=False)
        time.sleep(0.5)


@app.command()
def up(
    broker_port: Annotated[
        int, typer.Option(envvar="CRM_BROKER_PORT", help="Kafka broker port.")
    ] = 9092,
    mongo_port: Annotated[
        int,
        typer.Option(
            envvar="CRM_MONGO_PORT",
            help="Port of the first MongoDB server; each service has its own, on consecutive "
            "ports: leads, contacts, deals, campaigns, notifications, gateway (27017-27022).",
        ),
    ] = 27017,
    smtp_port: Annotated[
        int, typer.Option(envvar="CRM_SMTP_PORT", help="Port of the local SMTP sink.")
    ] = 1025,
    data_dir: Annotated[
        Path,
        typer.Option(
            help="MongoDB data directory (kept across restarts), one subdirectory per service."
        ),
    ] = Path(STATE_DIR_NAME) / "data",
    port: Annotated[
        list[str] | None,
        typer.Option(
            "--port",
            help="Service port override NAME=PORT (repeatable); env CRM_NAME_PORT also works.",
        ),
    ] = None,
    detach: Annotated[
        bool, typer.Option("--detach", "-d", help="Return once ready; leave it running.")
    ] = False,
) -> None:
    """Start the broker, a database server per service and every available service."""
    state_dir = _state_dir()
    previous = load_state(state_dir)
    if previous is not None:
        sup_alive = previous.supervisor is not None and previous.supervisor.alive()
        if previous.live() or sup_alive:
            raise _fail("the dev stack is already running; run `uv run crm down` first")
        remove_state(state_dir)

    specs = available_services()
    ports = _service_ports(port or [], specs)
    mongo_ports = _mongo_ports(mongo_port)
    by_name = {spec.name: spec for spec in specs}
    supervisor = None if detach else supervisor_record()
    started: list[ManagedProcess] = []
    records: list[ProcessRecord] = []

    def teardown() -> None:
        with _uninterruptible(), console.status("Stopping…"):
            # the services first (they flush on the way out), then the servers side by side
            stop_all([proc for proc in started if proc.name in by_name])
            stop_together([proc for proc in started if proc.name not in by_name])
            remove_state(state_dir)
        if started:
            console.print(f"Stopped {len(started)} process(es).")

    with _shutdown_signals():
        try:
            databases = {mongo_server_name(name): p for name, p in mongo_ports.items()}
            _check_ports({"broker": broker_port, **databases, "mail": smtp_port, **ports})
            _note_unmigrated_data(data_dir.resolve())
            console_dir = _prepare_console(state_dir)
            _start_stack(
                state_dir=state_dir,
                broker_port=broker_port,
                mongo_ports=mongo_ports,
                smtp_port=smtp_port,
                data_dir=data_dir.resolve(),
                specs=specs,
                ports=ports,
                supervisor=supervisor,
                started=started,
                records=records,
                console_dir=console_dir,
            )
        except DevStackError as exc:
            _print_error(str(exc))
            teardown()
            raise typer.Exit(1) from None
        except (KeyboardInterrupt, _Shutdown):
            teardown()
            raise typer.Exit(130) from None

        _print_summary(records, by_name)
        if detach:
            return
        try:
            _supervise(started)
        except (KeyboardInterrupt, _Shutdown):
            console.print()
            teardown()


@app.command()
def down(
    timeout: Annotated[float, typer.Option(help="Seconds to wait per process.")] = 10.0,
) -> None:
    """Stop everything `uv run crm up` started (by PID, verified against the state file)."""
    state_dir = _state_dir()
    state = load_state(state_dir)
    if state is None:
        console.print("Nothing to stop (no .crm/state.json).")
        return
    sup = state.supervisor
    via_supervisor = sup is not None and sup.alive()
    if sup is not None and via_supervisor:
        # The foreground `crm up` stops its own processes on SIGTERM.
        with console.status(f"Stopping the foreground `crm up` (pid {sup.pid})…"):
            pids.terminate(sup.pid, sup.identity, timeout=timeout * (len(state.processes) + 1))

    def stop(rec: ProcessRecord) -> bool:
        """Stop ``rec`` if it still runs; whether it did."""
        return rec.alive() and pids.terminate(rec.pid, rec.identity, timeout=timeout)

    def report(rec: ProcessRecord, was_running: bool) -> None:
        if was_running or via_supervisor:
            console.print(f"[green]✓[/] stopped {rec.name} (pid {rec.pid})")
        else:
            console.print(f"[dim]- {rec.name} (pid {rec.pid}) was not running[/]")

    services = {spec.name for spec in SERVICES}
    newest_first = list(reversed(state.processes))
    # the services one by one (each flushes on the way out), then the servers side by side
    # (a database server takes about 2 s to shut down)
    for rec in (rec for rec in newest_first if rec.name in services):
        with console.status(f"Stopping {rec.name} (pid {rec.pid})…"):
            report(rec, stop(rec))
    servers = [rec for rec in newest_first if rec.name not in services]
    if servers:
        with console.status("Stopping the servers…"), ThreadPoolExecutor(len(servers)) as pool:
            stopped = list(pool.map(stop, servers))
        for rec, was_running in zip(servers, stopped, strict=True):
            report(rec, was_running)
    remove_state(state_dir)


def _ready(rec: ProcessRecord, alive: bool) -> bool:
    if not alive:
        return False
    if rec.ready_url:
        return http_ok(rec.ready_url)
    return tcp_accepts(rec.port)


@app.command()
def status() -> None:
    """Show what runs, with PIDs, ports, URLs and readiness."""
    state = load_state(_state_dir())
    if state is None:
        console.print("Nothing is running (no .crm/state.json).")
        return
    table = Table(title="CRM dev stack", title_justify="left")
    for column in ("name", "pid", "alive", "port", "url", "ready"):
        table.add_column(
            column,
            justify="right" if column in ("pid", "port") else "left",
            overflow="fold" if column == "url" else "ellipsis",
            no_wrap=column != "url",
        )
    rows = ([state.supervisor] if state.supervisor else []) + state.processes
    for rec in rows:
        alive = rec.alive()
        ready = _ready(rec, alive) if rec.port else alive
        table.add_row(
            rec.name,
            str(rec.pid),
            "[green]yes[/]" if alive else "[red]no[/]",
            str(rec.port) if rec.port else "",
            rec.url,
            "[green]yes[/]" if ready else "[red]no[/]",
        )
    console.print(table)


@app.command()
def mail(
    limit: Annotated[int, typer.Option(help="How many of the newest messages.")] = 20,
) -> None:
    """List the newest e-mails the local SMTP sink received (files in .crm/mail)."""
    messages = list_mail(_state_dir() / MAIL_DIR_NAME, limit=limit)
    if not messages:
        console.print("No e-mail received yet (.crm/mail is empty).")
        return
    table = Table(title="E-mail received by the SMTP sink", title_justify="left")
    for column in ("file", "to", "subject"):
        table.add_column(column, overflow="fold")
    for item in messages:
        table.add_row(str(item.path), item.to, item.subject)
    console.print(table)


@app.command()
def token(
    tenant: Annotated[str, typer.Option(help="Tenant id (the `tid` claim).")],
    roles: Annotated[str, typer.Option(help="Comma-separated roles.")] = "admin",
    sub: Annotated[str, typer.Option(help="Subject (user id).")] = "user_dev",
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.")] = 3600,
) -> None:
    """Print a dev JWT signed with the dev key in .crm/keys."""
    private_pem, _ = ensure_dev_keys(_state_dir())
    role_list = [r.strip() for r in roles.split(",") if r.strip()]
    typer.echo(mint_token(private_pem, tenant=tenant, roles=role_list, sub=sub, ttl_seconds=ttl))


admin_app = typer.Typer(help="Manage gateway users.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")


@admin_app.command("create")
def admin_create(
    email: Annotated[str, typer.Option(help="The admin's e-mail (the log-in).")],
    tenant: Annotated[str, typer.Option(help="The tenant the admin manages.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="CRM_ADMIN_PASSWORD",
            help="Prompted for when not given (or set CRM_ADMIN_PASSWORD).",
        ),
    ] = "",
    mongo: Annotated[
        str | None,
        typer.Option(help="MongoDB URL (default: the gateway's server `uv run crm up` started)."),
    ] = None,
    db: Annotated[str, typer.Option(help="The gateway's database.")] = "crm_gateway",
) -> None:
    """Create an admin user of a tenant in the gateway's database."""
    mongo_url_ = mongo or _running_mongo_url("gateway")
    try:
        user_id = asyncio.run(_create_admin(mongo_url_, db, email, tenant, name, password))
    except Exception as exc:  # the problem text of a refused password or a taken e-mail
        raise _fail(f"could not create the admin: {getattr(exc, 'detail', exc)}") from exc
    console.print(f"[green]✓[/] admin {email} of tenant {tenant} created ({user_id})")


def _running_mongo_url(service: str) -> str:
    """The URL of ``service``'s database server of the running ``crm up``."""
    state = load_state(_state_dir())
    names = (mongo_server_name(service), "mongo")  # "mongo": one server for all, as before
    found = next((r for r in state.live() if r.name in names), None) if state else None
    if found is None:
        raise _fail(
            f"no running MongoDB server of the {service}: start the platform with "
            "`uv run crm up` or pass --mongo"
        )
    return found.url


async def _create_admin(
    url: str, db_name: str, email: str, tenant: str, name: str | None, password: str
) -> str:
    from crm_shared.mongo.client import make_client, service_database
    from crm_shared.mongo.indexes import ensure_indexes
    from gateway.settings import GatewaySettings
    from gateway.users.repository import USER_INDEXES, Users
    from gateway.users.service import create_user

    settings = GatewaySettings(mongo_url=url, mongo_db=db_name)
    client = make_client(settings)
    try:
        db = service_database(client, settings)
        await ensure_indexes(db, [USER_INDEXES])
        user = await create_user(
            Users(db),
            tenant_id=tenant,
            email=email,
            name=name,
            roles=["admin"],
            password=password,
        )
        return str(user["_id"])
    finally:
        await client.close()


@app.command()
def logs(
    name: Annotated[
        str, typer.Argument(help="broker, mail, mongo-<service> (its database) or a service.")
    ],
    lines: Annotated[int, typer.Option("-n", "--lines", help="Number of lines.")] = 50,
) -> None:
    """Print the tail of a process log."""
    log_dir = _state_dir() / "logs"
    path = log_dir / f"{name}.log"
    if not path.is_file():
        names = sorted(p.stem for p in log_dir.glob("*.log"))
        raise _fail(f"no log for {name!r}; available: {', '.join(names) or 'none'}")
    typer.echo(tail_file(path, lines))


if __name__ == "__main__":  # pragma: no cover
    app()
