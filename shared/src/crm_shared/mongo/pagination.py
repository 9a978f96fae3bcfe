"""Opaque keyset (cursor) pagination: ``?limit=&cursor=`` -> ``{items, next_cursor}``.

A cursor holds the sort-key values of the last item of a page plus a fingerprint of
the query it belongs to, base64url-encoded. The next page continues strictly after
those values, so pages never skip or repeat items and no ``skip`` is ever used.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from crm_shared.errors import BadRequest

SortKeys = Sequence[tuple[str, int]]


def fingerprint(*parts: object) -> str:
    """A short stable hash of the query a cursor belongs to."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.blake2s(blob, digest_size=6).hexdigest()


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"d": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"d"}:
        return datetime.fromisoformat(value["d"])
    if isinstance(value, dict | list):
        raise ValueError("nested value")
    return value


def encode_cursor(doc: Mapping[str, Any], sort: SortKeys, query_fingerprint: str) -> str:
    """The cursor pointing just after ``doc`` in a list sorted by ``sort``."""
    values = [_encode_value(value) for value in sort_values(doc, sort)]
    raw = json.dumps({"v": values, "q": query_fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, sort: SortKeys, query_fingerprint: str) -> list[Any]:
    """The sort-key values inside ``token``; :class:`BadRequest` if it is not ours."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        values = [_decode_value(v) for v in payload["v"]]
        query = payload["q"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BadRequest("cursor is malformed; start again without it") from exc
    if query != query_fingerprint or len(values) != len(sort):
        raise BadRequest("cursor belongs to another query (filters or sort changed)")
    return values


def sort_values(doc: Mapping[str, Any], sort: SortKeys) -> list[Any]:
    """The values of ``doc`` at each sort key (the keyset position of ``doc``)."""
    return [_get_path(doc, field) for field, _ in sort]


def _get_path(doc: Mapping[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value
