"""Property-based fuzzing of the whole public API from the gateway's OpenAPI document.

Schemathesis reads ``/api/openapi.json`` (every service's routes under the gateway) and
sends each operation schema-valid (positive) and schema-violating (negative) requests,
through the gateway in front of every service, as an admin of a fresh tenant. Every
answer must be no 5xx, have a documented status code, content type and headers, and match
the documented body (a problem+json for errors); an operation that needs credentials must
refuse the same request without them.

Not checked: that schema-valid data is accepted and schema-violating data refused. The
document cannot say everything the services check (a lead merged into itself is a 422),
and the services read some input leniently (surrounding whitespace is stripped before a
length is checked, a date-time may be given as a Unix time), which is not a defect.

``CRM_FUZZ_EXAMPLES`` sets the examples per operation and mode. ``make test`` runs a few,
the same ones every run (derandomized: reproducible, never flaky); ``make fuzz`` runs
many, new ones each run.
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.core.result import Ok

from crm_devstack.testing import unique_name

from .conftest import Platform, whole_openapi_document

EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "5"))
RANDOM = "CRM_FUZZ_EXAMPLES" in os.environ
BUDGET_S = 120 * EXAMPLES
"""A generous bound on each mode's run (about a second per operation and example)."""
NOT_CHECKED = [positive_data_acceptance, negative_data_rejection]  # see the docstring
NOT_FUZZED = "/api/v1/notifications/stream"
"""The Server-Sent Events stream: a 200 never ends (it waits for notifications), so a
generated request could only time out; tests/gateway/test_public_and_stream.py and the
notifications service's tests cover it."""


@pytest.fixture(scope="package")
def api_schema(platform: Platform) -> schemathesis.BaseSchema:
    """The gateway's document, as Schemathesis reads it, pointed at the gateway."""
    document = asyncio.run(_document(platform.gateway_url))
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=platform.gateway_url)
    # the admin's token is the credential; generated X-API-Key values would only be 401s
    schema.config.generation.update(with_security_parameters=False)
    return schema.exclude(path=NOT_FUZZED)


async def _document(gateway_url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as gateway:
        return await whole_openapi_document(gateway)


@pytest.mark.timeout(BUDGET_S)
@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_every_operation(
    api_schema: schemathesis.BaseSchema,
    platform: Platform,
    mode: GenerationMode,
    subtests: pytest.Subtests,
) -> None:
    token = platform.minter.token(tenant=unique_name("fuzz_"), roles=["admin"], ttl=BUDGET_S)
    headers = {"Authorization": f"Bearer {token}"}
    with requests.Session() as session:
        for result in api_schema.get_all_operations():
            assert isinstance(result, Ok), result
            operation = result.ok()

            @given(case=operation.as_strategy(mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=timedelta(seconds=10),
                derandomize=not RANDOM,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def call(case: schemathesis.Case[Any]) -> None:
                case.call_and_validate(
                    headers=headers, session=session, excluded_checks=NOT_CHECKED, timeout=30
                )

            with subtests.test(msg=operation.label):
                try:
                    call()
                except Unsatisfiable:
                    # no input of this operation can violate its schema (no parameters,
                    # or only free-form strings such as a path id)
                    assert mode is GenerationMode.NEGATIVE, operation.label
