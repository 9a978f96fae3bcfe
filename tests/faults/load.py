"""A bounded, paced load of lead creations and conversions, and the ledger of its answers.

Each job creates one lead (its own e-mail); every ``convert_every``-th created lead is
converted at once, every other conversion asking for a deal. Jobs start at ``rate`` per
second over ``concurrency`` workers, spread over the given clients (instances), so a
fault injected mid-load meets requests in flight. No request is retried: the ledger keeps
what each one was answered, and what it was not (connection lost, timeout).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import httpx

UNSURE = 503
"""Service unavailable: the write may have been committed before the database went away."""


@dataclass(frozen=True)
class Answer:
    """One request's outcome: HTTP status (0: no answer), content type, Retry-After, times."""

    what: str
    status: int
    content_type: str
    retry_after: str | None
    started: float
    """``time.monotonic()`` when it was sent."""
    elapsed: float

    @property
    def accepted(self) -> bool:
        """A 2xx answer: the write must be stored and its events published."""
        return 200 <= self.status < 300

    @property
    def at(self) -> float:
        """``time.monotonic()`` when it was answered."""
        return self.started + self.elapsed


@dataclass
class Ledger:
    """What the load asked for and what the platform answered."""

    created: dict[str, float] = field(default_factory=dict)
    """Lead id -> when the accepted request creating it was sent (``time.monotonic()``)."""
    unsure_emails: set[str] = field(default_factory=set)
    """E-mails of creations without a definite answer: none (connection lost), or 503
    (the database went away, perhaps after the commit); they may or may not be stored."""
    converted: dict[str, float] = field(default_factory=dict)
    """Lead id -> when the accepted request converting it was sent."""
    unsure_conversions: set[str] = field(default_factory=set)
    """Leads whose conversion got no definite answer (as for ``unsure_emails``)."""
    answers: list[Answer] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """Writes accepted so far."""
        return sum(1 for a in self.answers if a.accepted)

    def accepted_between(self, start: float, end: float = float("inf")) -> int:
        """Writes answered with a 2xx between two ``time.monotonic()`` moments."""
        return sum(1 for a in self.answers if a.accepted and start < a.at <= end)

    def answered_between(self, start: float, end: float) -> list[Answer]:
        """Answers of requests sent between two moments."""
        return [a for a in self.answers if start < a.started <= end]

    def statuses(self) -> Counter[int]:
        """Answers by HTTP status (0: none)."""
        return Counter(a.status for a in self.answers)

    def unexpected(self, allowed: Sequence[int] = ()) -> list[Answer]:
        """Answers neither 2xx nor one of ``allowed``."""
        return [a for a in self.answers if not a.accepted and a.status not in allowed]


@dataclass
class LeadLoad:
    """A paced load of ``total`` lead jobs; ``run`` returns the finished ledger."""

    clients: Sequence[httpx.AsyncClient]
    headers: Mapping[str, str]
    label: str
    total: int = 300
    rate: float = 25.0
    concurrency: int = 8
    convert_every: int = 3
    ledger: Ledger = field(default_factory=Ledger)

    async def run(self) -> Ledger:
        """Run every job (at ``rate`` per second at most) and return the ledger."""
        jobs = iter(range(self.total))
        started = time.monotonic()

        async def worker() -> None:
            for job in jobs:
                delay = started + job / self.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)  # pacing, not waiting for a condition
                await self._job(job)

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        return self.ledger

    def start(self) -> asyncio.Task[Ledger]:
        """Run in the background."""
        return asyncio.create_task(self.run(), name=f"load-{self.label}")

    async def _job(self, job: int) -> None:
        client = self.clients[job % len(self.clients)]
        email = f"{self.label}-{job}@faults.example"
        body = {"first_name": "Fault", "last_name": f"Lead {job}", "email": email}
        sent = time.monotonic()
        response = await self._post(client, "create", "/v1/leads", body)
        if response is None or response.status_code == UNSURE:
            self.ledger.unsure_emails.add(email)
            return
        if response.status_code != 201:
            return
        lead_id: str = response.json()["id"]
        self.ledger.created[lead_id] = sent
        if job % self.convert_every:
            return
        deal = job // self.convert_every % 2 == 0
        convert = {"create_deal": {"name": f"Deal {job}", "amount": "1000"}} if deal else {}
        sent = time.monotonic()
        response = await self._post(client, "convert", f"/v1/leads/{lead_id}/convert", convert)
        if response is None or response.status_code == UNSURE:
            self.ledger.unsure_conversions.add(lead_id)
        elif response.status_code == 200:
            self.ledger.converted[lead_id] = sent

    async def _post(
        self, client: httpx.AsyncClient, what: str, path: str, body: object
    ) -> httpx.Response | None:
        """POST and record the answer; None when there was none."""
        started = time.monotonic()
        try:
            response = await client.post(path, json=body, headers=dict(self.headers))
        except httpx.TransportError:
            self.ledger.answers.append(
                Answer(what, 0, "", None, started, time.monotonic() - started)
            )
            return None
        self.ledger.answers.append(
            Answer(
                what,
                response.status_code,
                response.headers.get("content-type", ""),
                response.headers.get("retry-after"),
                started,
                time.monotonic() - started,
            )
        )
        return response


async def hold(running: asyncio.Task[Ledger], seconds: float) -> None:
    """Keep a fault on for ``seconds`` while the load goes on (it must outlast the fault)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        assert not running.done(), "the load ended before the fault did"
        await asyncio.sleep(0.1)
