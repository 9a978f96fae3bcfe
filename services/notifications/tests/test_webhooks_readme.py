"""The webhook verification snippet of docs/events.md (once in the README) accepts our deliveries
and refuses forgeries."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from notifications.webhooks.signing import new_secret, sign

README = Path(__file__).resolve().parents[3] / "docs" / "events.md"


def readme_verify() -> Callable[[str, dict[str, str], bytes], dict[str, Any]]:
    """The ``verify`` function exactly as docs/events.md prints it."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (snippet,) = [b for b in blocks if "def verify(" in b]
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)
    verify: Callable[[str, dict[str, str], bytes], dict[str, Any]] = namespace["verify"]
    return verify


def test_the_readme_snippet_verifies_a_signed_delivery() -> None:
    verify = readme_verify()
    secret, body, stamp = new_secret(), b'{"type": "LeadCreated", "id": "e1"}', int(time.time())
    headers = {
        "webhook-id": "whd_1",
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, "whd_1", stamp, body),
    }
    assert verify(secret, headers, body)["type"] == "LeadCreated"
    with pytest.raises(ValueError, match="bad signature"):
        verify(secret, headers, body.replace(b"e1", b"e2"))
    with pytest.raises(ValueError, match="bad signature"):
        verify(new_secret(), headers, body)
    stale = {**headers, "webhook-timestamp": str(stamp - 3600)}
    with pytest.raises(ValueError, match="stale"):
        verify(secret, stale, body)
