"""Closed-loop HTTP load: ``wrk`` when it is on PATH, else a Python generator in a subprocess.

Both send the same request: a body made from a template whose ``{uid}`` is replaced by a
value unique to each request (``<run>-<thread>-<counter>``), so every created lead has its
own e-mail. Both report requests/s, p50 and p99 latency and a count per HTTP status.

``python -m bench.load`` (reads an :class:`HttpLoad` as JSON on stdin, prints a result as
JSON) is the fallback generator: raw asyncio HTTP/1.1 with keep-alive, one task per
connection, in its own process so it never shares a GIL with the bench or the server.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.stats import percentile

UID = "{uid}"
REQUEST_TIMEOUT_S = 10.0
EXIT_GRACE_S = 60.0
_UNITS_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass(frozen=True)
class HttpLoad:
    """One load run: where to send, what, with how many connections for how long."""

    url: str
    body_template: str
    headers: Mapping[str, str]
    concurrency: int = 32
    duration_s: float = 10.0
    threads: int = 2
    run_id: str = "r"
    method: str = "POST"

    def body_parts(self) -> tuple[str, str]:
        """The body before and after the single ``{uid}`` placeholder."""
        before, sep, after = self.body_template.partition(UID)
        if not sep or UID in after:
            raise ValueError("body_template needs exactly one {uid} placeholder")
        return before, after


@dataclass
class HttpLoadResult:
    """What a load run measured."""

    tool: str
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p99_ms: float
    status_counts: dict[str, int] = field(default_factory=dict)
    socket_errors: int = 0

    @property
    def non_2xx(self) -> int:
        """Responses whose status is not 2xx."""
        return sum(n for code, n in self.status_counts.items() if not code.startswith("2"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (with ``non_2xx``)."""
        return {**asdict(self), "non_2xx": self.non_2xx}


class LoadToolError(RuntimeError):
    """The load tool failed or printed something we cannot read."""


def wrk_available() -> bool:
    """True when ``wrk`` is on PATH."""
    return shutil.which("wrk") is not None


def run_load(load: HttpLoad, *, tool: str, workdir: Path) -> HttpLoadResult:
    """Run ``load`` with ``wrk`` or ``python`` (the fallback generator)."""
    if tool == "wrk":
        return run_wrk(load, workdir)
    if tool == "python":
        return run_python(load)
    raise ValueError(f"unknown load tool {tool!r}")


# --------------------------------------------------------------------------- wrk


def _lua_str(value: str) -> str:
    """A Lua string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def wrk_script(load: HttpLoad) -> str:
    """Lua script: a unique body per request, a count per status, JSON summary at the end."""
    before, after = load.body_parts()
    parts = urlsplit(load.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = ", ".join(f"[{_lua_str(k)}] = {_lua_str(v)}" for k, v in load.headers.items())
    return f"""
local threads = {{}}
local next_id = 0
local before, after = {_lua_str(before)}, {_lua_str(after)}
local run_id, method, path = {_lua_str(load.run_id)}, {_lua_str(load.method)}, {_lua_str(path)}
local headers = {{ {headers} }}

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  statuses = {{}}
end

function request()
  counter = counter + 1
  local body = before .. run_id .. "-" .. tid .. "-" .. counter .. after
  return wrk.format(method, path, headers, body)
end

