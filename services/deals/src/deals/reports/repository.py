"""Report read models (buckets of additive counters) and sales targets in MongoDB.

A bucket is one document per (tenant, kind, dimensions) holding ``count``, ``amount``,
``weighted`` (Decimal128), ``cycle_seconds``, ``won`` and ``lost_reasons`` (a
sub-document of counts by escaped reason). Deal changes add ``new - old`` with
upserting ``$inc``s in the deal's own transaction (the embedded server adds Decimal128
exactly; ``test_read_models`` checks it), so a report reads a few buckets, never the deals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from bson import Decimal128
from pymongo import ASCENDING, InsertOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.listing import cursor_page
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.scoped import Document, TenantCollection
from deals.domain import BucketKey, ReportKind, Tallies, Tally, reason_field, reason_of_field

BUCKETS = "report_buckets"
TARGETS = "sales_targets"
TARGET_SORT: SortKeys = (("period", ASCENDING), ("owner_id", ASCENDING), ("_id", ASCENDING))

INDEXES = [
    CollectionIndexes(
        BUCKETS,
        [
            index([("tenant_id", 1), ("kind", 1), ("owner_id", 1)], name="tenant_kind"),
            index([("tenant_id", 1), ("kind", 1), ("month", 1)], name="tenant_kind_month"),
        ],
    ),
    CollectionIndexes(TARGETS, [index([("tenant_id", 1), *TARGET_SORT], name="tenant_period")]),
]


def _decimal128(value: Decimal) -> Decimal128:
    return Decimal128(value)


def _decimal(value: Any) -> Decimal:
    return value.to_decimal() if isinstance(value, Decimal128) else Decimal(value or 0)


class ReportRepository:
    """Read-model buckets of one tenant."""

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.buckets = TenantCollection(db[BUCKETS], tenant_id, "report bucket")

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
                k: _decimal128(v) if isinstance(v, Decimal) else v
                for k, v in tally.nonzero().items()
            }
            ops.append(
                UpdateOne(
                    {"_id": self.bucket_id(key), "tenant_id": self.tenant_id},
                    {"$inc": inc, "$setOnInsert": key.dims()},
                    upsert=True,
                )
            )
        await self.buckets.collection.bulk_write(ops, ordered=True, session=session)

    async def replace_all(self, tallies: Tallies, *, session: AsyncClientSession) -> None:
        """Swap every bucket of the tenant for ``tallies`` (a rebuild)."""
        await self.buckets.collection.delete_many(self.buckets.scope(), session=session)
        ops: list[InsertOne[Document]] = [
            InsertOne(
                {
                    "_id": self.bucket_id(key),
                    "tenant_id": self.tenant_id,
                    **key.dims(),
                    "count": tally.count,
                    "amount": _decimal128(tally.amount),
                    "weighted": _decimal128(tally.weighted),
                    "cycle_seconds": tally.cycle_seconds,
                    "won": tally.won,
                    "lost_reasons": {reason_field(r): n for r, n in tally.lost_reasons},
                }
            )
            for key, tally in tallies.items()
            if not tally.is_zero()
        ]
        if ops:
            await self.buckets.collection.bulk_write(ops, ordered=False, session=session)

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
        for doc in await self.buckets.find(query):
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


class TargetRepository:
    """Sales targets of one tenant: an amount per owner and period (month or quarter)."""

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.targets = TenantCollection(db[TARGETS], tenant_id, "target")

    def target_id(self, owner_id: str, period: str) -> str:
        """The id of one owner's target for one period."""
        return json.dumps([self.tenant_id, owner_id, period], separators=(",", ":"))

    async def put(self, owner_id: str, period: str, amount: Decimal, currency: str) -> Document:
        """Set (create or replace) a target."""
        now = utcnow()
        fields = {"amount": _decimal128(amount), "currency": currency, "updated_at": now}
        await self.targets.collection.update_one(
            {"_id": self.target_id(owner_id, period), "tenant_id": self.tenant_id},
            {
                "$set": fields,
                "$setOnInsert": {"owner_id": owner_id, "period": period, "created_at": now},
            },
            upsert=True,
        )
        return await self.targets.get(self.target_id(owner_id, period))

    async def delete(self, owner_id: str, period: str) -> bool:
        """Remove a target; False when there was none."""
        result = await self.targets.collection.delete_one(
            self.targets.scope({"_id": self.target_id(owner_id, period)})
        )
        return result.deleted_count == 1

    async def page(
        self,
        query: Mapping[str, Any],
        *,
        limit: int,
        cursor: str | None,
        query_fingerprint: str,
    ) -> tuple[list[Document], str | None]:
        """A page of targets by period, then owner."""
        return await cursor_page(
            self.targets,
            query,
            TARGET_SORT,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=False,
        )

    async def in_periods(self, periods: Sequence[str], owner_id: str | None) -> list[Document]:
        """Targets of the given periods (one owner's when given)."""
        query: Document = {"period": {"$in": list(periods)}}
        if owner_id is not None:
            query["owner_id"] = owner_id
        return await self.targets.find(query, sort=TARGET_SORT)
