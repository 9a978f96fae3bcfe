"""Pipelines of one tenant in MongoDB (the default one is created on first use)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from crm_shared.ids import new_id
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import ListFilter, Repository
from crm_shared.mongo.scoped import Document
from deals.pipelines.domain import DEFAULT_PIPELINE_NAME, DEFAULT_STAGES, Stage

PIPELINES = "pipelines"
SORT: SortKeys = (("created_at", ASCENDING), ("_id", ASCENDING))

INDEXES = [
    CollectionIndexes(
        PIPELINES,
        [
            # one default pipeline per tenant, whoever creates it first
            index(
                [("tenant_id", ASCENDING), ("is_default", ASCENDING)],
                name="tenant_default_unique",
                unique=True,
                partialFilterExpression={"is_default": True},
            ),
            index([("tenant_id", ASCENDING), *SORT], name="tenant_created"),
        ],
    )
]


def stages_of(pipeline: Mapping[str, Any]) -> list[Stage]:
    """The ordered stages of a stored pipeline."""
    return [Stage.from_dict(raw) for raw in pipeline["stages"]]


def new_pipeline(name: str, stages: list[Stage], *, is_default: bool = False) -> Document:
    """A pipeline document (tenant, version and timestamps are stamped on insert)."""
    return {
        "_id": new_id("pipe"),
        "name": name,
        "is_default": is_default,
        "stages": [s.as_dict() for s in stages],
    }


class PipelineRepository(Repository):
    """Pipelines of one tenant (``get``, ``insert``, versioned writes and ``page`` come from
    ``Repository``)."""

    collection_name = PIPELINES
    kind = "pipeline"

    async def ensure_default(self, *, session: AsyncClientSession) -> Document:
        """The tenant's default pipeline, created with the default stages on first use.

        The read sees what is committed (it stays out of a transaction). Concurrent first
        uses race on the unique index: on a plain session the loser reads the winner's
        pipeline; in a transaction (an event handler) the duplicate is raised, since it
        aborted the transaction, and the retry finds the winner's pipeline.
        """
        existing = await self.items.find_one({"is_default": True})
        if existing is not None:
            return existing
        doc = new_pipeline(DEFAULT_PIPELINE_NAME, list(DEFAULT_STAGES), is_default=True)
        try:
            await self.items.insert(doc, session=session)
        except DuplicateKeyError:
            if session.in_transaction:
                raise
            winner = await self.items.find_one({"is_default": True})
            assert winner is not None
            return winner
        return doc

    async def names(self) -> dict[str, Document]:
        """Every pipeline of the tenant by id (reports label their buckets with them)."""
        return {doc["_id"]: doc for doc in await self.items.find({}, sort=SORT)}

    async def oldest_first(
        self, *, limit: int, cursor: str | None, query_fingerprint: str
    ) -> tuple[list[Document], str | None]:
        """A page of pipelines, oldest (the default) first."""
        return await self.page(
            ListFilter({}),
            SORT,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=False,
        )
