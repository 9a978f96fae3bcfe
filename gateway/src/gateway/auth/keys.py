"""The gateway's signing key and the JWKS that lets services verify its tokens.

The key id is the RFC 7638 thumbprint of the public key, so it is stable for a key and
different for the next one. Retired public keys stay in the JWKS after a rotation until
the tokens they signed have expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crm_shared.jwk import public_jwk


@dataclass(frozen=True)
class SigningKeys:
    """The current private key (and its kid) plus the public keys still accepted."""

    private_key: Ed25519PrivateKey
    kid: str
    jwks: dict[str, Any]

    @classmethod
    def from_pem(cls, private_pem: str, retired_public_pems: list[str]) -> SigningKeys:
        """Load the keys; ValueError if any is missing or not Ed25519."""
        if not private_pem.strip():
            raise ValueError("CRM_GATEWAY_JWT_PRIVATE_KEY is not set (an Ed25519 private key PEM)")
        private = serialization.load_pem_private_key(private_pem.encode(), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("CRM_GATEWAY_JWT_PRIVATE_KEY is not an Ed25519 private key")
        current = public_jwk(private.public_key())
        keys = [current]
        for pem in retired_public_pems:
            public = serialization.load_pem_public_key(pem.encode())
            if not isinstance(public, Ed25519PublicKey):
                raise ValueError("a retired public key is not an Ed25519 key")
            jwk = public_jwk(public)
            if jwk["kid"] not in {k["kid"] for k in keys}:
                keys.append(jwk)
        return cls(private, current["kid"], {"keys": keys})

    def private_pem(self) -> bytes:
        """The private key as PKCS#8 PEM (what PyJWT signs with)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
