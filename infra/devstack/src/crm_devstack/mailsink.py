"""A local SMTP sink for ``crm up``: accepts every message and writes it to a folder.

``python -m crm_devstack.mailsink --port 1025 --dir .crm/mail`` listens on 127.0.0.1 only.
Each message becomes ``<UTC time>-<n>.eml`` (the raw RFC 5322 message, openable in any
mail client); nothing is relayed anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import itertools
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


class FolderHandler:
    """aiosmtpd handler writing each accepted message to ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._counter = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Store the message as received (aiosmtpd's DATA hook)."""
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        path = self.folder / f"{stamp}-{next(self._counter):06d}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class StoredMail:
    """One message in the sink folder: its file and the headers people look for."""

    path: Path
    sender: str
    to: str
    subject: str


def list_mail(folder: Path, *, limit: int = 20) -> list[StoredMail]:
    """The newest ``limit`` messages in ``folder``, newest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        found.append(
            StoredMail(
                path,
                str(message["From"] or ""),
                str(message["To"] or ""),
                str(message["Subject"] or ""),
            )
        )
    return found


def main() -> None:
    """Run the sink until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(FolderHandler(args.dir), hostname=HOST, port=args.port)
    controller.start()
    print(f"SMTP sink on {HOST}:{args.port}, writing to {args.dir}", flush=True)

    async def wait_for_signal() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

    try:
        asyncio.run(wait_for_signal())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
