"""Dev key pair and dev tokens."""

from __future__ import annotations

import stat
from pathlib import Path

import jwt
import pytest

from crm_devstack.devkeys import ensure_dev_keys, mint_token


def test_keys_are_created_once_with_private_mode_0600(tmp_path: Path) -> None:
    private_pem, public_pem = ensure_dev_keys(tmp_path)
    assert "PRIVATE KEY" in private_pem
    assert "PUBLIC KEY" in public_pem
    key_files = sorted((tmp_path / "keys").iterdir())
    private_file = next(p for p in key_files if "pub" not in p.name)
    assert stat.S_IMODE(private_file.stat().st_mode) == 0o600
    assert ensure_dev_keys(tmp_path) == (private_pem, public_pem)


def test_token_round_trip(tmp_path: Path) -> None:
    private_pem, public_pem = ensure_dev_keys(tmp_path)
    token = mint_token(
        private_pem, tenant="acme", roles=["admin", "sales"], sub="user_dev", ttl_seconds=60
    )
    claims = jwt.decode(
        token, public_pem, algorithms=["EdDSA"], audience="crm", issuer="crm-gateway"
    )
    assert claims["tid"] == "acme"
    assert claims["roles"] == ["admin", "sales"]
    assert claims["sub"] == "user_dev"
    assert claims["exp"] - claims["iat"] == 60
    assert claims["jti"]

    other_private, _ = ensure_dev_keys(tmp_path / "other")
    forged = mint_token(other_private, tenant="acme", roles=["admin"], sub="x")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, public_pem, algorithms=["EdDSA"], audience="crm")