function response(status, hdrs, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {{}}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do
      merged[code] = (merged[code] or 0) + n
    end
  end
  local parts = {{}}
  for code, n in pairs(merged) do
    table.insert(parts, string.format('"%d": %d', code, n))
  end
  io.write("BENCH_STATUS {{" .. table.concat(parts, ", ") .. "}}\\n")
end
"""


def _seconds(number: str, unit: str) -> float:
    return float(number) * _UNITS_S[unit]


def parse_wrk(output: str) -> HttpLoadResult:
    """Read Requests/sec, the latency distribution, errors and statuses from wrk's output."""
    pct = {
        m.group(1): _seconds(m.group(2), m.group(3))
        for m in re.finditer(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    }
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", output, re.M)
    status = re.search(r"^BENCH_STATUS (\{.*\})\s*$", output, re.M)
    if rps is None or total is None or "50" not in pct or "99" not in pct or status is None:
        raise LoadToolError(f"could not parse wrk output:\n{output}")
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return HttpLoadResult(
        tool="wrk",
        requests=int(total.group(1)),
        duration_s=round(_seconds(total.group(2), total.group(3)), 3),
        rps=round(float(rps.group(1)), 1),
        p50_ms=round(pct["50"] * 1000, 3),
        p99_ms=round(pct["99"] * 1000, 3),
        status_counts={str(k): int(v) for k, v in json.loads(status.group(1)).items()},
        socket_errors=sum(int(g) for g in errors.groups()) if errors else 0,
    )


def run_wrk(load: HttpLoad, workdir: Path) -> HttpLoadResult:
    """Run wrk with ``--latency`` and the generated Lua script."""
    script = workdir / f"wrk-{load.run_id}.lua"
    script.write_text(wrk_script(load))
    argv = [
        "wrk",
        f"-t{load.threads}",
        f"-c{load.concurrency}",
        f"-d{max(1, round(load.duration_s))}s",
        f"--timeout={int(REQUEST_TIMEOUT_S)}s",
        "--latency",
        "-s",
        str(script),
        load.url,
    ]
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=load.duration_s + EXIT_GRACE_S, check=False
    )
    if done.returncode != 0:
        raise LoadToolError(f"wrk exited {done.returncode}: {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


# --------------------------------------------------------------------------- Python fallback


def run_python(load: HttpLoad) -> HttpLoadResult:
    """Run the Python generator (``python -m bench.load``) in its own process."""
    spec = json.dumps({**asdict(load), "headers": dict(load.headers)})
    done = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        input=spec,
        capture_output=True,
        text=True,
        timeout=load.duration_s + EXIT_GRACE_S,
        check=False,
    )
    if done.returncode != 0:
        raise LoadToolError(f"python load generator exited {done.returncode}: {done.stderr}")
    return HttpLoadResult(**json.loads(done.stdout))


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; returns (status, keep_alive)."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while size := int((await reader.readline()).split(b";")[0].strip(), 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    return status, headers.get("connection") != "close"


async def _connection(load: HttpLoad, worker: int, deadline: float, tally: _Tally) -> None:
    """One keep-alive connection sending requests back to back until ``deadline``."""
    parts = urlsplit(load.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    fixed = "".join(f"{k}: {v}\r\n" for k, v in load.headers.items())
    before, after = load.body_parts()
    writer: asyncio.StreamWriter | None = None
    reader: asyncio.StreamReader | None = None
    counter = 0
    while time.perf_counter() < deadline:
        counter += 1
        body = f"{before}{load.run_id}-{worker}-{counter}{after}".encode()
        request = (
            f"{load.method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{fixed}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        started = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(request)
                await writer.drain()
                status, keep_alive = await read_response(reader)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
            tally.errors += 1
            keep_alive = False
        else:
            tally.latencies.append(time.perf_counter() - started)
            tally.statuses[str(status)] += 1
        if not keep_alive and writer is not None:
            writer.close()
            writer, reader = None, None
    if writer is not None:
        writer.close()


async def generate(load: HttpLoad) -> HttpLoadResult:
    """Drive ``load.concurrency`` connections for ``load.duration_s`` seconds."""
    tally = _Tally()
    started = time.perf_counter()
    deadline = started + load.duration_s
    await asyncio.gather(*(_connection(load, i, deadline, tally) for i in range(load.concurrency)))
    elapsed = time.perf_counter() - started
    return HttpLoadResult(
        tool="python-asyncio",
        requests=len(tally.latencies),
        duration_s=round(elapsed, 3),
        rps=round(len(tally.latencies) / elapsed, 1),
        p50_ms=round(percentile(tally.latencies, 50) * 1000, 3),
        p99_ms=round(percentile(tally.latencies, 99) * 1000, 3),
        status_counts=dict(tally.statuses),
        socket_errors=tally.errors,
    )


def main() -> None:
    """Entry point of the fallback generator: spec JSON on stdin, result JSON on stdout."""
    load = HttpLoad(**json.loads(sys.stdin.read()))
    result = asyncio.run(generate(load))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
