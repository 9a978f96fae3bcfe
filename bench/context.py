"""What every scenario needs: the stack, the leads service's address, tokens, sizes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import Stack, leads_env
from crm_devstack.testing import TokenMinter, unique_name

TOKEN_TTL_S = 6 * 3600
LEADS_COLLECTION = "leads"
OUTBOX_COLLECTION = "outbox"


@dataclass(frozen=True)
class Sizes:
    """Durations and data sizes of one run (``--quick`` shrinks them)."""

    quick: bool
    http_duration_s: float
    http_warmup_s: float
    event_rate: float
    event_duration_s: float
    import_rows: int
    small_rows: int
    list_requests: int
    list_budget_s: float
    raw_find_requests: int
    indexed_insert_rows: int
    import_budget_s: float

    @classmethod
    def for_mode(cls, *, quick: bool) -> Sizes:
        """The sizes the brief asks for (full) or their quick variants."""
        if quick:
            return cls(True, 3.0, 1.0, 100.0, 3.0, 10_000, 1_000, 20, 20.0, 10, 2_000, 120.0)
        return cls(False, 10.0, 2.0, 100.0, 10.0, 100_000, 1_000, 50, 90.0, 20, 10_000, 1200.0)


@dataclass
class Run:
    """Shared state of one benchmark run."""

    stack: Stack
    minter: TokenMinter
    sizes: Sizes
    tool: str
    workdir: Path
    db_name: str = field(default_factory=lambda: unique_name("bench_leads_"))
    topic_prefix: str = field(default_factory=lambda: unique_name("bench") + ".")
    leads_port: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def leads_url(self) -> str:
        """Base URL of the leads service under test."""
        return f"http://127.0.0.1:{self.leads_port}"

    @property
    def topic(self) -> str:
        """The leads topic (``<prefix>leads``)."""
        return f"{self.topic_prefix}leads"

    def auth(self, tenant: str) -> dict[str, str]:
        """Bearer header of an admin of ``tenant``."""
        token = self.minter.token(tenant=tenant, roles=["admin"], sub="user_bench", ttl=TOKEN_TTL_S)
        return {"Authorization": f"Bearer {token}"}


def start_leads(run: Run) -> int:
    """Start the leads service under test on ``run``'s stack; returns its port."""
    env = leads_env(
        run.stack, db=run.db_name, public_pem=run.minter.public_pem, topic_prefix=run.topic_prefix
    )
    proc = run.stack.start_service("leads", "leads.main:create_app", env, ready_path="/readyz")
    run.leads_port = proc.port
    return proc.port
