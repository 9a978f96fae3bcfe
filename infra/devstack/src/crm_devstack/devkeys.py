"""The dev JWT key pair and dev tokens, so the API can be called without a gateway."""

from __future__ import annotations

import os
import secrets
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crm_shared.jwk import key_id

PRIVATE_KEY_FILE = "dev_ed25519.pem"
PUBLIC_KEY_FILE = "dev_ed25519.pub.pem"
DEFAULT_ISSUER = "crm-gateway"
DEFAULT_AUDIENCE = "crm"


def _public_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the dev private key is not an Ed25519 key")
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _write_private(path: Path, pem: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(pem)


def ensure_dev_secret(state_dir: Path, name: str) -> str:
    """A random secret kept in ``STATE_DIR/keys/<name>`` (owner-only), created if absent, so
    signed links (e-mail tracking, unsubscribe) stay valid across restarts."""
    keys = state_dir / "keys"
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = keys / name
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(32))
    return path.read_text(encoding="ascii").strip()


def ensure_dev_keys(state_dir: Path) -> tuple[str, str]:
    """Return ``(private_pem, public_pem)`` from ``STATE_DIR/keys``, creating them if absent.

    The private key file is readable by its owner only (mode 0600).
    """
    keys = state_dir / "keys"
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_path, public_path = keys / PRIVATE_KEY_FILE, keys / PUBLIC_KEY_FILE
    if not private_path.exists():
        private_pem = (
            Ed25519PrivateKey.generate()
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )
        _write_private(private_path, private_pem)
        public_path.unlink(missing_ok=True)
    private_pem = private_path.read_text(encoding="ascii")
    public_pem = _public_pem(private_pem)
    if not public_path.exists() or public_path.read_text(encoding="ascii") != public_pem:
        public_path.write_text(public_pem, encoding="ascii")
    return private_pem, public_pem


def mint_token(
    private_pem: str,
    *,
    tenant: str,
    roles: Sequence[str],
    sub: str,
    ttl_seconds: int = 3600,
    issuer: str = DEFAULT_ISSUER,
    audience: str = DEFAULT_AUDIENCE,
) -> str:
    """Return an EdDSA-signed JWT with the claims the services expect, and the key's
    thumbprint as ``kid`` (as the gateway signs, so its JWKS verifies these too)."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": sub,
        "tid": tenant,
        "roles": list(roles),
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, private_pem, algorithm="EdDSA", headers={"kid": key_id(private_pem)})
