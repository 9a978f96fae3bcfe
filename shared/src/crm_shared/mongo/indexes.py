"""Index declarations kept next to each repository, ensured at start-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

_INDEX_NOT_FOUND = 27
_NAMESPACE_NOT_FOUND = 26


@dataclass(frozen=True)
class Expiry:
    """Documents whose date ``field`` is more than ``after`` in the past are deleted by the
    expiry pruner (``crm_shared.mongo.expiry``); the collection declares an index on
    ``field``. A document without the field stays."""

    field: str
    after: timedelta = timedelta(0)


@dataclass(frozen=True)
class CollectionIndexes:
    """The indexes one collection needs; every tenant-owned index starts with tenant_id."""

    collection: str
    indexes: Sequence[IndexModel] = field(default_factory=tuple)
    expire: Expiry | None = None
    """Which documents the expiry pruner deletes (see ``crm_shared.mongo.expiry``)."""
    retired: Sequence[str] = ()
    """Names of indexes this collection no longer has (dropped at start-up)."""


def index(
    keys: Sequence[tuple[str, int]], *, name: str, unique: bool = False, **options: Any
) -> IndexModel:
    """A named IndexModel (names make start-up idempotent and diffs readable)."""
    return IndexModel(list(keys), name=name, unique=unique, **options)


async def ensure_indexes(db: AsyncDatabase[Any], declared: Sequence[CollectionIndexes]) -> None:
    """Drop retired indexes, then create every declared index; existing identical indexes
    are left alone."""
    for spec in declared:
        for name in spec.retired:
            try:
                await db[spec.collection].drop_index(name)
            except OperationFailure as exc:
                if exc.code not in (_INDEX_NOT_FOUND, _NAMESPACE_NOT_FOUND):
                    raise
        if spec.indexes:
            await db[spec.collection].create_indexes(list(spec.indexes))
