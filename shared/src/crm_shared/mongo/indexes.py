"""Index declarations kept next to each repository, ensured at start-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase


@dataclass(frozen=True)
class CollectionIndexes:
    """The indexes one collection needs; every tenant-owned index starts with tenant_id."""

    collection: str
    indexes: Sequence[IndexModel] = field(default_factory=tuple)


def index(
    keys: Sequence[tuple[str, int]], *, name: str, unique: bool = False, **options: Any
) -> IndexModel:
    """A named IndexModel (names make start-up idempotent and diffs readable)."""
    return IndexModel(list(keys), name=name, unique=unique, **options)


async def ensure_indexes(db: AsyncDatabase[Any], declared: Sequence[CollectionIndexes]) -> None:
    """Create every declared index; existing identical indexes are left alone."""
    for spec in declared:
        if spec.indexes:
            await db[spec.collection].create_indexes(list(spec.indexes))
