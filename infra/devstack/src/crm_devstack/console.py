"""Build the web console (``web/``) for ``crm up`` when its build is missing or stale.

The build (``web/dist``) is stale when any source is newer than its ``index.html``
(Vite writes it on every build); the installed packages are stale when ``node_modules``
is missing or older than ``package-lock.json``. npm's output goes to a log file; a step
that fails (or a missing Node.js) is a :class:`ConsoleBuildError`, which ``crm up``
reports before starting the platform without the console (the API does not need it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from crm_devstack.servers import DevStackError, tail_file

SOURCES = (
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
)
"""What the build is made from, relative to ``web/`` (directories are walked)."""
MIN_NODE = (20, 19)
"""Vite's minimum (Node 20.19, or any later major)."""
STEP_TIMEOUT_S = 900.0


class ConsoleBuildError(DevStackError):
    """The console could not be built (no Node.js, or an npm step failed)."""


@dataclass(frozen=True)
class Step:
    """One npm command of a build, and what ``crm up`` says about it."""

    label: str
    done: str
    argv: tuple[str, ...]


INSTALL = Step(
    "Installing the web console's packages (npm ci)…",
    "web console packages installed (npm ci)",
    ("npm", "ci", "--no-audit", "--no-fund"),
)
BUILD = Step(
    "Building the web console (npm run build)…",
    "web console built (web/dist)",
    ("npm", "run", "build"),
)


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from (p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            yield path


def newest_source_mtime(web: Path) -> float:
    """The modification time of the newest source file of the console (0 if none)."""
    return max((p.stat().st_mtime for p in _files(web / name for name in SOURCES)), default=0.0)


def build_is_stale(web: Path) -> bool:
    """True when ``web/dist`` is missing or older than a source file."""
    index = web / "dist" / "index.html"
    return not index.is_file() or index.stat().st_mtime < newest_source_mtime(web)


def install_is_stale(web: Path) -> bool:
    """True when ``node_modules`` is missing or older than ``package-lock.json``
    (npm writes ``node_modules/.package-lock.json`` on every install)."""
    installed = web / "node_modules" / ".package-lock.json"
    lock = web / "package-lock.json"
    return not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime


def steps_needed(web: Path) -> list[Step]:
    """The npm commands that bring the build up to date (none when it is)."""
    if not build_is_stale(web):
        return []
    return [INSTALL, BUILD] if install_is_stale(web) else [BUILD]


def node_version_ok(version: str) -> bool:
    """Whether ``node --version`` output (``v20.20.2``) is recent enough for Vite."""
    found = re.match(r"v?(\d+)\.(\d+)", version.strip())
    return found is not None and (int(found[1]), int(found[2])) >= MIN_NODE


def check_node() -> None:
    """Raise ConsoleBuildError unless ``node`` (recent enough) and ``npm`` are installed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise ConsoleBuildError(
            "Node.js and npm are needed to build the web console (Node 20.19 or later): "
            "install them (e.g. `apt-get install nodejs npm`) and run `make up` again"
        )
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    if not node_version_ok(version):
        raise ConsoleBuildError(
            f"Node.js {version.strip() or '(unknown version)'} is too old to build the web "
            "console: it needs 20.19 or later"
        )


def run_step(step: Step, web: Path, log_path: Path) -> None:
    """Run ``step`` in ``web`` with its output appended to ``log_path``; ConsoleBuildError
    (quoting the log's tail) when it fails or passes its deadline."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        try:
            result = subprocess.run(
                step.argv,
                cwd=web,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=STEP_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ConsoleBuildError(
                f"`{' '.join(step.argv)}` took more than {STEP_TIMEOUT_S:.0f} s (log: {log_path})"
            ) from None
    if result.returncode != 0:
        raise ConsoleBuildError(
            f"`{' '.join(step.argv)}` failed (exit {result.returncode}); the end of "
            f"{log_path}:\n{tail_file(log_path, 20)}"
        )


def build_console(web: Path, log_path: Path) -> Path:
    """``web/dist``, built first when missing or stale by the npm steps ``crm up`` runs
    (their output appended to ``log_path``); ConsoleBuildError when a step fails."""
    steps = steps_needed(web)
    if steps:
        check_node()
    for step in steps:
        run_step(step, web, log_path)
    return web / "dist"


def console_gateway_settings(
    dist: Path, *, admin_email: str, password: str, tenant: str
) -> dict[str, str]:
    """The gateway's settings to serve the console from ``dist`` with a first admin of
    ``tenant`` (created at its start-up), as ``service_settings["gateway"]``."""
    return {
        "CONSOLE_DIR": str(dist),
        "BOOTSTRAP_ADMIN_EMAIL": admin_email,
        "BOOTSTRAP_ADMIN_PASSWORD": password,
        "BOOTSTRAP_ADMIN_TENANT": tenant,
    }
