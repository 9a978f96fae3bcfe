"""SMTP sending over a small pool of kept-open aiosmtplib connections, used concurrently."""

from __future__ import annotations

import asyncio
import contextlib
import time
from email.utils import parseaddr

import aiosmtplib

from notifications.settings import NotificationsSettings

_IDLE_CHECK_S = 5.0
"""A connection idle longer than this is probed with NOOP before use: servers drop idle
clients, and finding out at NOOP (not mid-message) makes the reconnect safe."""


class SmtpPool:
    """``smtp_connections`` SMTP connections opened on first use and reopened when
    dropped; each :meth:`send` borrows one, so that many sends run at once."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self._settings = settings
        self.sender = parseaddr(settings.mail_from)[1]
        self._idle: asyncio.LifoQueue[_Connection] = asyncio.LifoQueue()
        for _ in range(settings.smtp_connections):
            self._idle.put_nowait(_Connection(self._new_client()))

    def _new_client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            timeout=s.smtp_timeout_s,
        )

    async def send(self, message: bytes, *, recipient: str) -> str:
        """Send ``message`` (the MIME bytes) to ``recipient``; returns the server's reply
        to DATA.

        Raises aiosmtplib's errors (and OSError) for the caller to classify.
        """
        connection = await self._idle.get()
        try:
            return await connection.send(message, sender=self.sender, recipient=recipient)
        finally:
            self._idle.put_nowait(connection)

    async def close(self) -> None:
        """Say QUIT on every open connection (bounded by the SMTP timeout)."""
        connections = []
        while not self._idle.empty():
            connections.append(self._idle.get_nowait())
        await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)
        for connection in connections:
            self._idle.put_nowait(connection)


class _Connection:
    """One SMTP client and when it was last used."""

    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self.client = client
        self.used_at = 0.0

    async def _ready(self) -> None:
        """Connected, and alive if it sat idle for a while (reconnect otherwise)."""
        client = self.client
        if client.is_connected and time.monotonic() - self.used_at > _IDLE_CHECK_S:
            try:
                await client.noop()
            except (aiosmtplib.SMTPException, OSError):
                await self.close()
        if not client.is_connected:
            await client.connect()

    async def send(self, message: bytes, *, sender: str, recipient: str) -> str:
        await self._ready()
        try:
            _, reply = await self.client.sendmail(sender, [recipient], message)
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
            raise  # the session is reset and still usable
        except asyncio.CancelledError:
            self.client.close()
            raise
        except Exception:
            await self.close()  # unknown session state: start afresh next time
            raise
        finally:
            self.used_at = time.monotonic()
        return reply

    async def close(self) -> None:
        """QUIT politely, or just drop the connection."""
        if self.client.is_connected:
            try:
                await self.client.quit()
            except (aiosmtplib.SMTPException, OSError):
                self.client.close()
        with contextlib.suppress(Exception):
            self.client.close()
