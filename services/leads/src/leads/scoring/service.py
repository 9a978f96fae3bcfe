"""Use cases on the tenant's scoring and assignment settings, and the scoring of one lead
under them. Each write runs in one unit of work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from crm_shared.auth import Access
from crm_shared.cache import TenantCache
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx
from leads.scoring.domain import RuleSet, score_lead
from leads.scoring.repository import ConfigRepository
from leads.scoring.schemas import DEFAULT_SCORING_CONFIG, AssignmentConfig, ScoringConfig


def config_cache(rt: Runtime) -> TenantCache[Document]:
    """The tenants' lead configuration documents, cached: creating and importing leads read
    them on every call (the use cases below invalidate a tenant's entry on change)."""
    return rt.uow.tenant_cache(
        "lead-config", lambda tenant: ConfigRepository(rt.db, tenant).config()
    )


def scoring_of(config: Mapping[str, Any]) -> tuple[ScoringConfig, int]:
    """The tenant's scoring rules and their version (defaults when never configured)."""
    raw = config.get("scoring")
    scoring = ScoringConfig.model_validate(raw) if raw else DEFAULT_SCORING_CONFIG
    return scoring, int(config.get("scoring_version", 0))


def scored_fields(lead: Mapping[str, Any], scoring: RuleSet, version: int) -> Document:
    """Score, rating, reasons and the rule-set version for ``lead``."""
    result = score_lead(lead, scoring)
    return {
        "score": result.score,
        "rating": result.rating.value,
        "score_reasons": result.reasons_as_dicts(),
        "scoring_version": version,
    }


async def get_scoring(rt: Runtime, access: Access) -> ScoringConfig:
    """The tenant's scoring rules and rating thresholds."""
    scoring, _ = scoring_of(await ConfigRepository(rt.db, access.tenant_id).config())
    return scoring


async def replace_scoring(
    rt: Runtime, access: Access, body: ScoringConfig, *, rescore: Callable[[str], None]
) -> ScoringConfig:
    """Replace the scoring rules (rules without an id get ``rule_<n>``) and bump the
    scoring version; once committed, ``rescore(tenant_id)`` rescores the existing leads."""
    rules = [
        rule if rule.id else rule.model_copy(update={"id": f"rule_{i + 1}"})
        for i, rule in enumerate(body.rules)
    ]
    scoring = body.model_copy(update={"rules": rules})
    tenant = access.tenant_id

    async def work(tx: Tx) -> None:
        await ConfigRepository(tx.db, tenant).set_config(
            {"scoring": scoring.model_dump(mode="json")}, inc_scoring=True, session=tx.session
        )
        tx.after_commit(lambda: config_cache(rt).invalidate(tenant))
        tx.after_commit(lambda: rescore(tenant))

    await rt.uow.run(work)
    return scoring


async def get_assignment(rt: Runtime, access: Access) -> AssignmentConfig:
    """Round-robin assignment settings."""
    config = await ConfigRepository(rt.db, access.tenant_id).config()
    return AssignmentConfig(
        round_robin_owners=config.get("round_robin_owners", []),
        auto_assign=config.get("auto_assign", False),
    )


async def set_assignment(rt: Runtime, access: Access, body: AssignmentConfig) -> AssignmentConfig:
    """Set round-robin owners and auto-assignment."""

    async def work(tx: Tx) -> None:
        await ConfigRepository(tx.db, access.tenant_id).set_config(
            body.model_dump(), session=tx.session
        )
        tx.after_commit(lambda: config_cache(rt).invalidate(access.tenant_id))

    await rt.uow.run(work)
    return body
