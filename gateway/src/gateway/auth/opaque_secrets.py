"""Opaque secrets (refresh tokens, API keys): generated once, stored only as hashes.

They carry 256 random bits, so a plain SHA-256 is the right hash: nothing to brute-force,
and a lookup costs one indexed read (argon2 is for the low-entropy passwords).
"""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    """A fresh secret such as ``crm_rt_<43 url-safe characters>``."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def secret_hash(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()
