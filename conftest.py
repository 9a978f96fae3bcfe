"""Session fixtures shared by every test folder: the backend servers and a token minter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_devstack.testing import Backend, TokenMinter, start_backend


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """Kafka + MongoDB for the whole session (see ``CRM_TEST_BACKEND``)."""
    workdir: Path = tmp_path_factory.mktemp("backend")
    started = start_backend(workdir)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def minter() -> TokenMinter:
    """Signs test tokens; services under test trust its public key."""
    return TokenMinter()
