"""Failed log-in throttling per account and per client IP, shared by every gateway replica.

Failures are counted in fixed windows in MongoDB (``$inc`` on one document per key and
window, expired by TTL); a key over its limit is refused with 429 until its window ends,
whatever the password. Successful log-ins do not reset the IP counter.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.errors import TooManyRequests
from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, Expiry, index

Document = dict[str, Any]
LOGIN_FAILURES = "login_failures"
LOGIN_FAILURE_INDEXES = CollectionIndexes(
    LOGIN_FAILURES,
    [index([("expires_at", ASCENDING)], name="expires_at")],
    expire=Expiry("expires_at"),
    retired=("expiry_ttl",),
)


class LoginThrottle:
    """Counts failures and refuses attempts once a limit is reached."""

    def __init__(
        self, db: AsyncDatabase[Document], *, per_account: int, per_ip: int, window_s: int
    ) -> None:
        self.failures = db[LOGIN_FAILURES]
        self.limits = {"account": per_account, "ip": per_ip}
        self.window_s = window_s

    def _keys(self, email: str, ip: str) -> dict[str, str]:
        window = int(time.time()) // self.window_s
        account = hashlib.sha256(email.lower().encode()).hexdigest()[:32]
        return {"account": f"a:{account}:{window}", "ip": f"i:{ip}:{window}"}

    def _retry_after(self) -> int:
        return self.window_s - int(time.time()) % self.window_s

    async def check(self, email: str, ip: str) -> None:
        """Raise 429 when the account or the IP used up its failures in this window."""
        keys = self._keys(email, ip)
        cursor = self.failures.find({"_id": {"$in": list(keys.values())}})
        counts = {doc["_id"]: doc.get("count", 0) async for doc in cursor}
        for kind, key in keys.items():
            if counts.get(key, 0) >= self.limits[kind]:
                raise TooManyRequests(
                    "too many failed log-ins; try again later", retry_after=self._retry_after()
                )

    async def failed(self, email: str, ip: str) -> None:
        """Count one failed attempt against the account and the IP."""
        expires = utcnow() + timedelta(seconds=self.window_s * 2)
        update = {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": expires}}
        await self.failures.bulk_write(
            [
                UpdateOne({"_id": key}, update, upsert=True)
                for key in self._keys(email, ip).values()
            ],
            ordered=False,
        )
