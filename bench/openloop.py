"""Open-loop HTTP load with a weighted mix of requests: ``python -m bench.openloop``.

Requests arrive at a fixed rate whatever the server does (no coordinated omission): the
i-th request is due at ``start + i / rate`` and its latency is measured from that due
time, so time spent waiting for a free connection counts. Each arrival picks a request
kind by weight; ``{id}`` in a kind's path or body is replaced by a random id of its pool
and ``{uid}`` by a value unique to the request.

Reads an :class:`OpenLoad` as JSON on stdin and prints an :class:`OpenLoadResult` as
JSON, in its own process so it never shares a GIL with the bench or the servers.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.load import EXIT_GRACE_S, REQUEST_TIMEOUT_S, read_response
from bench.stats import summarize_ms


@dataclass(frozen=True)
class RequestKind:
    """One kind of request in the mix."""

    name: str
    method: str
    path: str
    weight: int
    body: str = ""
    ids: tuple[str, ...] = ()
    write: bool = False


@dataclass(frozen=True)
class OpenLoad:
    """Where to send the mix, at what rate, for how long, over how many connections."""

    base_url: str
    headers: dict[str, str]
    kinds: tuple[RequestKind, ...]
    rate: float
    duration_s: float
    max_connections: int = 256
    run_id: str = "m"
    seed: int = 7

    @classmethod
    def from_json(cls, text: str) -> OpenLoad:
        """Inverse of ``json.dumps(asdict(load))``."""
        raw = json.loads(text)
        kinds = tuple(RequestKind(**{**k, "ids": tuple(k["ids"])}) for k in raw.pop("kinds"))
        return cls(kinds=kinds, **raw)


@dataclass
class KindTally:
    """Latencies (from due time) and outcomes of one request kind."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0

    def summary(self) -> dict[str, Any]:
        """Latency summary in ms plus status counts and socket/timeout errors."""
        return {
            **summarize_ms(self.latencies),
            "statuses": dict(self.statuses),
            "errors": self.errors,
        }


@dataclass
class OpenLoadResult:
    """What an open-loop run measured, overall and per kind."""

    rate: float
    duration_s: float
    sent: int
    completed_rps: float
    overall: dict[str, Any]
    reads: dict[str, Any]
    writes: dict[str, Any]
    kinds: dict[str, dict[str, Any]]

    @property
    def failures(self) -> int:
        """Socket errors, timeouts and answers other than 2xx (the mix expects none)."""
        statuses: dict[str, int] = self.overall["statuses"]
        errors = int(self.overall["errors"])
        return errors + sum(n for code, n in statuses.items() if not code.startswith("2"))


class _Pool:
    """Keep-alive connections to one host, at most ``limit`` open at once."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self._host, self._port = host, port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._slots = asyncio.Semaphore(limit)

    async def exchange(self, request: bytes) -> int:
        """Send one request on an idle (or new) connection; returns the status. A kept
        connection the server closed while idle (its keep-alive timeout) is replaced and
        the request sent again, as HTTP clients do: the server never read it."""
        async with self._slots:
            while self._idle:
                try:
                    return await self._send(self._idle.pop(), request)
                except (ConnectionError, asyncio.IncompleteReadError):
                    continue
            return await self._send(await asyncio.open_connection(self._host, self._port), request)

    async def _send(
        self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes
    ) -> int:
        reader, writer = conn
        try:
            writer.write(request)
            await writer.drain()
            status, keep_alive = await read_response(reader)
        except BaseException:
            writer.close()
            raise
        if keep_alive:
            self._idle.append(conn)
        else:
            writer.close()
        return status

    def close(self) -> None:
        """Close every idle connection."""
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


def _render(text: str, rng: random.Random, ids: tuple[str, ...], uid: str) -> str:
    if "{id}" in text:
        text = text.replace("{id}", rng.choice(ids))
    return text.replace("{uid}", uid)


async def generate(load: OpenLoad) -> OpenLoadResult:
    """Send ``rate * duration_s`` requests on schedule and wait for the last answer."""
    parts = urlsplit(load.base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    fixed = "".join(f"{k}: {v}\r\n" for k, v in load.headers.items())
    rng = random.Random(load.seed)
    weights = [k.weight for k in load.kinds]
    tallies = {k.name: KindTally() for k in load.kinds}
    pool = _Pool(host, port, load.max_connections)

    async def one(kind: RequestKind, due: float, request: bytes) -> None:
        tally = tallies[kind.name]
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                status = await pool.exchange(request)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
            tally.errors += 1
            return
        tally.latencies.append(time.perf_counter() - due)
        tally.statuses[str(status)] += 1

    total = round(load.rate * load.duration_s)
    start = time.perf_counter() + 0.05
    tasks: list[asyncio.Task[None]] = []
    for i in range(total):
        due = start + i / load.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind = rng.choices(load.kinds, weights)[0]
        uid = f"{load.run_id}-{i}"
        path = _render(kind.path, rng, kind.ids, uid)
        body = _render(kind.body, rng, kind.ids, uid).encode()
        head = f"{kind.method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{fixed}"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        tasks.append(asyncio.create_task(one(kind, due, (head + "\r\n").encode() + body)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    pool.close()
    return _result(load, tallies, total, elapsed)


def _merge(tallies: list[KindTally]) -> KindTally:
    merged = KindTally()
    for tally in tallies:
        merged.latencies += tally.latencies
        merged.statuses.update(tally.statuses)
        merged.errors += tally.errors
    return merged


def _result(
    load: OpenLoad, tallies: dict[str, KindTally], sent: int, elapsed: float
) -> OpenLoadResult:
    writes = {k.name for k in load.kinds if k.write}
    overall = _merge(list(tallies.values()))
    return OpenLoadResult(
        rate=load.rate,
        duration_s=round(elapsed, 3),
        sent=sent,
        completed_rps=round(len(overall.latencies) / elapsed, 1),
        overall=overall.summary(),
        reads=_merge([t for n, t in tallies.items() if n not in writes]).summary(),
        writes=_merge([t for n, t in tallies.items() if n in writes]).summary(),
        kinds={name: tally.summary() for name, tally in tallies.items()},
    )


def run_open_loop(load: OpenLoad) -> OpenLoadResult:
    """Run ``load`` in a child process (``python -m bench.openloop``)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.openloop"],
        input=json.dumps(asdict(load)),
        capture_output=True,
        text=True,
        timeout=load.duration_s + EXIT_GRACE_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"open-loop generator exited {done.returncode}: {done.stderr}")
    return OpenLoadResult(**json.loads(done.stdout))


def main() -> None:
    """Entry point: an :class:`OpenLoad` as JSON on stdin, the result as JSON on stdout."""
    load = OpenLoad.from_json(sys.stdin.read())
    print(json.dumps(asdict(asyncio.run(generate(load)))))


if __name__ == "__main__":
    main()
