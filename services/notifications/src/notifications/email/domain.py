"""Pure e-mail rules: the delivery statuses the API speaks of, and the delivery queue's.

The API speaks of ``queued``, ``sending``, ``sent`` and ``failed``; the queue stores
``queued``, ``claimed``, ``done`` and ``failed`` (e-mail jobs are never grouped, so
never ``waiting``).
"""

from __future__ import annotations

from typing import Literal

EmailStatus = Literal["queued", "sending", "sent", "failed"]
STORED_STATUS: dict[str, str] = {
    "queued": "queued",
    "sending": "claimed",
    "sent": "done",
    "failed": "failed",
}
API_STATUS: dict[str, str] = {v: k for k, v in STORED_STATUS.items()} | {"waiting": "queued"}
