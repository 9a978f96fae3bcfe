"""Rebuild a tenant's report read models from its deals:
``python -m deals.reports.rebuild --tenant ID``.

Deals are streamed with a projection of the reported fields and aggregated in Python by the
same pure function the incremental path uses (``deals.reports.domain.contributions``), then the
tenant's buckets are replaced in one short transaction. A deal changed while the deals are
being read may be missed until the next rebuild (or the next change of that deal).
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo.client import make_client, service_database
from crm_shared.mongo.scoped import Document
from crm_shared.mongo.transactions import run_in_transaction
from deals.deals.repository import DealRepository
from deals.reports.domain import DealFacts, Tallies, add_into, contributions
from deals.reports.repository import ReportRepository
from deals.settings import get_settings


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild read and wrote."""

    deals: int
    buckets: int


async def rebuild_reports(
    db: AsyncDatabase[Document], tenant_id: str, *, batch_size: int = 5000
) -> RebuildResult:
    """Recompute every report bucket of ``tenant_id`` from its deals and swap them in."""
    totals: Tallies = {}
    count = 0
    async for doc in DealRepository(db, tenant_id).stream_facts(batch_size=batch_size):
        add_into(totals, contributions(DealFacts.from_doc(doc)))
        count += 1
    reports = ReportRepository(db, tenant_id)

    async def swap(session: Any) -> None:
        await reports.replace_all(totals, session=session)

    await run_in_transaction(db.client, swap)
    return RebuildResult(deals=count, buckets=sum(1 for t in totals.values() if not t.is_zero()))


async def _main(tenant_id: str) -> RebuildResult:
    settings = get_settings()
    client = make_client(settings)
    try:
        return await rebuild_reports(
            service_database(client, settings), tenant_id, batch_size=settings.rebuild_batch_size
        )
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (settings from the ``CRM_DEALS_`` environment)."""
    parser = argparse.ArgumentParser(description="Rebuild a tenant's deal reports from its deals.")
    parser.add_argument("--tenant", required=True, help="tenant id")
    args = parser.parse_args(argv)
    result = asyncio.run(_main(args.tenant))
    print(f"tenant {args.tenant}: {result.deals} deals -> {result.buckets} buckets")


if __name__ == "__main__":
    main()
