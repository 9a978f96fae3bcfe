"""Report read models (buckets of additive counters) in MongoDB.

A bucket is one document per (tenant, kind, dimensions) holding ``count``, ``amount``,
``weighted`` (Decimal128), ``cycle_seconds``, ``won`` and ``lost_reasons`` (a
sub-document of counts by escaped reason). Deal changes add ``new - old`` with
upserting ``$inc``s in the deal's own transaction (the embedded server adds Decimal128
exactly; ``test_read_models`` checks it), so a report reads a few buckets, never the deals.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bson import Decimal128
from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.repository import Repository
from crm_shared.mongo.scoped import Document
from deals.reports.domain import (
    BucketKey,
    ReportKind,
    Tallies,
    Tally,
    reason_field,
    reason_of_field,
)

BUCKETS = "report_buckets"

INDEXES = [
    CollectionIndexes(
        BUCKETS,
        [
            index([("tenant_id", 1), ("kind", 1), ("owner_id", 1)], name="tenant_kind"),
            index([("tenant_id", 1), ("kind", 1), ("month", 1)], name="tenant_kind_month"),
        ],
    ),
]


def _decimal(value: Any) -> Decimal:
    return value.to_decimal() if isinstance(value, Decimal128) else Decimal(value or 0)


class ReportRepository(Repository):
    """Read-model buckets of one tenant."""

    collection_name = BUCKETS
    kind = "report bucket"

    def bucket_id(self, key: BucketKey) -> str:
        """A deterministic id of the tenant's bucket ``key``."""
        return f"{self.tenant_id}:{json.dumps(list(key.dims().values()), separators=(',', ':'))}"

    async def apply(self, tallies: Tallies, *, session: AsyncClientSession) -> None:
        """Add ``tallies`` to their buckets (created on first use) in one round trip."""
        if not tallies:
            return
        ops = []
        for key, tally in tallies.items():
            inc = {
                k: Decimal128(v) if isinstance(v, Decimal) else v
                for k, v in tally.nonzero().items()
            }
            ops.append(
                UpdateOne(
                    {"_id": self.bucket_id(key), "tenant_id": self.tenant_id},
                    {"$inc": inc, "$setOnInsert": key.dims()},
                    upsert=True,
                )
            )
        await self.items.collection.bulk_write(ops, ordered=True, session=session)

    async def replace_all(self, tallies: Tallies, *, session: AsyncClientSession) -> None:
        """Swap every bucket of the tenant for ``tallies`` (a rebuild)."""
        await self.items.collection.delete_many(self.items.scope(), session=session)
        ops: list[InsertOne[Document]] = [
            InsertOne(
                {
                    "_id": self.bucket_id(key),
                    "tenant_id": self.tenant_id,
                    **key.dims(),
                    "count": tally.count,
                    "amount": Decimal128(tally.amount),
                    "weighted": Decimal128(tally.weighted),
                    "cycle_seconds": tally.cycle_seconds,
                    "won": tally.won,
                    "lost_reasons": {reason_field(r): n for r, n in tally.lost_reasons},
                }
            )
            for key, tally in tallies.items()
            if not tally.is_zero()
        ]
        if ops:
            await self.items.collection.bulk_write(ops, ordered=False, session=session)

    async def read(
        self,
        kind: ReportKind,
        *,
        owner_id: str | None = None,
        months: Sequence[str] | None = None,
    ) -> Tallies:
        """The tenant's non-empty buckets of ``kind`` (only ``owner_id``'s, and only those of
        ``months`` (consecutive ``YYYY-MM``), when given)."""
        query: Document = {"kind": kind.value}
        if owner_id is not None:
            query["owner_id"] = owner_id
        if months:  # a range on the (kind, month) index; "~" sorts after every digit
            query["month"] = {"$gte": months[0], "$lt": months[-1] + "~"}
        found: Tallies = {}
        for doc in await self.items.find(query):
            reasons = doc.get("lost_reasons") or {}
            tally = Tally(
                int(doc.get("count", 0)),
                _decimal(doc.get("amount")),
                _decimal(doc.get("weighted")),
                int(doc.get("cycle_seconds", 0)),
                int(doc.get("won", 0)),
                tuple(sorted((reason_of_field(f), int(n)) for f, n in reasons.items() if n)),
            )
            if not tally.is_zero():
                found[BucketKey.from_dims(doc)] = tally
        return found

    async def read_all(self) -> Tallies:
        """Every non-empty bucket of the tenant (to compare with a rebuild)."""
        found: Tallies = {}
        for kind in ReportKind:
            found.update(await self.read(kind))
        return found
