"""Pure parts of the gateway: token buckets, circuit breaker, routing, key ids, passwords."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crm_shared.access import Action
from crm_shared.auth import TokenVerifier
from crm_shared.errors import Unauthorized
from crm_shared.jwk import public_jwk
from crm_shared.settings import ServiceSettings
from gateway.auth.keys import SigningKeys
from gateway.auth.passwords import check_strength, hash_password, verify_password
from gateway.auth.tokens import TokenIssuer
from gateway.dashboard.domain import quarter_months, trailing_months
from gateway.edge.rate_limits import TokenBuckets
from gateway.proxy.breaker import BreakerState, CircuitBreaker
from gateway.proxy.routing import PUBLIC_RESOURCES, SERVICE_OF, access_of, is_event_stream


def test_bucket_allows_the_burst_then_refills_at_the_rate() -> None:
    buckets = TokenBuckets(rate=2.0, burst=3)
    assert [buckets.take("ip", now=0.0) for _ in range(3)] == [0, 0, 0]
    assert buckets.take("ip", now=0.0) == 1, "empty: retry after a second"
    assert buckets.take("other", now=0.0) == 0, "buckets are per key"
    assert buckets.take("ip", now=0.5) == 0, "half a second refills one token at 2/s"
    assert buckets.take("ip", now=0.5) == 1


def test_buckets_forget_idle_keys_when_full() -> None:
    buckets = TokenBuckets(rate=1.0, burst=1, max_keys=2)
    buckets.take("a", now=0.0)
    buckets.take("b", now=0.0)
    assert buckets.take("c", now=10.0) == 0
    assert len(buckets._buckets) <= 2


def state_of(breaker: CircuitBreaker) -> BreakerState:
    """The state, read through a call (mypy keeps attribute narrowing across calls)."""
    return breaker.state


def test_breaker_opens_after_consecutive_failures_and_probes_once() -> None:
    breaker = CircuitBreaker(failures=2, reset_s=10)
    breaker.failure(now=0)
    assert breaker.allow(now=0)
    breaker.failure(now=1)
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow(now=5)
    assert breaker.retry_after(now=5) == 6
    assert breaker.allow(now=11), "after reset_s one trial goes through"
    assert not breaker.allow(now=11), "and only one"
    breaker.failure(now=12)
    assert breaker.state is BreakerState.OPEN and not breaker.allow(now=13)
    assert breaker.allow(now=22)
    breaker.success()
    assert state_of(breaker) is BreakerState.CLOSED and breaker.allow(now=22)


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(failures=2, reset_s=10)
    breaker.failure(now=0)
    breaker.success()
    breaker.failure(now=1)
    assert breaker.state is BreakerState.CLOSED


def test_routing_maps_methods_and_paths_to_role_table_actions() -> None:
    assert access_of("leads", "GET", "") == ("leads", Action.READ)
    assert access_of("leads", "POST", "") == ("leads", Action.WRITE)
    assert access_of("leads", "POST", "import") == ("leads", Action.IMPORT)
    assert access_of("leads", "PUT", "config/scoring") == ("scoring_rules", Action.WRITE)
    assert access_of("deals", "DELETE", "d1") == ("deals", Action.WRITE)
    assert access_of("emails", "GET", "") == ("campaigns", Action.READ)
    assert access_of("segments", "POST", "preview") == ("segments", Action.READ)
    assert access_of("segments", "POST", "") == ("segments", Action.WRITE)
    assert access_of("campaigns", "POST", "template-preview") == ("campaigns", Action.READ)
    assert access_of("notifications", "POST", "n1/read") == ("notifications", Action.WRITE)
    assert SERVICE_OF["segments"] == SERVICE_OF["automations"] == "campaigns"
    assert SERVICE_OF["webhooks"] == SERVICE_OF["emails"] == "notifications"
    assert {"track", "unsubscribe"} == PUBLIC_RESOURCES
    assert is_event_stream("notifications", "stream")
    assert not is_event_stream("notifications", "")


def test_key_id_is_the_rfc_8037_thumbprint() -> None:
    # RFC 8037 appendix A.3: the thumbprint of the example Ed25519 public key
    x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "="))
    jwk = public_jwk(key)
    assert jwk["x"] == x
    assert jwk["kid"] == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


async def test_passwords_hash_with_argon2id_and_verify() -> None:
    stored = await hash_password("a long enough secret")
    assert stored.startswith("$argon2id$")
    assert await verify_password(stored, "a long enough secret")
    assert not await verify_password(stored, "a long enough secreT")
    assert not await verify_password(None, "anything at all"), "no user: still False"
    assert check_strength("short") is not None
    assert check_strength("aaaaaaaaaaaaaaaa") is not None
    assert check_strength("correct horse battery") is None


async def test_a_rotated_key_stays_in_the_jwks_so_its_tokens_still_verify() -> None:
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()

    def pem(key: Ed25519PrivateKey) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    old_public = (
        old.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    before = SigningKeys.from_pem(pem(old), [])
    after = SigningKeys.from_pem(pem(new), [old_public])
    assert [k["kid"] for k in after.jwks["keys"]] == [after.kid, before.kid]
    issued_before = TokenIssuer(before, issuer="crm-gateway", audience="crm").issue(
        sub="u", tenant_id="t", roles=["viewer"], ttl_s=60
    )
    verifier = TokenVerifier(ServiceSettings(jwt_public_key=json.dumps(after.jwks)))
    assert (await verifier.verify(issued_before)).tenant_id == "t"
    without_old = TokenVerifier(
        ServiceSettings(jwt_public_key=json.dumps(SigningKeys.from_pem(pem(new), []).jwks))
    )
    with pytest.raises(Unauthorized):
        await without_old.verify(issued_before)


@pytest.mark.parametrize(
    ("now", "quarter", "trailing"),
    [
        (datetime(2026, 11, 23, tzinfo=UTC), ("2026-10", "2026-12"), ("2025-12", "2026-11")),
        (datetime(2026, 1, 1, tzinfo=UTC), ("2026-01", "2026-03"), ("2025-02", "2026-01")),
        (datetime(2026, 12, 31, tzinfo=UTC), ("2026-10", "2026-12"), ("2026-01", "2026-12")),
    ],
)
def test_dashboard_periods_are_this_quarter_and_the_last_twelve_months(
    now: datetime, quarter: tuple[str, str], trailing: tuple[str, str]
) -> None:
    assert quarter_months(now) == quarter
    assert trailing_months(now, 12) == trailing
    assert trailing_months(now, 1) == (trailing[1], trailing[1])
